"""The actors: departments, street offices, residents' committees, the acceptance centre,
and the Resident view onto a row of the population arrays.

A Department or StreetOffice is a view onto one row of the owners' arrays (owners.py), and a
Committee onto one entry of the committees' arrays (committees.py), whose rules run for all at
once in the order of the month (docs/ODD.md §3); each reads the values in force through
``model.values`` (levers per community).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .constants import PER_THOUSAND
from .owners import DEPARTMENT_CATALOGUE
from .population import RESIDENT_FIELDS
from .work import Function, Owner, StreetFunction, TaskQueue, Work

if TYPE_CHECKING:
    from .committees import CommitteeArrays
    from .owners import OwnerArrays
    from .types import OwnerModel

ENFORCEMENT_DEPARTMENTS = frozenset({"urban_management", "city_appearance", "commerce"})
"""Departments whose street functions are administrative enforcement (行政执法); the street
functions that go to the others are administrative management (行政管理). An assumption: the
report gives the 57 functions' kinds together."""


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` whole items shared in proportion to ``weights`` by largest remainder (ties in
    order); equal weights where all are zero."""
    weights = np.asarray(weights, dtype=float)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(np.int64)
    short = total - int(counts.sum())
    counts[np.argsort(-(quota - counts), kind="stable")[:short]] += 1
    return counts


def street_functions(p) -> tuple[StreetFunction, ...]:
    """A street office's functions in list order (docs/ODD.md §7.2): its administrative and
    enforcement functions, department by department in catalogue order (each department's
    count apportioned from street_functions_<key> to street_government_functions), then its
    social and then its mass work. Functions of one group share its volume equally."""
    n_gov = int(p["street_government_functions"])
    n_social, n_mass = int(p["street_social_functions"]), int(p["street_mass_functions"])
    share = p["street_community_work_share"] if n_social + n_mass else 0.0
    total = p["street_tasks_per_community_month"]
    counts = apportion(n_gov, np.array([p[f"street_functions_{k}"] for k, _ in DEPARTMENT_CATALOGUE]))
    functions: list[StreetFunction] = []
    for (key, _), count in zip(DEPARTMENT_CATALOGUE, counts, strict=True):
        kind = Work.ENFORCEMENT if key in ENFORCEMENT_DEPARTMENTS else Work.ADMINISTRATIVE
        functions += [StreetFunction(len(functions), kind, key, total * (1 - share) / n_gov) for _ in range(count)]
    for kind, count in ((Work.SOCIAL, n_social), (Work.MASS, n_mass)):
        functions += [StreetFunction(len(functions), kind, None, total * share / (n_social + n_mass))
                      for _ in range(count)]
    return tuple(functions)


def moved_functions(functions: tuple[StreetFunction, ...], p) -> np.ndarray:
    """Which functions have moved in which community (functions x communities): the first
    round(street_functions_to_departments_c x n) administrative and enforcement functions to
    their departments, the first round(social_work_to_community_c x n) social and mass ones to
    the community."""
    government = np.array([f.government for f in functions], dtype=bool)
    rank = np.empty(len(functions), dtype=np.int64)
    rank[government] = np.arange(government.sum())
    rank[~government] = np.arange((~government).sum())
    n = np.where(government, government.sum(), (~government).sum())[:, None]
    share = np.where(government[:, None], p["street_functions_to_departments"][None, :],
                     p["social_work_to_community"][None, :])
    return rank[:, None] < np.round(share * n)


class TaskOwner(mesa.Agent):
    """An owner of government work — a department or a street office.

    Each month it generates tasks in the communities it serves, pushes a share of them down
    to the committees, sends transferred ones to the acceptance centre, and works the rest
    within its capacity (oldest first); under sustained pressure it hires toward its budget
    ceiling, and it gives up part of what it cannot do. Its pushdown share into each
    community moves toward a logistic target in its own overload, in what a pushed-down task
    costs it there, in monitoring there, in formally transferred responsibility there and in
    how often tasks pushed down there came back overdue (it keeps work a committee lets slide).
    Nothing schedules a rebound: it follows from capacity, budget and fading monitoring.

    Its state is row ``row`` of the model's OwnerArrays (owners.py), where these rules run for
    all owners at once; this agent is a view onto that row (like Committee), so that
    ``department.capacity`` and ``agents.get("capacity")`` work as usual.
    """

    owner: Owner
    FIELDS = ("capacity", "budget_ceiling", "push_share", "pushed", "refused", "generated_total", "done_total",
              "centre_total", "dropped_total", "to_centre", "pressure", "displaced", "pressure_before",
              "pressure_mean", "spending", "reclaimed", "task_budget", "funded_money", "compliance",
              "money_due", "money_paid")

    def __init__(self, model: OwnerModel, row: int):
        super().__init__(model)
        self.row = row

    @property
    def _arrays(self) -> OwnerArrays:
        return self.model.owner_arrays

    @property
    def queue(self) -> OwnerQueue:
        """Its undone tasks (one row of the owners' queue)."""
        return OwnerQueue(self._arrays.queue, self.row)

    @property
    def shadow_share(self) -> np.ndarray | None:
        """The push share it would have had had its pressure stayed as before street functions
        came (None before they came)."""
        return self._arrays.shadow_share[self.row] if self._arrays.has_shadow[self.row] else None

    def base_volume(self) -> np.ndarray:
        """Expected tasks per community per month before growth."""
        return self._arrays.base_volume()[self.row]

    def own_volume(self) -> np.ndarray:
        """Tasks per community per month of its own functions (a street office's before any moved)."""
        return self._arrays.own_volume()[self.row]

    def volume(self) -> np.ndarray:
        """Expected tasks per community now: the base volume grown by pressure from above."""
        return self._arrays.volume()[self.row]

    def pushed_functions(self) -> dict[Function, float]:
        """What kinds of function the work it pushes down belongs to, as shares."""
        raise NotImplementedError


def _owner_property(name: str) -> property:
    def get(self: TaskOwner):
        value = getattr(self._arrays, name)[self.row]
        return value.item() if value.ndim == 0 else value

    def set_(self: TaskOwner, value) -> None:
        getattr(self._arrays, name)[self.row] = value

    return property(get, set_, doc=f"This owner's ``{name}`` (OwnerArrays row).")


for _name in TaskOwner.FIELDS:
    setattr(TaskOwner, _name, _owner_property(_name))


class OwnerQueue:
    """One owner's row of the owners' TaskQueue, as readers of ``owner.queue`` see it."""

    def __init__(self, queue: TaskQueue, row: int):
        self._queue, self._row = queue, row

    @property
    def backlog(self) -> np.ndarray:
        return self._queue.backlog[self._row]


class Department(TaskOwner):
    """A government department (one of the report's ten pilots, or one of the three that
    receive street functions), in catalogue order."""

    owner = Owner.DEPARTMENT

    def __init__(self, model: OwnerModel, index: int):
        super().__init__(model, index)
        self.key, self.name_zh = DEPARTMENT_CATALOGUE[index]

    @property
    def veto(self) -> bool:
        return bool(self._arrays.veto[self.row])

    @property
    def weight(self) -> float:
        return self._arrays.weight[self.row].item()

    @property
    def functions(self) -> np.ndarray:
        """The street functions it takes when they move."""
        return self._arrays.functions[self.row]

    @property
    def funded(self) -> np.ndarray:
        """Communities where staff budget moved with taken-back work."""
        return self._arrays.funded[self.row]

    @property
    def with_points(self) -> np.ndarray:
        """Communities where its staff are based in service points."""
        return self._arrays.with_points[self.row]

    @property
    def street_budget(self) -> np.ndarray:
        """Per function it takes and community: whether the function's staff budget has come."""
        return self._arrays.street_budget[self.functions]

    def street_volume(self) -> np.ndarray:
        """Tasks per community per month of the street functions that have moved to it."""
        return self._arrays.street_volume()[self.row]

    def pushed_functions(self) -> dict[Function, float]:
        """Part of what a department pushes down is department-led work that needs the
        community's help; the rest is its own administrative work (offloading)."""
        share = self.model.values["assistance_share"]
        return {Function.ASSISTANCE: share, Function.GOVERNMENT: 1 - share}

    def route_share(self) -> float:
        """The share of what it sheds where the centre covers that it sends through the centre."""
        return self._arrays.route_share()[self.row].item()


class StreetOffice(TaskOwner):
    """A street office: holds administrative and enforcement functions of its own, passes
    every pushed-down task on to its committees (who may refuse what is not on an access
    list), holds inspections, ranks and funds."""

    owner = Owner.STREET_OFFICE

    def __init__(self, model: OwnerModel, index: int, committees: list[Committee]):
        super().__init__(model, model.owner_arrays.n_departments + index)
        self.index = index
        self.committees = committees
        self.members = self._arrays.members[index]     # its committees' community indices

    @property
    def serves(self) -> np.ndarray:
        return self._arrays.serves[self.index]

    @property
    def budget_moved(self) -> np.ndarray:
        """Per function and community: whether the function's staff budget has left with it."""
        return self._arrays.budget_moved[self.index]

    def held_volumes(self) -> np.ndarray:
        """Tasks per month each of its functions still generates, summed over its communities."""
        return self._arrays.held_volumes()[self.index]

    def community_volume(self) -> np.ndarray:
        """Tasks per community per month of its social and mass work the community took over."""
        return self._arrays.community_volume()[self.index]

    def pushed_functions(self) -> dict[Function, float]:
        """Its administrative and enforcement functions are government's own work; its social
        and mass work is the community's kind of work (shares of what it still holds)."""
        share = self._arrays.government_share()[self.row].item()
        return {Function.GOVERNMENT: share, Function.SELF_GOVERNANCE: 1 - share}

    def rank_and_fund(self) -> None:
        """Rank its committees, fund them by rank and sanction what was overdue (OwnerArrays.rank_and_fund)."""
        self._arrays.rank_and_fund(np.array([self.index]), self.model.rng.random((1, len(self.members))))


class Committee(mesa.Agent):
    """A residents' committee: splits fixed worker hours between upward and resident work.

    Its state is one entry of the model's CommitteeArrays (committees.py), where the rules
    run for all committees at once; this agent is a view onto entry ``index`` (like Resident),
    so that ``committee.skill`` and ``agents.get("funding")`` work as usual."""

    owner = Owner.COMMITTEE     # of the community's self-governance functions
    FIELDS = ("skill", "incoming", "inspections", "refused", "done", "lean", "trained", "funding",
              "completion", "appraisal", "resolution", "agenda_up", "agenda_residents",
              "deliberation_events", "certified", "burden", "capacity", "visits", "recruitment",
              "tasks_done_total")

    def __init__(self, model: OwnerModel, index: int, street: int):
        super().__init__(model)
        self.index, self.street = index, street

    @property
    def _arrays(self) -> CommitteeArrays:
        return self.model.committee_arrays

    @property
    def hours(self) -> dict[str, float]:
        """This month's hours by use (empty before the first month)."""
        return {k: v[self.index].item() for k, v in self._arrays.hours.items()}


def _committee_property(name: str) -> property:
    def get(self: Committee):
        value = getattr(self._arrays, name)[self.index]
        return value if name == "skill" else value.item()

    def set_(self: Committee, value) -> None:
        getattr(self._arrays, name)[self.index] = value

    return property(get, set_, doc=f"This committee's ``{name}`` (CommitteeArrays entry).")


for _name in Committee.FIELDS:
    setattr(Committee, _name, _committee_property(_name))


class AcceptanceCentre(mesa.Agent):
    """受理中心: serves the administrative needs of the residents of the communities it covers,
    takes over the street offices' administrative role there, and processes the department
    functions transferred to it, up to its task capacity each month."""

    def __init__(self, model: OwnerModel):
        super().__init__(model)
        self.room = 0.0
        self.wanted = self.taken = 0.0       # tasks owners sent it this month, and those it took
        self.turned_away_share = 0.0         # of last month's tasks, the share it had no room for

    def open_month(self) -> None:
        """Task capacity for the month: a fixed number per covered community. Last month's
        tasks it turned away become its queue as owners see it."""
        self.turned_away_share = 1 - self.taken / self.wanted if self.wanted > 0 else 0.0
        self.wanted = self.taken = 0.0
        self.room = float(self.model.values["centre_task_capacity"] * self.model.centre_coverage().sum())

    def take(self, wanted: np.ndarray) -> np.ndarray:
        """Take what it has room for, in proportion across communities; return what it took."""
        total = float(np.sum(wanted))
        self.wanted += total
        if total <= 0 or self.room <= 0:
            return np.zeros(np.shape(wanted))
        got = np.asarray(wanted, dtype=float) * min(1.0, self.room / total)
        self.room -= float(got.sum())
        self.taken += float(got.sum())
        return got

    def capacity(self, covered: np.ndarray) -> float:
        """Requests it can take this month (simulated residents), from its size per resident."""
        m = self.model
        p = m.values
        real = float(m.real_sizes[covered].sum())
        return p["centre_capacity_per_1000"] * real / PER_THOUSAND * p["scale"]


class Resident(mesa.Agent):
    """A resident, as a view onto row ``row`` of the population arrays (no state of its own).

    Each name in FIELDS is a property that reads or writes the population array of that
    name at this row, so ``resident.trust`` and ``agents.get("trust")`` work as usual.
    """

    FIELDS = RESIDENT_FIELDS

    def __init__(self, model: OwnerModel, row: int):
        super().__init__(model)
        self.row = row


def _row_property(name: str) -> property:
    def get(self: Resident):
        return getattr(self.model.population, name)[self.row].item()

    def set_(self: Resident, value) -> None:
        getattr(self.model.population, name)[self.row] = value

    return property(get, set_, doc=f"This resident's ``{name}`` (population array row).")


for _name in Resident.FIELDS:
    setattr(Resident, _name, _row_property(_name))
