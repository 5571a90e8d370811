"""GovernanceModel: builds the district and orders the month (docs/ODD.md §3).

The month is nine stages, each a call to the actors that own it; the rules live with the
actors (agents.py, population.py, elections.py), the values in force in values.py, and
the metrics in metrics.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from .agents import (
    AcceptanceCentre,
    Committee,
    Department,
    Resident,
    StreetOffice,
    moved_functions,
    street_functions,
)
from .committees import CommitteeArrays
from .district import real_sizes, simulated_sizes
from .elections import ElectionMode, Elections
from .government import DistrictGovernment
from .metrics import METRIC_NAMES, MetricsRecorder
from .order import PropertyManagement, PublicSecurity
from .owners import DEPARTMENT_CATALOGUE, OwnerArrays, running_total
from .population import RESIDENT_FIELDS, Population
from .record import MonthRecord
from .scenario import Scenario, checked_model_parameters, load_scenario, with_reform_values
from .services import capacities, home_queues, open_channels, priority
from .states import Channel
from .values import ValuesInForce
from .work import TaskQueue


class GovernanceModel(mesa.Model):
    """A district of street offices, committees, households and residents under reforms.

    Args:
        scenario: a Scenario, a scenario name from scenarios/, a path, or None (baseline
            values, no reforms).
        rng: seed for the model's random generator; every draw comes from it.
        overrides: base-parameter values applied on top of the scenario's (validated).
        snapshot_months: months at which to keep a resident-level DataFrame snapshot.
        population_cls: the resident implementation; the per-agent reference in
            benchmarks/ swaps in its own to show both give the same results.
        **parameters: base-parameter values by name, like ``overrides`` (so that
            ``GovernanceModel(n_streets=2, rng=1)`` and ``mesa.batch_run`` work).

    In ``overrides``, a ``<kind>.<name>`` key (``burden_reduction.ledgers``) sets that value in
    every reform of that kind in the scenario, so reform values can be varied like base ones.

    ``model.shequ_scenario`` is the scenario that ran (``model.scenario`` keeps Mesa's
    meaning); ``model.values`` holds every value in force and the dated changes reforms made;
    ``model.datacollector`` is a Mesa DataCollector whose model reporters are the district
    metrics, read from the arrays the metrics already computed.
    """

    def __init__(self, scenario: Scenario | str | None = None, *, rng: int | None = None,
                 overrides: dict[str, Any] | None = None, snapshot_months: Iterable[int] = (),
                 population_cls: type[Population] = Population, **parameters: Any):
        super().__init__(rng=rng)
        if scenario is None:
            scenario = Scenario(name="defaults")
        elif not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        given = {**(overrides or {}), **parameters}
        scenario = with_reform_values(scenario, {k: v for k, v in given.items() if "." in k})
        self.shequ_scenario = scenario
        # the one validation path: the scenario re-checked, overrides on top, memory estimated
        base = checked_model_parameters(scenario, {k: v for k, v in given.items() if "." not in k})
        self.values = ValuesInForce(base, base["n_streets"], base["communities_per_street"], list(scenario.reforms))
        self.n_communities = self.values.n_communities
        self.month = -base["warmup_months"]
        self.real_sizes = real_sizes(base)
        self.services_home = home_queues(base["n_streets"], base["communities_per_street"])

        self.population = population_cls(self.values, self.rng, simulated_sizes(base), model=self)
        self.government = DistrictGovernment(self)
        self.committee_tasks = TaskQueue(self.n_communities)   # tasks pushed down, one column per committee
        self.committee_veto = TaskQueue(self.n_communities)    # of them, veto items (一票否决)
        self.committee_dropped_total = 0.0      # pushed-down tasks their owners gave up when overdue
        self.community_work = TaskQueue(self.n_communities)    # social and mass work committees took over
        self.community_generated_total = self.community_dropped_total = 0.0
        self.street_functions = street_functions(base)         # every street office holds this list
        self.function_volumes = np.array([f.volume for f in self.street_functions])
        self.government_functions = np.array([f.government for f in self.street_functions], dtype=bool)
        self._moved: tuple[int, np.ndarray] | None = None
        cps = base["communities_per_street"]
        self.committee_arrays = CommitteeArrays(self)     # the committees' state; rules run on all at once
        self.committees = [Committee(self, c, c // cps) for c in range(self.n_communities)]
        # the owners' state, departments then street offices; rules run on all at once
        self.owner_arrays = OwnerArrays(self, np.arange(self.n_communities).reshape(base["n_streets"], cps))
        self.streets = [StreetOffice(self, s, self.committees[s * cps:(s + 1) * cps])
                        for s in range(base["n_streets"])]
        self.departments = [Department(self, d) for d in range(len(DEPARTMENT_CATALOGUE))]
        self.elections = Elections(self)
        self.public_security = PublicSecurity(self)          # owner of safety work
        self.property_management = PropertyManagement(self)  # owner of property work, guided by committees
        self.centre: AcceptanceCentre | None = None
        if base["resident_agents"]:
            for row in range(self.population.n):
                Resident(self, row)

        self.recorder = MetricsRecorder(self.n_communities)
        self.months: list[int] = []
        self._district: list[np.ndarray] = []
        self._community: list[np.ndarray] = []
        self.snapshot_months = set(snapshot_months)
        self.snapshots: dict[int, pd.DataFrame] = {}
        # "month": the model's month of the row (mesa.batch_run's "Step" counts steps taken, one ahead of it)
        self.datacollector = mesa.DataCollector(
            model_reporters={"month": _recorded_month,
                             **{name: _district_reporter(i) for i, name in enumerate(METRIC_NAMES)}})
        for _ in range(base["warmup_months"]):
            self._month()
            self.month += 1

    @property
    def p(self) -> ValuesInForce:
        """The values in force, under the name every rule gives them (``p = self.model.values``)."""
        return self.values

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One month: the nine stages, then the metrics are recorded."""
        record = self._month()
        community, district = self.recorder.measure(record)
        self.months.append(self.month)
        self._community.append(community)
        self._district.append(district)
        self.datacollector.collect(self)
        if self.month in self.snapshot_months:
            pop = self.population
            self.snapshots[self.month] = pd.DataFrame({f: getattr(pop, f).copy() for f in RESIDENT_FIELDS})
        self.month += 1

    def run(self, steps: int) -> GovernanceModel:
        for _ in range(steps):
            self.step()
        return self

    def _month(self) -> MonthRecord:
        values, pop = self.values, self.population
        # (1) reforms whose start month has come take effect
        values.advance(self.month)
        self.government.step()
        if self.centre is None and self.centre_coverage().any():
            self.centre = AcceptanceCentre(self)
        if self.centre is not None:
            self.centre.open_month()
        # (2) owners act on tasks overdue in committees; departments generate tasks, decide
        # what to push down and what task money to pay
        self.settle_overdue()
        self.owner_arrays.step_departments()
        # (3) street offices work their own functions, pass tasks on, inspect, rank and fund
        self.owner_arrays.step_streets()
        # (4) needs arise; residents choose where to take them (channels with room this month)
        volunteers = pop.per_community(pop.last_volunteer == self.month - 1)
        cs, every = self.committee_arrays, self.committee_arrays.all
        centre = self.centre.capacity(self.centre_coverage()) if self.centre else 0.0
        capacity = capacities(values, self.real_sizes, self.services_home,
                              cs.capacity.copy(), centre, volunteers)   # the committee's as last month
        pop.raise_needs(self.month, capacity, self.services_home,
                        open_channels(capacity, self.services_home, self.centre_coverage()))
        # (5) committees split hours and serve; queues carry over
        cs.plan_month(every, pop.committee_queue(), pop.vulnerable_households, self.committee_backlog())
        veto = np.minimum(cs.done, self.committee_veto.backlog)     # veto items first
        self.committee_veto.complete(veto)
        ordinary = np.minimum(cs.done - veto, self.committee_tasks.backlog)   # then pushed-down tasks
        self.committee_tasks.complete(ordinary)
        self.community_work.complete(cs.done - veto - ordinary)          # then its own social work
        capacity[Channel.COMMITTEE] = cs.capacity
        first = priority(values["priority_vulnerable"], values["service_brands"])
        outcome = pop.serve(self.month, capacity, self.services_home, first, cs.service_level(every),
                            cs.counter_capacity(every))
        pop.visit_vulnerable(self.month, cs.visits.copy())
        # (6) residents take part and update attitudes
        pop.participate(self.month, cs.recruitment.copy(), cs.event_seats(every, pop.sizes),
                        cs.deliberation_events.astype(float), cs.agenda_share(every), cs.procedural_trust(every))
        satisfaction = pop.per_community(pop.satisfaction) / pop.sizes
        resolved = np.divide(outcome.resolved_30, outcome.concluded, out=np.zeros(self.n_communities),
                             where=outcome.concluded > 0)
        cs.observe(every, resolved, satisfaction)
        # (7) an election is held where a term ends
        self.elections.step()
        # (8) workers leave and are replaced; skill moves
        cs.workforce_step(every)
        # (9) safety and property outcomes of the month's work
        self.public_security.step()
        self.property_management.step()
        return self._record(outcome)

    def settle_overdue(self) -> None:
        """Owners act on tasks left undone in committees beyond ``escalation_limit_months``:
        veto items (一票否决) are taken back by the veto departments, in proportion to their
        weight, and done before their own queues; ordinary tasks are given up (dropped). The
        street office's next inspection sees both (OwnerArrays.rank_and_fund), and owners
        remember each committee's overdue rate (overdue tasks per task pushed down, smoothed
        over the limit) when they decide how much to push there (OwnerArrays). The month's
        task money is reset before owners pay it."""
        limit = int(self.values["escalation_limit_months"])
        cs = self.committee_arrays
        cs.money[:] = 0.0
        cs.money_due[:] = 0.0
        veto = self.committee_veto.take_overdue(self.month, limit)
        ordinary = self.committee_tasks.take_overdue(self.month, limit)
        # social and mass work the committee took over: it lets what is overdue go, unsanctioned
        self.community_dropped_total += float(self.community_work.take_overdue(self.month, limit).sum())
        self.community_work.take_due(self.month, limit)     # forget the emptied batches
        self.committee_dropped_total += float(ordinary.sum())
        late = np.divide(veto + ordinary, cs.incoming, out=np.zeros(self.n_communities), where=cs.incoming > 0)
        cs.overdue_rate += (np.minimum(1.0, late) - cs.overdue_rate) / limit
        cs.overdue += veto + ordinary
        cs.overdue_veto += veto
        self.owner_arrays.reclaim(float(veto.sum()))

    def committee_backlog(self) -> np.ndarray:
        """Tasks pending per committee: pushed down (veto items included) and the social and mass
        work it took over."""
        return self.committee_tasks.backlog + self.committee_veto.backlog + self.community_work.backlog

    def functions_moved(self) -> np.ndarray:
        """Which street functions have moved in which community (functions x communities), as
        the levers in force say (agents.moved_functions); recomputed when a reform changes values."""
        seen = len(self.values.changes)
        if self._moved is None or self._moved[0] != seen:
            self._moved = (seen, moved_functions(self.street_functions, self.values))
        return self._moved[1]

    # ------------------------------------------------------------------ views
    def committee_values(self, name: str) -> np.ndarray:
        """One attribute of every committee, in community order."""
        value = getattr(self.committee_arrays, name)
        return np.array(value(self.committee_arrays.all) if callable(value) else value, dtype=float)

    def centre_coverage(self) -> np.ndarray:
        """Communities whose residents and transferred functions the acceptance centre takes."""
        return self.values["acceptance_centre"].astype(bool)

    def spending_by_payer(self) -> dict[str, np.ndarray]:
        """Public spending this month per community, yuan, by who pays it
        (DistrictGovernment.spending_by_payer)."""
        owners = self.owner_arrays
        return self.government.spending_by_payer(owners.spending[owners.departments], owners.spending[owners.streets],
                                                 owners.serves, self.centre is not None,
                                                 self.committee_values("funding"), self.committee_arrays.trained)

    def government_work_due(self) -> tuple[np.ndarray, np.ndarray]:
        """Government tasks whose deadline ends this month per community, and how many of them
        were done by then, whoever held them; tasks the centre took count as done on time."""
        deadline = self.values["task_deadline_months"]
        due, on_time = np.zeros(self.n_communities), np.zeros(self.n_communities)
        for queue in (self.committee_tasks, self.committee_veto):
            arrived, done = queue.take_due(self.month, deadline)
            due += arrived
            on_time += done
        arrived, done = self.owner_arrays.due(self.month, deadline)    # every owner's, in order
        due, on_time = running_total(due, arrived), running_total(on_time, done)
        centre = running_total(0.0, self.owner_arrays.to_centre)
        return due + centre, on_time + centre

    def _record(self, outcome) -> MonthRecord:
        p, overhead = self.values, self.government.practiced
        due, on_time = self.government_work_due()
        accounts = self.spending_by_payer()
        return MonthRecord(
            month=self.month, population=self.population, service=outcome,
            committee_hours=self.committee_arrays.hours["total"].copy(),
            admin_hours=self.committee_values("admin_hours"),
            incoming_tasks=self.committee_values("incoming"),
            agenda_share=self.committee_values("agenda_share"),
            funding=self.committee_values("funding"),
            worker_turnover=self.committee_values("turnover"),
            worker_skill=self.committee_arrays.skill.mean(axis=1),
            turnout=self.elections.turnout.copy(), personal_turnout=self.elections.personal_turnout.copy(),
            voted_old=self.elections.voted_old.copy(), voted_young=self.elections.voted_young.copy(),
            elected=self.elections.mandate != ElectionMode.APPOINTED, contested=self.elections.contested.copy(),
            lost=self.elections.lost.copy(),
            ledgers=overhead["ledgers"], plaques=overhead["plaques"],
            inspections_per_year=overhead["inspections_per_year"],
            meetings_per_month=overhead["meetings_per_month"],
            department_spending=self.government.department_spending(
                self.owner_arrays.spending[self.owner_arrays.departments], self.centre is not None),
            real_sizes=self.real_sizes, public_spending=sum(accounts.values()),
            government_due=due, government_on_time=on_time,
            workers_per_committee=p["workers_per_committee"], scale=p["scale"],
            committee_backlog=self.committee_backlog(),
            money_paid=self.committee_arrays.money.copy(), money_due=self.committee_arrays.money_due.copy(),
            elected_members=self.committee_arrays.elected_share(self.committee_arrays.all),
            displaced_tasks=running_total(0.0, self.owner_arrays.displaced[self.owner_arrays.departments]),
            incidents=self.public_security.incidents.copy(),
            disputes=self.property_management.disputes.copy(),
            disputes_unresolved=self.property_management.unresolved.copy(),
        )

    def task_ledger(self) -> dict[str, float]:
        """Where every government task generated so far is now (for conservation checks)."""
        owners = (*self.departments, *self.streets)
        return {
            "generated": float(sum(o.generated_total for o in owners) + self.community_generated_total),
            "done": float(sum(o.done_total for o in owners) + sum(self.committee_arrays.tasks_done_total)),
            "pending": float(sum(o.queue.backlog.sum() + o.refused.sum() + o.reclaimed for o in owners)
                             + self.committee_backlog().sum()),
            "transferred": float(sum(o.centre_total for o in owners)),
            "dropped": float(sum(o.dropped_total for o in owners) + self.committee_dropped_total
                             + self.community_dropped_total),
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
        df.insert(0, "community", np.tile(np.arange(C) % self.values["communities_per_street"], len(self.months)))
        df.insert(0, "street", np.tile(np.arange(C) // self.values["communities_per_street"], len(self.months)))
        df.insert(0, "step", np.repeat(self.months, C))
        return df


def _recorded_month(model: GovernanceModel) -> int:
    """A DataCollector model reporter: the month just recorded (0 = the first month after the warm-up)."""
    return model.months[-1]


def _district_reporter(column: int):
    """A DataCollector model reporter: one district metric of the month just recorded."""
    def report(model: GovernanceModel) -> float:
        return float(model._district[-1][column])
    return report
