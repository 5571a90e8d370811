"""Scenario files (TOML): schema, validation and loading. Scenarios are data, never code.

A scenario file looks like::

    name = "burden_reduction"
    title_en = "..."            # one line
    title_zh = "..."
    [about]                     # what it represents and what to notice, in both languages
    en = "..."
    zh = "..."
    notice_en = "..."
    notice_zh = "..."
    [parameters]                # optional overrides of base parameters
    residents_per_community = 3000
    [[reforms]]                 # zero or more reforms, each with its start month
    kind = "burden_reduction"
    start_month = 24
    ledgers = 6                 # optional overrides of that reform's own parameters
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .parameters import PARAMETERS, REFORM_KINDS, base_defaults, check_value, reform_defaults

# Installed, the shipped scenarios are package data (model/scenarios/); in a source tree, scenarios/.
_HERE = Path(__file__).resolve().parent
SCENARIO_DIR = _HERE / "scenarios" if (_HERE / "scenarios").is_dir() else _HERE.parent / "scenarios"
# Chinese characters are allowed too, so a workshop can name a file 我的情景.toml.
NAME_PATTERN = re.compile(r"^[a-z0-9\u3400-\u9fff][a-z0-9_\-\u3400-\u9fff]{0,63}$")
TOP_KEYS = {"name", "title_en", "title_zh", "about", "parameters", "reforms"}
ABOUT_KEYS = {"en", "zh", "notice_en", "notice_zh"}
MAX_START_MONTH = 1200


@dataclass(frozen=True)
class Reform:
    """One scheduled reform: its kind, the month it takes effect and its own parameters."""

    kind: str
    start_month: int
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scenario:
    name: str
    parameters: dict[str, Any] = field(default_factory=base_defaults)
    reforms: list[Reform] = field(default_factory=list)
    title_en: str = ""
    title_zh: str = ""
    about: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Full, resolved description (every parameter), for manifests."""
        return {
            "name": self.name,
            "path": self.path,
            "parameters": dict(self.parameters),
            "reforms": [
                {"kind": r.kind, "start_month": r.start_month, **r.params} for r in self.reforms
            ],
        }


def _check_param(source: str, where: str, name: str, value: Any) -> Any:
    expected = check_value(name, value)
    if expected:
        raise InputError(source, where, expected, value)
    p = PARAMETERS[name]
    if p.kind is int and not isinstance(value, bool):
        return int(value)
    if p.kind is float:
        return float(value)
    return value


def validate_parameters(overrides: dict[str, Any], source: str = "parameters",
                        prefix: str = "parameters.") -> dict[str, Any]:
    """Merge base-parameter overrides onto the defaults, checking names, types and ranges."""
    params = base_defaults()
    for key, value in overrides.items():
        if key not in params:
            raise InputError(source, f"{prefix}{key}", "a known parameter name (see `run.py params`)", key)
        params[key] = _check_param(source, f"{prefix}{key}", key, value)
    if params["heterogeneity_low"] > params["heterogeneity_high"]:
        raise InputError(source, f"{prefix}heterogeneity_low", "a value <= heterogeneity_high",
                         params["heterogeneity_low"])
    if params["share_old"] + params["share_young"] > 1:
        raise InputError(source, f"{prefix}share_young", "share_old + share_young <= 1",
                         params["share_young"])
    if round(params["residents_per_community"] * params["scale"]) < 20:
        raise InputError(source, f"{prefix}scale",
                         "residents_per_community * scale >= 20 simulated residents per community",
                         params["scale"])
    return params


def validate_reform(raw: Any, source: str, where: str) -> Reform:
    if not isinstance(raw, dict):
        raise InputError(source, where, "a table with kind and start_month", raw)
    kind = raw.get("kind")
    if kind not in REFORM_KINDS:
        raise InputError(source, f"{where}.kind", "one of " + ", ".join(REFORM_KINDS), kind)
    start = raw.get("start_month")
    if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= MAX_START_MONTH:
        raise InputError(source, f"{where}.start_month", f"an integer month in [0, {MAX_START_MONTH}]", start)
    params = reform_defaults(kind)
    for key, value in raw.items():
        if key in ("kind", "start_month"):
            continue
        if key not in params:
            known = ", ".join(sorted(params)) or "none"
            raise InputError(source, f"{where}.{key}", f"a parameter of {kind} ({known})", key)
        params[key] = _check_param(source, f"{where}.{key}", f"{kind}.{key}", value)
    return Reform(kind, start, params)


def scenario_from_dict(data: dict[str, Any], source: str, default_name: str) -> Scenario:
    """Validate a parsed scenario table and build a Scenario."""
    for key in data:
        if key not in TOP_KEYS:
            raise InputError(source, key, "one of " + ", ".join(sorted(TOP_KEYS)), key)
    name = data.get("name", default_name)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InputError(source, "name", "lower-case letters, digits, Chinese characters, '_' or '-' (at most 64)",
                         name)
    for key in ("title_en", "title_zh"):
        if key in data and not isinstance(data[key], str):
            raise InputError(source, key, "a string", data[key])
    about = data.get("about", {})
    if not isinstance(about, dict):
        raise InputError(source, "about", "a table with en, zh, notice_en, notice_zh", about)
    for key, value in about.items():
        if key not in ABOUT_KEYS:
            raise InputError(source, f"about.{key}", "one of " + ", ".join(sorted(ABOUT_KEYS)), key)
        if not isinstance(value, str):
            raise InputError(source, f"about.{key}", "a string", value)
    overrides = data.get("parameters", {})
    if not isinstance(overrides, dict):
        raise InputError(source, "parameters", "a table of parameter = value", overrides)
    params = validate_parameters(overrides, source)
    raw_reforms = data.get("reforms", [])
    if not isinstance(raw_reforms, list):
        raise InputError(source, "reforms", "an array of tables ([[reforms]])", raw_reforms)
    reforms = [validate_reform(r, source, f"reforms[{i}]") for i, r in enumerate(raw_reforms)]
    return Scenario(name=name, parameters=params, reforms=sorted(reforms, key=lambda r: r.start_month),
                    title_en=data.get("title_en", ""), title_zh=data.get("title_zh", ""),
                    about=dict(about), path=source)


def resolve_path(name_or_path: str) -> Path:
    """A scenario name (file in scenarios/) or a path to a .toml file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or "/" in name_or_path or "\\" in name_or_path:
        return candidate
    return SCENARIO_DIR / f"{name_or_path}.toml"


def _display(path: Path) -> str:
    """The path as the user will recognise it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario by name (from scenarios/) or by path."""
    path = resolve_path(str(name_or_path))
    source = _display(path)
    if not path.is_file():
        hint = "an existing scenario file"
        if path.parent == SCENARIO_DIR:
            hint = "a scenario name from `run.py list` or a path to a .toml file"
        raise InputError(source, "file", hint, str(name_or_path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, "TOML", f"valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(source, "file", "UTF-8 text") from None
    return scenario_from_dict(data, source, default_name=path.stem)


def list_scenarios() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.toml"))
