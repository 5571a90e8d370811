"""A workshop session without any UI: the model beside its baseline, stepped month by month.

The app, the handout, the notebook and the tests all drive this object, so everything the
trainer sees can be checked without a browser.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..governance import GovernanceModel
from ..metrics import METRIC_BY_NAME
from ..parameters import PARAMETERS, REFORM_KINDS, reform_defaults
from ..scenario import Reform, Scenario, load_scenario
from ..scenario import Scope as ReformScope
from ..study.seeds import DEFAULT_SEED

# The reform parameters a trainer sets on screen; the rest keep their scenario or registry values.
LEVER_PARAMS: dict[str, tuple[str, ...]] = {
    "burden_reduction": ("ledgers", "meetings_per_month", "inspections_per_year", "ledgers_in_evaluation"),
    "function_transfer": ("transfer_share", "funding_follows_tasks", "acceptance_centre", "access_list"),
    "election": ("election_mode", "proxy_voting"),
    "deliberation": ("hearings_per_year", "forums_per_year", "resident_appraisal"),
    "facilities": ("facilities_level",),
    "workforce": ("pay_level", "training", "pension"),
    "services_into_community": ("service_points",),
    "social_organizations": ("social_organizations_active",),
    "no_economic_activity": (),
    "health_stations": ("health_station",),
    "labour_offices": ("labour_office",),
    "service_brands": ("service_brands", "priority_vulnerable"),
}
# A district that steps in about 10 ms a month on a laptop.
APP_OVERRIDES = {"resident_agents": False, "scale": 0.02}
# The charts, in reading order: relief (admin share) and its relapse (tasks pushed down) first.
SERIES_METRICS = ("admin_share", "offloaded_tasks_per_worker", "requests_resolved_share", "participation_any",
                  "trust", "cost_per_resolved")
HORIZON = 120     # ten years: the "run to the end" button's month and the charts' fixed time axis
BASELINE = "baseline"
ALL = "all"
Scope = str | frozenset   # ALL, or a frozenset of (street, community-within-street) pairs


@dataclass
class Lever:
    """One reform on the control panel: on or off, its start month and its main parameters."""

    kind: str
    on: bool = False
    start_month: int = 12
    params: dict[str, Any] = field(default_factory=dict)


def levers_from(preset: Scenario) -> dict[str, Lever]:
    """Every reform kind as a lever, switched on (with its values) where the preset schedules it.

    The preset's reforms come first, in its order, so reforms starting in the same month are
    applied in the order the scenario file gives (one lever per kind: a kind's last entry wins).
    """
    levers = {r.kind: Lever(r.kind, on=True, start_month=r.start_month, params=dict(r.params))
              for r in preset.reforms}
    for kind in REFORM_KINDS:
        levers.setdefault(kind, Lever(kind, params=reform_defaults(kind)))
    return levers


def scoped(reform: Reform, scope: Scope) -> Reform:
    """The reform limited to the pilot communities, or the whole district."""
    if scope == ALL:
        return reform
    return replace(reform, scope=ReformScope(communities=tuple(sorted(scope))))


def build_scenario(preset: Scenario, levers: dict[str, Lever], scope: Scope = ALL) -> Scenario:
    """The preset's parameters and texts with the reforms the levers switch on, in the given scope."""
    reforms = [scoped(Reform(lv.kind, lv.start_month, {**reform_defaults(lv.kind), **lv.params}), scope)
               for lv in levers.values() if lv.on]
    return replace(preset, reforms=sorted(reforms, key=lambda r: r.start_month))


class Session:
    """The trainer's run: a scenario built from the controls and, beside it, the scenario it is
    compared with (the baseline unless the trainer picks another preset, or none).

    Both models get the same seed and overrides, so any difference between them comes from
    the reforms. A pilot scope applies to both, so two reforms are compared in the same places.
    """

    def __init__(self, preset: str = "burden_reduction", seed: int = DEFAULT_SEED,
                 overrides: dict[str, Any] | None = None, compare: bool | str | None = BASELINE):
        self.overrides = {**APP_OVERRIDES, **(overrides or {})}
        self.seed = seed
        self.compare_with = BASELINE if compare is True else (compare or None)
        self.scope: Scope = ALL
        self.lock = threading.RLock()   # the play loop steps from its own thread
        self.load_preset(preset)

    # ------------------------------------------------------------------ controls
    def load_preset(self, name: str) -> None:
        """Start from a scenario file: its texts, parameters and reforms become the levers."""
        self.preset = load_scenario(name)
        self.levers = levers_from(self.preset)
        self.reset()

    def set_lever(self, kind: str, on: bool | None = None, start_month: int | None = None, **params) -> None:
        lever = self.levers[kind]
        if on is not None:
            lever.on = on
        if start_month is not None:
            lever.start_month = int(start_month)
        for key, value in params.items():
            if f"{kind}.{key}" not in PARAMETERS:
                raise KeyError(f"{kind} has no parameter {key}")
            lever.params[key] = value

    def toggle_scope(self, street: int, community: int | None = None) -> None:
        """Add or remove one community, or a whole street (community None), from the pilots."""
        pairs = {(street, c) for c in self.streets[street]} if community is None else {(street, community)}
        current = set() if self.scope == ALL else set(self.scope)
        current = current - pairs if pairs <= current else current | pairs
        self.scope = frozenset(current) if current else ALL

    @property
    def compare(self) -> bool:
        return self.compare_with is not None

    def set_compare(self, name: str | None) -> None:
        """Compare with the scenario file ``name`` (as written, in the pilot scope), or with nothing."""
        self.compare_with = name or None
        self.reset()

    @property
    def scenario(self) -> Scenario:
        return build_scenario(self.preset, self.levers, self.scope)

    @property
    def other(self) -> Scenario | None:
        """The scenario run beside, its reforms limited to the pilots like this run's."""
        if self.compare_with is None:
            return None
        other = load_scenario(self.compare_with)
        return replace(other, reforms=[scoped(r, self.scope) for r in other.reforms])

    def reset(self) -> None:
        """New models from the current controls, at month 0, nothing recorded yet."""
        with self.lock:
            self._reset()

    def _reset(self) -> None:
        self.model = GovernanceModel(self.scenario, rng=self.seed, overrides=self.overrides)
        other = self.other
        self.baseline = GovernanceModel(other, rng=self.seed, overrides=self.overrides) if other else None

    def step(self, months: int = 1) -> None:
        with self.lock:
            for _ in range(months):
                self.model.step()
                if self.baseline is not None:
                    self.baseline.step()

    def run_to(self, month: int = HORIZON) -> None:
        """Step until ``month`` months are recorded (nothing if already there)."""
        with self.lock:
            self.step(max(0, month - self.month))

    # ------------------------------------------------------------------ what the views read
    @property
    def month(self) -> int:
        """Months recorded so far."""
        return len(self.model.months)

    @property
    def streets(self) -> dict[int, list[int]]:
        """Street -> its communities (within-street numbers), for the map."""
        out: dict[int, list[int]] = {}
        for street, community in self.places():
            out.setdefault(street, []).append(community)
        return out

    def district(self, baseline: bool = False) -> pd.DataFrame:
        model = self.baseline if baseline else self.model
        return model.district_frame() if model is not None else pd.DataFrame()

    def community_values(self, metric: str, window: int = 1) -> pd.DataFrame:
        """The map: street, community (within street), value and compared value, each the mean over
        the last ``window`` recorded months (1: the latest month)."""
        frame = pd.DataFrame(list(self.places()), columns=["street", "community"])
        frame["value"] = self._latest(self.model, metric, window)
        frame["baseline"] = self._latest(self.baseline, metric, window) if self.baseline is not None else np.nan
        return frame

    def places(self) -> list[tuple[int, int]]:
        """(street, community within street) of every committee, in the model's community order."""
        seen: dict[int, int] = {}
        places = []
        for c in self.model.committees:
            places.append((c.street, seen.get(c.street, 0)))
            seen[c.street] = seen.get(c.street, 0) + 1
        return places

    def _index(self, street: int, community: int) -> int:
        return self.places().index((street, community))

    @staticmethod
    def _latest(model: GovernanceModel, metric: str, window: int = 1) -> np.ndarray:
        if not model.months:
            return np.full(len(model.committees), np.nan)
        frame = model.community_frame()
        recent = frame.loc[frame["step"] > model.months[-1] - window, metric].to_numpy()
        # rows run month by month, each month listing the communities in model order
        return recent.reshape(-1, len(model.committees)).mean(axis=0)

    def colour_range(self, metric: str) -> tuple[float, float]:
        """Fixed ends of the map's colour scale, so a colour changes only when its value does."""
        if METRIC_BY_NAME[metric].unit in ("share", "index 0-1"):
            return 0.0, 1.0
        frames = [m.community_frame()[metric] for m in (self.model, self.baseline) if m is not None and m.months]
        values = pd.concat(frames) if frames else pd.Series([0.0, 1.0])
        return float(min(0.0, values.min())), float(max(values.max(), 1e-9))

    def hours(self, street: int, community: int) -> dict[str, float]:
        """How a committee's worker hours split this month (hours per month)."""
        c = self.model.committees[self._index(street, community)]
        h = c.hours
        if not h:
            return {}
        split = {
            "hours_admin": h["tasks"],
            "hours_upward": h["meetings"] + h["inspections"] + h["ledgers"] + h["plaques"],
            "hours_service": h["service"],
            "hours_economy": h["economy"],
        }
        split["hours_free"] = max(0.0, h["total"] - sum(split.values()))
        return split

    def queue(self, street: int, community: int) -> dict[str, float]:
        """Pending resident requests (real residents) and administrative tasks of one committee."""
        index = self._index(street, community)
        requests = self.model.population.committee_queue()[index] / self.model.p["scale"]
        return {"requests": float(requests), "tasks": float(self.model.committee_tasks.backlog[index])}

    def events(self) -> list[tuple[int, str]]:
        """(month, reform kind) for every reform that has taken effect."""
        return list(dict.fromkeys((c.month, c.kind) for c in self.model.values.changes))
