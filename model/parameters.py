"""One registry for every number the model uses (model/parameters.toml), in the manner of
OpenFisca's parameter files: value, unit, validity bounds, English and Chinese label, role,
source, and for uncertain behaviour a plausible range.

Base parameters have plain names (``ledgers``). A reform kind is the set of entries named
``<kind>.<target>`` (``burden_reduction.ledgers``): each is the value that reform sets for the
base parameter ``<target>`` from its start month, unless the scenario names another. Base
parameters that some reform sets are *levers*: their value can differ by community and month
(see values.py); every other parameter is fixed for a run.

Roles: ``structure`` (the district as given), ``uncertainty`` (behaviour nobody controls or
knows), ``lever`` (what a reform or a government chooses), ``setting`` (a numerical setting
of the simulation, not of the world). Source kinds: ``seed`` (the seed report states the
number; ``quote`` holds its words), ``literature``, ``derived``, ``tuned``, ``assumption``.
"""

from __future__ import annotations

import math
import numbers
import tomllib
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

import numpy as np

ROLES = ("structure", "uncertainty", "lever", "setting")
SOURCE_KINDS = ("seed", "literature", "derived", "tuned", "assumption")


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    unit: str
    label_en: str
    label_zh: str
    role: str
    source_kind: str
    source: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    quote: str | None = None
    plausible_low: float | None = None
    plausible_high: float | None = None
    plausible_why: str | None = None

    @property
    def default(self) -> Any:
        return self.value

    def label(self, lang: str) -> str:
        """The label in ``lang`` ("zh" or "en"): the one way every page, table and figure names it."""
        return self.label_zh if lang == "zh" else self.label_en

    @property
    def kind(self) -> type:
        return type(self.value)

    @property
    def reform(self) -> str | None:
        """The reform kind this entry is a default of, or None for a base parameter."""
        return self.name.split(".")[0] if "." in self.name else None

    @property
    def target(self) -> str:
        """The base parameter this entry sets (itself for a base parameter)."""
        return self.name.split(".", 1)[1] if "." in self.name else self.name

    def expected(self) -> str:
        """Human description of an acceptable value, for error messages."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.low is None or self.high is None:        # community_sizes: described by its label
            return f"{self.label_en[0].lower()}{self.label_en[1:]}"
        noun = "an integer" if self.kind is int else "a number"
        return f"{noun} in [{self.low:g}, {self.high:g}] ({self.unit})"

    def record(self) -> dict[str, Any]:
        """Every field, for `run.py params --json` and manifests."""
        return asdict(self) | {"choices": list(self.choices) if self.choices else None}


def _load() -> dict[str, Parameter]:
    raw = tomllib.loads(resources.files(__package__).joinpath("parameters.toml").read_text(encoding="utf-8"))
    table = {}
    for name, fields in raw.items():
        if "choices" in fields:
            fields["choices"] = tuple(fields["choices"])
        table[name] = Parameter(name=name, **fields)
    return table


PARAMETERS: dict[str, Parameter] = _load()

REFORM_KINDS: tuple[str, ...] = tuple(dict.fromkeys(p.reform for p in PARAMETERS.values() if p.reform))

LEVERS: tuple[str, ...] = tuple(dict.fromkeys(p.target for p in PARAMETERS.values() if p.reform))
"""Base parameters that reforms set, and so may differ by community and month."""


def base_defaults() -> dict[str, Any]:
    """Value of every base (non-reform) parameter."""
    return {n: p.value for n, p in PARAMETERS.items() if p.reform is None}


def reform_defaults(kind: str) -> dict[str, Any]:
    """What a reform of ``kind`` sets, keyed by the base parameter it sets."""
    return {p.target: p.value for p in PARAMETERS.values() if p.reform == kind}


def check_value(name: str, value: Any) -> str | None:
    """Return what was expected if ``value`` is not valid for parameter ``name``, else None.

    NumPy scalars count as the numbers they hold; NaN and infinities are never valid."""
    param = PARAMETERS[name]
    if param.choices:
        return None if isinstance(value, str) and value in param.choices else param.expected()
    if param.kind is bool:
        return None if isinstance(value, (bool, np.bool_)) else param.expected()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        return param.expected()
    if param.kind is int and not float(value).is_integer():
        return param.expected()
    if not (param.low <= value <= param.high):
        return param.expected()
    return None


def coerce(name: str, value: Any) -> Any:
    """A valid ``value`` as the registry's Python type (NumPy scalars become plain numbers)."""
    kind = PARAMETERS[name].kind
    return kind(value) if kind in (bool, int, float) else value


def as_table() -> list[dict[str, Any]]:
    """The registry as rows, for the command line, docs and the app."""
    return [{**p.record(), "default": p.value,
             "range": "" if p.low is None else f"[{p.low:g}, {p.high:g}]",
             "plausible": "" if p.plausible_low is None else f"[{p.plausible_low:g}, {p.plausible_high:g}]"}
            for p in PARAMETERS.values()]


def as_json_records() -> list[dict[str, Any]]:
    """The registry as a JSON-ready list (`run.py params --json`)."""
    return [p.record() for p in PARAMETERS.values()]


def as_markdown() -> str:
    """The registry as a Markdown document (docs/parameters.md)."""
    lines = [
        "# Parameters",
        "",
        "Every number the model uses: value, unit, validity range, plausible range (for uncertain",
        "behaviour), English and Chinese label, role and source. Generated by",
        "`python run.py params --markdown` from `model/parameters.toml`; a test keeps it in step.",
        "",
        "- **Roles**: `structure` (the district as given), `uncertainty` (behaviour nobody controls or",
        "  knows; a sensitivity analysis varies these over their plausible range), `lever` (what a reform",
        "  or a government chooses), `setting` (a numerical setting of the simulation).",
        "- **Source kinds**: `seed` (the seed report states this number; its words are quoted below the",
        "  table), `literature`, `derived`, `tuned` (set to reproduce a pattern), `assumption`.",
        "- Base parameters are set in a scenario's `[parameters]` table. A `<kind>.<name>` entry is what a",
        "  reform of that kind sets for the base parameter `<name>` from its start month, unless the",
        "  scenario's `[[reforms]]` entry names another value.",
        "",
        "| name | value | unit | range | plausible | role | label | 标签 | source |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    quotes = []
    for row in as_table():
        value = str(row["value"]).lower() if isinstance(row["value"], bool) else row["value"]
        source = f"{row['source_kind']}: {row['source']}".replace("|", "\\|")
        lines.append(f"| `{row['name']}` | {value} | {row['unit']} | {row['range']} | {row['plausible']} "
                     f"| {row['role']} | {row['label_en']} | {row['label_zh']} | {source} |")
        if row["quote"]:
            quotes.append(f"- `{row['name']}`: {row['quote']}")
    if quotes:
        lines += ["", "## The seed report's words", ""] + quotes
    return "\n".join(lines) + "\n"
