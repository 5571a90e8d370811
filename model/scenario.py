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
    questions_en = ["...", "..."]   # optional: questions to discuss (the workshop handout)
    questions_zh = ["...", "..."]
    [parameters]                # optional overrides of base parameters
    residents_per_community = 3000
    [[reforms]]                 # zero or more reforms, each with its start month
    kind = "burden_reduction"
    start_month = 24
    ledgers = 6                 # optional: the values it sets, by registry name
    scope = { streets = [0] }   # optional: where it applies (default: the whole district)
"""

from __future__ import annotations

import re
import threading
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from .district import check_sizes, simulated_sizes
from .errors import InputError
from .parameters import PARAMETERS, REFORM_KINDS, base_defaults, check_value, coerce, reform_defaults

# Installed, the shipped scenarios are package data (model/scenarios/); in a source tree, scenarios/.
_HERE = Path(__file__).resolve().parent
SCENARIO_DIR = _HERE / "scenarios" if (_HERE / "scenarios").is_dir() else _HERE.parent / "scenarios"
# Chinese characters are allowed too, so a workshop can name a file 我的情景.toml.
NAME_PATTERN = re.compile(r"^[a-z0-9\u3400-\u9fff][a-z0-9_\-\u3400-\u9fff]{0,63}$")
TOP_KEYS = {"name", "title_en", "title_zh", "about", "parameters", "reforms"}
ABOUT_KEYS = {"en", "zh", "notice_en", "notice_zh", "questions_en", "questions_zh"}
QUESTION_KEYS = {"questions_en", "questions_zh"}   # lists of strings; the other about keys are strings
MAX_START_MONTH = 1200


@dataclass(frozen=True)
class Scope:
    """Where a reform applies: whole streets and/or single (street, community) pairs.

    Empty means the whole district."""

    streets: tuple[int, ...] = ()
    communities: tuple[tuple[int, int], ...] = ()

    @property
    def district(self) -> bool:
        return not self.streets and not self.communities

    def mask(self, n_streets: int, per_street: int) -> np.ndarray:
        """Which communities (in district order) the scope covers."""
        if self.district:
            return np.ones(n_streets * per_street, dtype=bool)
        covered = np.zeros((n_streets, per_street), dtype=bool)
        covered[list(self.streets)] = True
        for street, community in self.communities:
            covered[street, community] = True
        return covered.ravel()

    def as_dict(self) -> dict[str, list]:
        return {"streets": list(self.streets), "communities": [list(c) for c in self.communities]}


@dataclass(frozen=True)
class Reform:
    """One scheduled reform: its kind, the month it takes effect, the values it sets (by
    registry name) and where (its scope; by default the whole district)."""

    kind: str
    start_month: int
    params: dict[str, Any] = field(default_factory=dict)
    scope: Scope = field(default_factory=Scope)

    def __post_init__(self):
        check_reform_object(self)


@dataclass
class Scenario:
    name: str
    parameters: dict[str, Any] = field(default_factory=base_defaults)
    reforms: list[Reform] = field(default_factory=list)
    title_en: str = ""
    title_zh: str = ""
    about: dict[str, str | list[str]] = field(default_factory=dict)
    path: str | None = None

    def __post_init__(self):
        check_scenario_object(self)

    def as_dict(self) -> dict[str, Any]:
        """Full, resolved description (every parameter), for manifests."""
        return {
            "name": self.name,
            "path": self.path,
            "parameters": dict(self.parameters),
            "reforms": [
                {"kind": r.kind, "start_month": r.start_month, **r.params, "scope": r.scope.as_dict()}
                for r in self.reforms
            ],
        }


def _check_param(source: str, where: str, name: str, value: Any) -> Any:
    if name == "community_sizes":
        return value      # its shape depends on the layout: checked in validate_parameters
    value = plain(value)
    expected = check_value(name, value)
    if expected:
        raise InputError(source, where, expected, value)
    return coerce(name, value)


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
    expected = check_sizes(params["community_sizes"], params["n_streets"], params["communities_per_street"])
    if expected:
        raise InputError(source, f"{prefix}community_sizes", expected, params["community_sizes"])
    if round(params["residents_per_community"] * params["scale"]) < 20:
        raise InputError(source, f"{prefix}scale",
                         "residents_per_community * scale >= 20 simulated residents per community",
                         params["scale"])
    return params


def validate_scope(raw: Any, params: dict[str, Any], source: str, where: str) -> Scope:
    """A scope table: ``streets`` (indices) and/or ``communities`` ([street, community] pairs)."""
    n_streets, per_street = params["n_streets"], params["communities_per_street"]
    if not isinstance(raw, dict) or not raw or set(raw) - {"streets", "communities"}:
        raise InputError(source, where, "a table with streets = [...] and/or communities = [[street, community], ...]",
                         raw)

    def index(value: Any, high: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < high

    streets = raw.get("streets", [])
    if not isinstance(streets, list) or not all(index(s, n_streets) for s in streets):
        raise InputError(source, f"{where}.streets", f"a list of street indices in [0, {n_streets - 1}]", streets)
    pairs = raw.get("communities", [])
    if not isinstance(pairs, list) or not all(
            isinstance(c, list) and len(c) == 2 and index(c[0], n_streets) and index(c[1], per_street)
            for c in pairs):
        raise InputError(source, f"{where}.communities",
                         f"a list of [street, community] pairs, street in [0, {n_streets - 1}] and "
                         f"community in [0, {per_street - 1}]", pairs)
    if not streets and not pairs:
        raise InputError(source, where, "at least one street or community", raw)
    return Scope(tuple(sorted(set(streets))), tuple(sorted({(s, c) for s, c in pairs})))


def validate_reform(raw: Any, source: str, where: str, params: dict[str, Any] | None = None) -> Reform:
    if not isinstance(raw, dict):
        raise InputError(source, where, "a table with kind and start_month", raw)
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in REFORM_KINDS:
        raise InputError(source, f"{where}.kind", "one of " + ", ".join(REFORM_KINDS), kind)
    start = plain(raw.get("start_month"))
    if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= MAX_START_MONTH:
        raise InputError(source, f"{where}.start_month", f"an integer month in [0, {MAX_START_MONTH}]", start)
    values = reform_defaults(kind)
    for key, value in raw.items():
        if key in ("kind", "start_month", "scope"):
            continue
        if key not in values:
            known = ", ".join(sorted(values)) or "none"
            raise InputError(source, f"{where}.{key}", f"a parameter of {kind} ({known})", key)
        values[key] = _check_param(source, f"{where}.{key}", f"{kind}.{key}", value)
    scope = Scope()
    if "scope" in raw:
        scope = validate_scope(raw["scope"], params or base_defaults(), source, f"{where}.scope")
    return Reform(kind, start, values, scope)


def scenario_from_dict(data: dict[str, Any], source: str, default_name: str) -> Scenario:
    """Validate a parsed scenario table and build a Scenario."""
    for key in data:
        if key not in TOP_KEYS:
            raise InputError(source, key, "one of " + ", ".join(sorted(TOP_KEYS)), key)
    name = data.get("name", default_name)
    if "name" not in data and not NAME_PATTERN.match(default_name):
        raise InputError(source, "name", "a name = \"...\" entry (lower-case letters, digits, Chinese characters, "
                         "'_' or '-'), since the file name is not a valid scenario name", default_name)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InputError(source, "name", "lower-case letters, digits, Chinese characters, '_' or '-' (at most 64)",
                         name)
    for key in ("title_en", "title_zh"):
        if key in data and not isinstance(data[key], str):
            raise InputError(source, key, "a string", data[key])
        if key in data and any(c in data[key] for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
            raise InputError(source, key, "one line of text (a title heads tables and reports)", data[key])
    about = data.get("about", {})
    if not isinstance(about, dict):
        raise InputError(source, "about", "a table with en, zh, notice_en, notice_zh", about)
    for key, value in about.items():
        if key not in ABOUT_KEYS:
            raise InputError(source, f"about.{key}", "one of " + ", ".join(sorted(ABOUT_KEYS)), key)
        if key in QUESTION_KEYS:
            if not isinstance(value, list) or not all(isinstance(q, str) and q.strip() for q in value):
                raise InputError(source, f"about.{key}", "an array of non-empty strings", value)
        elif not isinstance(value, str):
            raise InputError(source, f"about.{key}", "a string", value)
    overrides = data.get("parameters", {})
    if not isinstance(overrides, dict):
        raise InputError(source, "parameters", "a table of parameter = value", overrides)
    params = validate_parameters(overrides, source)
    raw_reforms = data.get("reforms", [])
    if not isinstance(raw_reforms, list):
        raise InputError(source, "reforms", "an array of tables ([[reforms]])", raw_reforms)
    reforms = [validate_reform(r, source, f"reforms[{i}]", params) for i, r in enumerate(raw_reforms)]
    return Scenario(name=name, parameters=params, reforms=reforms,
                    title_en=data.get("title_en", ""), title_zh=data.get("title_zh", ""),
                    about=dict(about), path=source)


def with_reform_values(scenario: Scenario, values: dict[str, Any], source: str = "overrides") -> Scenario:
    """The scenario with ``<kind>.<name>`` values set in every reform of that kind (checked)."""
    if not values:
        return scenario
    reforms = list(scenario.reforms)
    for key, value in values.items():
        if key not in PARAMETERS or PARAMETERS[key].reform is None:
            raise InputError(source, key, "a reform parameter <kind>.<name> (see `run.py params`)", key)
        kind, name = key.split(".", 1)
        value = _check_param(source, key, key, value)
        if not any(r.kind == kind for r in reforms):      # it would change nothing: say so
            raise InputError(source, key, f"a parameter of a reform the scenario has (scenario {scenario.name} "
                             f"has no {kind} reform, so this value would change nothing)", value)
        reforms = [replace(r, params={**r.params, name: value}) if r.kind == kind else r for r in reforms]
    return replace(scenario, reforms=reforms)


def used_values(scenario: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without the ``<kind>.<name>`` ones of reforms ``scenario`` does not have (a
    design or parameter set shared by several scenarios sets them only where they exist)."""
    kinds = {r.kind for r in scenario.reforms}
    return {k: v for k, v in values.items() if "." not in k or k.split(".", 1)[0] in kinds}


def check_values_used(scenarios: list[Scenario], names: Any, source: str, field_name: str) -> None:
    """Refuse a reform parameter that no scenario of a sweep or study has a reform for: varying
    it would change nothing, and an analysis would report it as having no effect."""
    kinds = {r.kind for s in scenarios for r in s.reforms}
    for name in names:
        if "." in name and name.split(".", 1)[0] not in kinds:
            raise InputError(source, field_name, f"a parameter some scenario uses (no scenario here has a "
                             f"{name.split('.', 1)[0]} reform, so varying it would change nothing)", name)


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
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))   # a byte-order mark is harmless
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, "TOML", f"valid TOML ({exc})") from None
    except RecursionError:
        raise InputError(source, "TOML", "arrays or tables nested less deeply (too deep to read)") from None
    except UnicodeDecodeError:
        raise InputError(source, "file", "UTF-8 text") from None
    return scenario_from_dict(data, source, default_name=path.stem)


def list_scenarios() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.toml"))


# ---------------------------------------------------------------- checks shared by files and Python
# A Reform or Scenario built in Python passes the same checks as one read from a file, with the
# same one-line InputError; only the source differs ("Python API" instead of the file name).

API = "Python API"
_validating = threading.local()


def plain(value: Any) -> Any:
    """NumPy scalars (np.int64(3), np.float64(0.2), np.bool_) as the Python numbers they are."""
    return value.item() if isinstance(value, np.generic) else value


def check_reform_object(reform: Reform) -> None:
    """Validate a Reform built in Python and fill in its kind's defaults for missing parameters."""
    params = reform.params if isinstance(reform.params, dict) else {}
    if not isinstance(reform.params, dict):
        raise InputError(API, f"Reform({reform.kind!r}).params", "a dict of parameter = value", reform.params)
    if getattr(_validating, "on", False):
        return          # built by validate_reform itself from values it has just checked
    if not isinstance(reform.scope, Scope):
        raise InputError(API, f"Reform({reform.kind!r}).scope", "a Scope(streets=..., communities=...)", reform.scope)
    raw = {**params, "kind": reform.kind, "start_month": reform.start_month}
    _validating.on = True
    try:
        checked = validate_reform(raw, API, f"Reform({reform.kind!r})")
    finally:
        _validating.on = False
    object.__setattr__(reform, "start_month", checked.start_month)
    object.__setattr__(reform, "params", checked.params)


def check_scenario_object(s: Scenario) -> None:
    """Validate a Scenario (name, parameters, reforms, no two reforms of one kind in one month)
    and put its reforms in month order, which is the order the model applies them in."""
    source = s.path or API
    if not isinstance(s.name, str) or not NAME_PATTERN.match(s.name):
        raise InputError(source, "name", "lower-case letters, digits, '_' or '-' (at most 64)", s.name)
    if not isinstance(s.parameters, dict):
        raise InputError(source, "parameters", "a dict of parameter = value", s.parameters)
    s.parameters = validate_parameters(s.parameters, source)
    if not isinstance(s.reforms, (list, tuple)):
        raise InputError(source, "reforms", "a list of Reform", s.reforms)
    seen: dict[tuple[str, int], list[tuple[int, np.ndarray]]] = {}
    layout = (s.parameters["n_streets"], s.parameters["communities_per_street"])
    for i, r in enumerate(s.reforms):
        if not isinstance(r, Reform):
            raise InputError(source, f"reforms[{i}]", "a Reform(kind, start_month, params)", r)
        check_reform_object(r)      # its values may have been changed since it was built
        if not r.scope.district:    # the scope must name streets and communities the district has
            validate_scope(r.scope.as_dict(), s.parameters, source, f"reforms[{i}].scope")
        where = r.scope.mask(*layout)
        for j, other in seen.setdefault((r.kind, r.start_month), []):
            if (where & other).any():
                raise InputError(source, f"reforms[{i}]", f"at most one {r.kind} reform in month {r.start_month} "
                                 f"in a community (reforms[{j}] covers some of the same; merge their "
                                 "parameters or their scopes)", r.kind)
        seen[(r.kind, r.start_month)].append((i, where))
    s.reforms = sorted(s.reforms, key=lambda r: r.start_month)


def check_unique_names(scenarios: list[Scenario]) -> None:
    """Two scenarios with one name would be pooled into one row of every table: refuse."""
    first: dict[str, Scenario] = {}
    for s in scenarios:
        if s.name in first:
            other = first[s.name].path or "another Scenario"
            raise InputError(s.path or API, "name", f"a name no other scenario in the study has ({other} "
                             f"is also named {s.name!r})", s.name)
        first[s.name] = s


def check_run_length(scenarios: list[Scenario], steps: int) -> None:
    """A reform that starts after the last simulated month would never take effect: refuse."""
    for s in scenarios:
        for r in s.reforms:
            if r.start_month >= steps:
                raise InputError(s.path or API, f"reforms[kind={r.kind}].start_month",
                                 f"a month within the run (0 to {steps - 1} for {steps} steps)", r.start_month)


# Measured: peak resident memory (ru_maxrss) of a 3-month run of 10 communities x 20,000 residents
# minus that of 10 x 100, Python 3.12 / NumPy 2: 261 bytes per simulated resident without resident
# agents, 554 with them; rounded up. BASE_BYTES is the interpreter with NumPy, pandas and Mesa loaded.
BYTES_PER_RESIDENT = 300
BYTES_PER_RESIDENT_AGENT = 300
BASE_BYTES = 130 * 2**20


def simulated_residents(params: dict[str, Any]) -> int:
    return int(simulated_sizes(params).sum())


def memory_needed(params: dict[str, Any]) -> int:
    """Estimated bytes one model with these (validated) parameters needs, in its own process."""
    per = BYTES_PER_RESIDENT + (BYTES_PER_RESIDENT_AGENT if params["resident_agents"] else 0)
    return BASE_BYTES + simulated_residents(params) * per


def checked_model_parameters(scenario: Scenario, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """What a model runs with: the scenario re-checked (it may have been changed since it was
    built), overrides validated on top, and the memory it needs checked against what is free."""
    check_scenario_object(scenario)
    params = validate_parameters({**scenario.parameters, **(overrides or {})}, source="overrides", prefix="")
    for i, r in enumerate(scenario.reforms):    # scopes must fit the district the overrides leave
        if not r.scope.district:
            validate_scope(r.scope.as_dict(), params, scenario.path or API, f"reforms[{i}].scope")
    check_memory(memory_needed(params) - BASE_BYTES, scenario.path or API, "parameters",
                 f"{simulated_residents(params):,} simulated residents", per_process=memory_needed(params))
    return params


# The share of available memory a set-up may use: estimates are estimates, and other programs
# on the machine grow too.
MEMORY_MARGIN = 0.25
CGROUP_FILES = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),                  # cgroup v2
                ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"))


def _cgroup_room() -> int | None:
    """What this process's memory cgroup still allows (limit - usage), or None without a limit."""
    for limit_file, usage_file in CGROUP_FILES:
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or not limit.isdigit() or int(limit) >= 2**60:
            return None
        return max(0, int(limit) - usage)
    return None


def address_space_limit() -> int | None:
    """This process's RLIMIT_AS (ulimit -v), which each worker inherits, or None without one."""
    try:
        import resource
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def available_memory() -> int:
    """Memory available to this program: the machine's, or less if its cgroup allows less."""
    free = int(psutil.virtual_memory().available)
    room = _cgroup_room()
    return free if room is None else min(free, room)


def check_memory(needed: int, source: str, field_name: str, what: str, per_process: int | None = None) -> None:
    """Refuse, before allocating anything, a set-up that cannot fit in available memory with a
    margin (MEMORY_MARGIN), or whose single process (``per_process`` bytes) exceeds the
    address-space limit (RLIMIT_AS) with the same margin."""
    free = available_memory()
    if needed > free * (1 - MEMORY_MARGIN):
        raise InputError(source, field_name, f"a set-up that fits in the {free / 2**30:.1f} GB of available "
                         f"memory with {MEMORY_MARGIN:.0%} to spare ({what} needs about {needed / 2**30:.1f} GB)")
    limit = address_space_limit()
    if limit is not None and per_process is not None and per_process > limit * (1 - MEMORY_MARGIN):
        raise InputError(source, field_name, f"a set-up whose processes fit in the address-space limit of "
                         f"{limit / 2**30:.1f} GB (ulimit -v) with {MEMORY_MARGIN:.0%} to spare ({what}: one "
                         f"process needs about {per_process / 2**30:.1f} GB)")
