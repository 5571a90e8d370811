"""GovernanceModel: builds the district and runs the month in the order of DESIGN.md §2."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from .agents import DEPARTMENT_CATALOGUE, AcceptanceCentre, Committee, Department, Resident, StreetOffice
from .metrics import METRIC_NAMES, measure
from .policy import Policy
from .population import Population
from .reforms import APPLY
from .scenario import Scenario, checked_model_parameters, load_scenario

SNAPSHOT_FIELDS = ("community", "household", "age_group", "employment", "vulnerable", "registered",
                   "trust", "efficacy", "habit", "satisfaction", "aware", "req_age")


class GovernanceModel(mesa.Model):
    """A district of street offices, committees, households and residents under reforms.

    Args:
        scenario: a Scenario, a scenario name from scenarios/, a path, or None (baseline
            defaults, no reforms).
        rng: seed for the model's random generator; every draw comes from it.
        overrides: base-parameter values applied on top of the scenario's (validated).
        snapshot_months: months at which to keep a resident-level DataFrame snapshot.
        population_cls: the resident implementation; the per-agent reference in
            benchmarks/ swaps in its own to show both give the same results.
    """

    def __init__(self, scenario: Scenario | str | None = None, *, rng: int | None = None,
                 overrides: dict[str, Any] | None = None, snapshot_months: Iterable[int] = (),
                 population_cls: type[Population] = Population):
        super().__init__(rng=rng)
        if scenario is None:
            scenario = Scenario(name="defaults")
        elif not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.spec = scenario
        self.p: dict[str, Any] = checked_model_parameters(scenario, overrides)   # the one validation path
        p = self.p
        self.n_communities = p["n_streets"] * p["communities_per_street"]
        self.policy = Policy.from_parameters(p)
        self.month = -p["warmup_months"]
        self.pending_reforms = list(scenario.reforms)
        self.applied_reforms: list[tuple[int, str]] = []   # (month, kind), a log for readers

        self.population = population_cls(p, self.rng, self.n_communities, model=self)
        cps = p["communities_per_street"]
        self.committees = [Committee(self, c, c // cps) for c in range(self.n_communities)]
        self.streets = [StreetOffice(self, s, self.committees[s * cps:(s + 1) * cps])
                        for s in range(p["n_streets"])]
        self.departments = [Department(self, key, zh, w) for key, zh, w in DEPARTMENT_CATALOGUE]
        self.centre: AcceptanceCentre | None = None
        if p["resident_agents"]:
            for row in range(self.population.n):
                Resident(self, row)

        C = self.n_communities
        self.pushed_by_community = np.zeros(C, dtype=np.int64)
        self.deliberation_events = np.zeros(C, dtype=np.int64)
        self.event_seats = np.zeros(C)
        self.turnout = np.zeros(C)
        self.personal_turnout = np.zeros(C)
        self.months: list[int] = []
        self._district: list[np.ndarray] = []
        self._community: list[np.ndarray] = []
        self.snapshot_months = set(snapshot_months)
        self.snapshots: dict[int, pd.DataFrame] = {}
        for _ in range(p["warmup_months"]):
            self._month()
            self.month += 1

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One month: the nine stages, then the metrics are recorded."""
        outcome = self._month()
        community, district = measure(self, outcome)
        self.months.append(self.month)
        self._community.append(community)
        self._district.append(district)
        if self.month in self.snapshot_months:
            pop = self.population
            self.snapshots[self.month] = pd.DataFrame({f: getattr(pop, f).copy() for f in SNAPSHOT_FIELDS})
        self.month += 1

    def run(self, steps: int) -> GovernanceModel:
        for _ in range(steps):
            self.step()
        return self

    def _month(self):
        p, pol, pop = self.p, self.policy, self.population
        # (1) reforms whose start month has come take effect
        while self.pending_reforms and self.pending_reforms[0].start_month <= self.month:
            reform = self.pending_reforms.pop(0)
            APPLY[reform.kind](self, reform.params)
            self.applied_reforms.append((self.month, reform.kind))
        # (2) departments generate tasks and decide what to push down
        self.agents_by_type[Department].do("step")
        self.pushed_by_community = np.sum([d.pushed for d in self.departments], axis=0)
        per_year = pol.hearings_per_year + pol.forums_per_year
        self.deliberation_events = (self.rng.poisson(per_year / 12.0, self.n_communities)
                                    if per_year > 0 else np.zeros(self.n_communities, dtype=np.int64))
        # (3) street offices pass tasks on, hold meetings and inspections, rank and fund
        self.agents_by_type[StreetOffice].do("step")
        # (4) needs arise; residents choose where to take them
        requests, unmet = pop.raise_needs(self.centre is not None, pol.service_points)
        queue = pop.committee_queue()
        # (5) committees split hours and serve; queues carry over
        for c in self.committees:
            c.plan_month(queue[c.index], self.population.vulnerable_households[c.index], self.streets[c.street])
        point_cap = (pol.point_capacity_per_1000 * p["residents_per_community"] / 1000 * p["scale"]
                     if pol.service_points else 0.0)
        quality = np.array([0.2 + 0.5 * c.resolution for c in self.committees])
        quality += 0.1 * min(1.0, pol.facilities_level) + 0.05 * pol.open_affairs
        outcome = pop.serve(self.month, np.array([c.capacity for c in self.committees]),
                            self.centre.capacity if self.centre else 0.0,
                            np.full(self.n_communities, point_cap), unmet, requests, quality)
        resolved = np.divide(outcome.resolved_30, outcome.new, out=np.zeros(self.n_communities),
                             where=outcome.new > 0)
        pop.visit_vulnerable(self.month, np.array([c.visits for c in self.committees]))
        returned = sum(c.returned for c in self.committees)
        for d in self.departments:
            d.returned = returned * d.weight
        # (6) residents take part and update attitudes
        # event seats scale with the committee's budget: funding plus any economic income
        income = p["economic_income"] if pol.economic_activity else 0.0
        budget = (np.array([c.funding for c in self.committees]) + income) / max(
            p["funding_base"] + p["economic_income"], 1e-9)
        seats = (p["event_seats_per_1000"] * pop.size / 1000
                 * (1 + pol.seats_boost * pol.facilities_level) * budget)
        bonus = p["procedural_trust"] * (pol.open_affairs + pol.resident_appraisal) / 2
        self.event_seats = seats
        pop.participate(self.month, np.array([c.recruitment for c in self.committees]), seats,
                        self.deliberation_events, np.array([c.agenda_share for c in self.committees]),
                        np.full(self.n_communities, bonus))
        satisfaction = pop.per_community(pop.satisfaction) / pop.size
        for c, sat, res in zip(self.committees, satisfaction, resolved, strict=True):
            c.appraisal = float(sat)
            c.resolution += (res - c.resolution) / 6
        # (7) an election is held when a term ends
        if pol.next_election is not None and self.month >= pol.next_election:
            self.turnout, self.personal_turnout = pop.hold_election(
                self.month, pol.election_mode, pol.proxy_voting,
                np.array([c.recruitment for c in self.committees]))
            for c, sat in zip(self.committees, satisfaction, strict=True):
                c.election_satisfaction = float(sat)
            pol.next_election = self.month + pol.term_months
        # (8) workers leave and are replaced; skill moves
        self.agents_by_type[Committee].do("workforce_step")
        return outcome

    # ------------------------------------------------------------------ helpers
    def open_acceptance_centre(self) -> None:
        if self.centre is None:
            self.centre = AcceptanceCentre(self)

    def department_spending(self) -> float:
        """Departments' spending this month, with the centre and service points they run."""
        p, pol = self.p, self.policy
        total = sum(d.spending for d in self.departments)
        if self.centre is not None:
            total += p["centre_cost_per_month"]
        if pol.service_points:
            total += p["service_point_cost"] * self.n_communities
        return float(total)

    def task_ledger(self) -> dict[str, float]:
        """Where every department task generated so far is now (for conservation checks)."""
        return {
            "generated": float(sum(d.generated_total for d in self.departments)),
            "done": float(sum(d.done_total for d in self.departments)
                          + sum(c.tasks_done_total for c in self.committees)),
            "pending": float(sum(d.backlog + d.returned for d in self.departments)
                             + sum(c.backlog for c in self.committees)),
            "transferred": float(sum(d.centre_total for d in self.departments)),
        }

    # ------------------------------------------------------------------ results
    def district_frame(self) -> pd.DataFrame:
        """District metrics, one row per recorded month (column ``step``)."""
        df = pd.DataFrame(np.array(self._district).reshape(-1, len(METRIC_NAMES)), columns=list(METRIC_NAMES))
        df.insert(0, "step", self.months)
        return df

    def community_frame(self) -> pd.DataFrame:
        """Community metrics, one row per community and recorded month."""
        C = self.n_communities
        values = np.array(self._community).reshape(-1, len(METRIC_NAMES))
        df = pd.DataFrame(values, columns=list(METRIC_NAMES))
        df.insert(0, "community", np.tile(np.arange(C), len(self.months)))
        df.insert(0, "street", np.tile(np.arange(C) // self.p["communities_per_street"], len(self.months)))
        df.insert(0, "step", np.repeat(self.months, C))
        return df
