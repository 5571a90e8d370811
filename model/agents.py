"""The actors: departments, street offices, residents' committees, the acceptance centre,
and the Resident view onto a row of the population arrays.

Departments and street offices are few; they are ordinary Mesa agents whose methods the
model calls in the order of the month (docs/ODD.md §3). Each reads the values in force through
``model.values`` (levers per community) and owns the rules about itself. A Committee is a view
onto one entry of the committees' arrays (committees.py), whose rules run for all at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .constants import EPSILON, MONTHS_PER_YEAR, PER_THOUSAND, TIE_BREAK
from .population import RESIDENT_FIELDS, sigmoid
from .work import Function, Owner, StreetFunction, TaskQueue, Work

if TYPE_CHECKING:
    from .committees import CommitteeArrays
    from .types import OwnerModel

# The district's functional departments: key, Chinese name. The first ten are the pilot
# departments, the last three the departments the street functions also need (the report: 13
# receiving departments). Their shares of the task volume are the registry's dept_share_<key>
# parameters, the street functions each takes its street_functions_<key>.
DEPARTMENT_CATALOGUE: tuple[tuple[str, str], ...] = (
    ("civil_affairs", "民政"),
    ("family_planning", "计生"),
    ("public_security", "公安"),
    ("labour_security", "劳动保障"),
    ("city_appearance", "市容"),
    ("health", "卫生"),
    ("sanitation", "环卫"),
    ("justice", "司法"),
    ("statistics", "统计"),
    ("culture", "文化"),
    ("urban_management", "城管"),
    ("commerce", "工商"),
    ("housing", "房管"),
)
ENFORCEMENT_DEPARTMENTS = frozenset({"urban_management", "city_appearance", "commerce"})
"""Departments whose street functions are administrative enforcement (行政执法); the street
functions that go to the others are administrative management (行政管理). An assumption: the
report gives the 57 functions' kinds together."""
VETO_DEPARTMENTS = frozenset({"family_planning", "public_security"})
"""Departments whose work is a veto item (一票否决) in the street offices' ranking: family
planning (计生) and public order (综治, led by public security). A committee that lets their
tasks go overdue loses its ranking whatever else it did, and the department takes the task back
rather than give it up."""


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
    """

    owner: Owner

    def pushed_functions(self) -> dict[Function, float]:
        """What kinds of function the work it pushes down belongs to, as shares."""
        raise NotImplementedError

    def _setup_work(self, capacity: float) -> None:
        p, C = self.model.values, self.model.n_communities
        self.capacity = capacity
        self.budget_ceiling = capacity * (1 + p["department_budget_headroom"])
        self.push_share = np.full(C, float(np.clip(1 - capacity / max(self.base_volume().sum(), EPSILON),
                                                   p["push_share_min"], p["push_share_max"])))
        self.queue = TaskQueue(C)
        self.pushed = np.zeros(C, dtype=np.int64)
        self.refused = np.zeros(C)       # pushed-down tasks committees refused; back next month
        self.generated_total = self.done_total = self.centre_total = self.dropped_total = 0.0
        self.to_centre = np.zeros(C)
        self.pressure = 0.0              # last month's overload (π_o), read by next month's choices
        self.displaced = np.zeros(C)     # tasks this month's pushdown displaced onto committees
        self.shadow_share: np.ndarray | None = None   # push share had its pressure stayed as before the move
        self.pressure_before = 0.0
        self.pressure_mean = 0.0         # its pressure smoothed at the rate its push share adjusts
        self.spending = 0.0
        self.reclaimed = 0.0             # veto tasks taken back from committees, done before the queue
        self.task_budget = 0.0           # yuan/month the finance bureau gives for task money (费随事转)
        self.funded_money = np.zeros(C, dtype=bool)   # communities whose task money is in the budget
        self.compliance = 1.0            # share of the task money due that it paid last month
        self.money_due = np.zeros(C)     # task money due this month for tasks it pushed, yuan
        self.money_paid = np.zeros(C)    # task money it paid this month, yuan
        self._changes_seen = -1      # reform changes already adopted (see _new_changes)

    def _new_changes(self) -> bool:
        """Whether reforms changed values in force since this owner last adopted them. Adopting
        absorbs every community a change qualifies, so without a new change there is nothing
        to adopt and the check (a dozen array operations a month) can be skipped."""
        seen, self._changes_seen = self._changes_seen, len(self.model.values.changes)
        return seen != self._changes_seen

    def base_volume(self) -> np.ndarray:
        """Expected tasks per community per month before growth."""
        raise NotImplementedError

    def volume(self) -> np.ndarray:
        """Expected tasks per community now: the base volume grown by pressure from above."""
        p = self.model.values
        years = (self.model.month + p["warmup_months"]) / MONTHS_PER_YEAR
        return self.base_volume() * (1 + p["task_growth_per_year"]) ** years

    def transferred(self, kept: np.ndarray) -> np.ndarray:
        """How many of the kept tasks go to the acceptance centre, per community."""
        return np.zeros_like(kept)

    def formal_transfer(self) -> np.ndarray:
        """Share of this owner's work formally moved back to it, per community (lowers pushdown)."""
        return np.zeros(self.model.n_communities)

    def route(self, pushed: np.ndarray) -> np.ndarray:
        """Of the tasks it chose to push down, those it sends through the acceptance centre instead."""
        return np.zeros(self.model.n_communities)

    def measure_displacement(self, generated: np.ndarray, share: np.ndarray, shadow: np.ndarray | None) -> None:
        """Set ``displaced``: the tasks this month's pushdown displaced onto committees (none for
        an owner whose functions did not grow)."""

    def work(self) -> None:
        m, p = self.model, self.model.values
        generated = m.rng.poisson(self.volume())
        share = self.push_share.copy()
        shadow = None if self.shadow_share is None else self.shadow_share.copy()
        self.pushed = m.rng.binomial(generated, share)
        routed = self.route(self.pushed).astype(np.int64)
        self.pushed = self.pushed - routed
        kept = generated - self.pushed - routed
        transferred = self.transferred(kept)
        self.to_centre = transferred + routed
        self.measure_displacement(generated, share, shadow)
        own = kept - transferred + self.refused
        self.queue.add(m.month, own)
        self.refused = np.zeros(m.n_communities)
        reclaimed = min(self.reclaimed, self.capacity)    # veto tasks first: they cost the ranking
        self.reclaimed -= reclaimed
        self.done_total += reclaimed + float(self.queue.complete_pooled(self.capacity - reclaimed).sum())
        self.dropped_total += float(self.queue.drop(p["department_drop_rate"]).sum())
        self.generated_total += float(generated.sum())
        self.centre_total += float(self.to_centre.sum())

        backlog = float(self.queue.backlog.sum())
        pressure = ((own.sum() + self.reclaimed + backlog / p["backlog_clear_months"])
                    / max(self.capacity, EPSILON) - 1)
        self.pressure = pressure
        self.pressure_mean += p["push_adjust_rate"] * (pressure - self.pressure_mean)
        if pressure > 0:    # hire toward the budget ceiling
            self.capacity += p["department_hire_rate"] * max(0.0, self.budget_ceiling - self.capacity)
        payment = self.payment_per_task()
        cost = payment / max(p["department_cost_per_task"], EPSILON)
        rest = (p["push_intercept"] - p["push_cost_weight"] * cost
                - p["push_monitoring_weight"] * m.government.monitoring
                - p["push_formal_weight"] * self.formal_transfer()
                - p["push_overdue_weight"] * m.committee_arrays.overdue_rate)
        target = sigmoid(rest + p["push_pressure_weight"] * min(pressure, p["push_pressure_cap"]))
        self.push_share += p["push_adjust_rate"] * (target - self.push_share)
        if self.shadow_share is not None:   # the same rule at the pressure it had before functions came
            shadow = sigmoid(rest + p["push_pressure_weight"] * min(self.pressure_before, p["push_pressure_cap"]))
            self.shadow_share += p["push_adjust_rate"] * (shadow - self.shadow_share)
        self.pay_task_money()
        self.spending = self.capacity * p["department_cost_per_task"] + float(self.money_paid.sum())

    def payment_per_task(self) -> np.ndarray:
        """What this owner expects pushing one task down to cost it in each community: the
        transfer payment where funding follows tasks, times the share it paid last month."""
        p = self.model.values
        return p["transfer_payment"] * self.compliance * p["funding_follows_tasks"]

    def enforcement(self) -> float:
        """How hard the district enforces that task money reaches communities, as this owner
        sees it: the monitoring campaign in the communities it pays in (audits) plus the weight
        the district's ranking of departments puts on paying."""
        p = self.model.values
        where = self.funded_money
        monitoring = float(self.model.government.monitoring[where].mean()) if where.any() else 0.0
        return monitoring + p["department_ranking_weight"]

    def pay_task_money(self) -> None:
        """费随事转 as money: pay for the tasks pushed down this month where funding follows tasks.

        The owner decides what share of the money due to pay, logistic in the district's
        enforcement against its own shortfall (money due beyond its task budget, as a share of
        what is due), and never pays more than the budget. Compliance is this outcome."""
        p = self.model.values
        follows = p["funding_follows_tasks"].astype(bool) & self.funded_money
        self.money_due = np.where(follows, self.pushed * p["transfer_payment"], 0.0)
        due = float(self.money_due.sum())
        if due <= 0:
            self.money_paid = np.zeros_like(self.money_due)
            return
        shortfall = max(0.0, due - self.task_budget) / due
        share = sigmoid(p["compliance_intercept"] + p["compliance_enforcement_weight"] * self.enforcement()
                        - p["compliance_shortfall_weight"] * shortfall)
        paid = min(share * due, self.task_budget)
        self.money_paid = self.money_due * paid / due
        self.compliance = paid / due

    def budget_task_money(self, new: np.ndarray) -> None:
        """The finance bureau adds to this owner's task budget, once per community where funding
        comes to follow tasks: the transfer payment for the tasks it pushes there now, times
        the share of that the bureau budgets."""
        p = self.model.values
        self.task_budget += float(p["task_budget_share"] * p["transfer_payment"]
                                  * (self.push_share[new] * self.volume()[new]).sum())
        self.funded_money |= new


class Department(TaskOwner):
    """A government department (one of the report's ten pilots)."""

    owner = Owner.DEPARTMENT

    def pushed_functions(self) -> dict[Function, float]:
        """Part of what a department pushes down is department-led work that needs the
        community's help; the rest is its own administrative work (offloading)."""
        share = self.model.values["assistance_share"]
        return {Function.ASSISTANCE: share, Function.GOVERNMENT: 1 - share}

    def __init__(self, model: OwnerModel, key: str, name_zh: str):
        super().__init__(model)
        p = model.values
        self.key, self.name_zh = key, name_zh
        self.veto = key in VETO_DEPARTMENTS
        total = sum(p[f"dept_share_{k}"] for k, _ in DEPARTMENT_CATALOGUE)
        self.weight = p[f"dept_share_{key}"] / total
        self.funded = np.zeros(model.n_communities, dtype=bool)      # staff budget moved with taken-back work
        self.with_points = np.zeros(model.n_communities, dtype=bool)  # staff based in service points
        # the street functions it takes when they move, and where their staff budget has moved
        self.functions = np.array([f.number for f in model.street_functions if f.department == key], dtype=np.int64)
        self.street_budget = np.zeros((len(self.functions), model.n_communities), dtype=bool)
        self._setup_work(p["department_capacity_share"] * self.own_volume().sum())

    def own_volume(self) -> np.ndarray:
        p = self.model.values
        return np.full(self.model.n_communities, p["tasks_per_community_month"] * self.weight)

    def street_volume(self) -> np.ndarray:
        """Tasks per community per month of the street functions that have moved to it."""
        m = self.model
        volume = m.function_volumes[self.functions]
        return (volume[:, None] * m.functions_moved()[self.functions]).sum(axis=0)

    def base_volume(self) -> np.ndarray:
        """Its own functions plus the street offices' functions that have moved to it."""
        return self.own_volume() + self.street_volume()

    def formal_transfer(self) -> np.ndarray:
        return self.model.values["transfer_share"]

    def route_share(self) -> float:
        """The share of the tasks it sheds in communities the acceptance centre covers that it
        sends through the centre rather than push down to committees: logistic in its own
        pressure last month (the centre's procedure costs effort a pressed department saves by
        handing work to the committee at the weekly meeting) and in the centre's queue (the share
        of last month's tasks the centre turned away)."""
        p, centre = self.model.values, self.model.centre
        queue = centre.turned_away_share if centre is not None else 0.0
        return float(sigmoid(p["route_intercept"]
                             - p["route_pressure_weight"] * min(max(self.pressure, 0.0), p["push_pressure_cap"])
                             - p["route_queue_weight"] * queue))

    def route(self, pushed: np.ndarray) -> np.ndarray:
        """After street functions have moved to it, in communities the centre covers: send the
        route share of what it would push down through the centre, as far as the centre has
        room; what the centre turns away goes down to the committees."""
        m = self.model
        none = np.zeros(m.n_communities)
        if m.centre is None or self.shadow_share is None:
            return none
        covered = m.centre_coverage()
        if not covered.any():
            return none
        wanted = np.where(covered, m.rng.binomial(pushed, self.route_share()), 0)
        return np.floor(m.centre.take(wanted))

    def measure_displacement(self, generated: np.ndarray, share: np.ndarray, shadow: np.ndarray | None) -> None:
        """Displacement onto committees once street functions have moved to it: the moved
        functions' tasks it still pushes down (their share of its volume in each community,
        of what went down), and its own tasks pushed down beyond the push share it would have
        had at the pressure it had before the move (``shadow``, the same rule run beside; fewer
        where the move relieved it, so the second part is net and may be negative)."""
        if shadow is None:
            self.displaced = np.zeros(self.model.n_communities)
            return
        volume = self.base_volume()
        moved = np.divide(self.street_volume(), volume, out=np.zeros_like(volume), where=volume > 0)
        self.displaced = self.pushed * moved + (share - shadow) * generated * (1 - moved)

    def transferred(self, kept: np.ndarray) -> np.ndarray:
        """Transferred functions of communities the centre covers go there while it has room."""
        m = self.model
        if m.centre is None:
            return np.zeros_like(kept, dtype=float)
        covered = m.centre_coverage()
        if not covered.any():
            return np.zeros_like(kept, dtype=float)
        wanted = np.where(covered, m.rng.binomial(kept, m.values["transfer_share"]), 0)
        return m.centre.take(wanted)

    def _adopt_reforms(self) -> None:
        """Staff budget that reforms bring, once per community: 费随事转 moves the promised
        budget for the share of pushed-down work taken back and for street functions moved
        to departments, as far as funding complies; service points add staff in communities."""
        if not self._new_changes():
            return
        p, C = self.model.values, self.model.n_communities
        if self.shadow_share is None and self.street_volume().any():   # street functions first came
            self.shadow_share, self.pressure_before = self.push_share.copy(), self.pressure_mean
        follows = p["funding_follows_tasks"].astype(bool)
        if (follows & ~self.funded_money).any():
            self.budget_task_money(follows & ~self.funded_money)
        new = follows & (p["transfer_share"] > 0) & ~self.funded
        if new.any():     # the money for the taken-back tasks, at the transfer payment, buys staff
            gift = (p["transfer_budget_share"] * p["transfer_payment"] / max(p["department_cost_per_task"], EPSILON)
                    * (p["transfer_share"][new] * self.push_share[new] * self.volume()[new]).sum())
            self.capacity += gift
            self.budget_ceiling += gift
            self.funded |= new
        new = follows[None, :] & self.model.functions_moved()[self.functions] & ~self.street_budget
        if new.any():     # 权随责走: the street's staff for each function moved comes with it
            moved = (p["street_budget_moved_share"] * p["street_capacity_share"]
                     * (self.model.function_volumes[self.functions][:, None] * new).sum())
            self.capacity += moved
            self.budget_ceiling += moved
            self.street_budget |= new
        new = p["service_points"].astype(bool) & ~self.with_points
        if new.any():
            gain = p["service_point_department_gain"] * self.own_volume().sum() * new.sum() / C
            self.capacity += gain
            self.budget_ceiling += gain
            self.with_points |= new

    def step(self) -> None:
        """(2) Adopt reforms' budgets, then generate, push down, transfer and work."""
        self._adopt_reforms()
        self.work()


class StreetOffice(TaskOwner):
    """A street office: holds administrative and enforcement functions of its own, passes
    every pushed-down task on to its committees (who may refuse what is not on an access
    list), holds inspections, ranks and funds."""

    owner = Owner.STREET_OFFICE

    def pushed_functions(self) -> dict[Function, float]:
        """Its administrative and enforcement functions are government's own work; its social
        and mass work is the community's kind of work (shares of what it still holds)."""
        held = self.held_volumes()
        government = np.array([f.government for f in self.model.street_functions], dtype=bool)
        total = held.sum()
        share = float(held[government].sum() / total) if total > 0 else 1.0
        return {Function.GOVERNMENT: share, Function.SELF_GOVERNANCE: 1 - share}

    def __init__(self, model: OwnerModel, committees: list[Committee]):
        super().__init__(model)
        self.committees = committees
        self.members = np.array([c.index for c in committees])     # its committees' community indices
        self.serves = np.zeros(model.n_communities, dtype=bool)
        self.serves[self.members] = True
        self.budget_moved = np.zeros((len(model.street_functions), model.n_communities), dtype=bool)
        p = model.values
        self._setup_work(p["street_capacity_share"] * self.own_volume().sum())

    def own_volume(self) -> np.ndarray:
        return self.model.values["street_tasks_per_community_month"] * self.serves

    def held_volumes(self) -> np.ndarray:
        """Tasks per month each of its functions still generates, summed over its communities."""
        m = self.model
        return (m.function_volumes[:, None] * (~m.functions_moved() & self.serves)).sum(axis=1)

    def base_volume(self) -> np.ndarray:
        """Its functions that have moved neither to departments nor to the community (its whole
        volume less what moved, so that nothing moved leaves the volume exactly as given)."""
        m = self.model
        moved = (m.function_volumes[:, None] * m.functions_moved()).sum(axis=0) * self.serves
        return np.maximum(0.0, self.own_volume() - moved)

    def community_volume(self) -> np.ndarray:
        """Tasks per community per month of its social and mass work the community took over."""
        m = self.model
        community = m.functions_moved() & ~m.government_functions[:, None]
        return (m.function_volumes[:, None] * community).sum(axis=0) * self.serves

    def transferred(self, kept: np.ndarray) -> np.ndarray:
        """Where the acceptance centre covers a community it takes over the street's
        administrative role there, while it has room."""
        m = self.model
        if m.centre is None:
            return np.zeros_like(kept, dtype=float)
        return m.centre.take(np.where(m.centre_coverage(), kept, 0))

    def _adopt_reforms(self) -> None:
        """Functions moved away with funding take their staff budget along: administrative and
        enforcement functions to departments where funding follows tasks, social and mass work
        to the community where it comes with money."""
        if not self._new_changes():
            return
        m, p = self.model, self.model.values
        follows = p["funding_follows_tasks"].astype(bool) & self.serves
        if (follows & ~self.funded_money).any():
            self.budget_task_money(follows & ~self.funded_money)
        funded = np.where(m.government_functions[:, None], follows[None, :],
                          (p["social_work_funded"].astype(bool) & self.serves)[None, :])
        new = funded & m.functions_moved() & ~self.budget_moved
        if new.any():
            moved = (p["street_budget_moved_share"] * p["street_capacity_share"]
                     * (m.function_volumes[:, None] * new).sum())
            self.capacity = max(0.0, self.capacity - moved)
            self.budget_ceiling = max(0.0, self.budget_ceiling - moved)
            self.budget_moved |= new

    def hand_over_community_work(self) -> None:
        """The social and mass work its communities took over arrives in their committees'
        queues; where it comes with money, the street pays per task the staff budget it had for
        the work (the share of it that moves, at a department's cost per task), the budget it
        gave up in _adopt_reforms."""
        m, p = self.model, self.model.values
        volume = self.community_volume()
        if not volume.any():
            return
        years = (m.month + p["warmup_months"]) / MONTHS_PER_YEAR
        tasks = m.rng.poisson(volume * (1 + p["task_growth_per_year"]) ** years)
        m.community_work.add(m.month, tasks)
        m.community_generated_total += float(tasks.sum())
        money = (tasks * p["street_budget_moved_share"] * p["street_capacity_share"] * p["department_cost_per_task"]
                 * p["social_work_funded"])
        m.committee_arrays.money[self.members] += money[self.members]
        m.committee_arrays.money_due[self.members] += money[self.members]
        self.spending += float(money.sum())

    def step(self) -> None:
        """(3) Work its own functions; hand each committee what was pushed down (refusals go
        back to their owner); inspect; rank and fund after inspections."""
        m = self.model
        p, arrays = m.values, m.committee_arrays
        self._adopt_reforms()
        self.work()
        owners = [*m.departments, self]
        pushed = np.array([o.pushed for o in owners]) * self.serves       # owner x community
        listed = p["access_list"].astype(bool) & self.serves
        if listed.any():    # committees refuse government's own work, not on their access list
            off_list = np.array([o.pushed_functions().get(Function.GOVERNMENT, 0.0) for o in owners])
            refused = m.rng.binomial(pushed, off_list[:, None] * listed)
            for owner, back in zip(owners, refused, strict=True):
                owner.refused += back
            arrays.refused[self.members] += refused[:, self.members].sum(axis=0)
            pushed -= refused
        incoming = pushed.sum(axis=0)
        veto = np.array([getattr(o, "veto", False) for o in owners])
        vetoed = pushed[veto].sum(axis=0)
        m.committee_veto.add(m.month, vetoed)
        m.committee_tasks.add(m.month, incoming - vetoed)
        for owner in owners:     # the task money that came with this month's tasks
            arrays.money[self.members] += owner.money_paid[self.members]
            arrays.money_due[self.members] += owner.money_due[self.members]
        inspections = m.government.practiced["inspections_per_year"]
        arrays.incoming[self.members] = incoming[self.members]
        arrays.assigned[self.members] += incoming[self.members]
        arrays.inspections[self.members] = m.rng.poisson(inspections[self.members] / MONTHS_PER_YEAR)
        self.hand_over_community_work()
        if arrays.inspections[self.members].any():
            self.rank_and_fund()

    def rank_and_fund(self) -> None:
        """Rank committees by evaluation score; tie a share of their funding to rank; sanction
        what was found overdue since the last inspection; each committee then adapts.

        Overdue tasks (left undone beyond ``escalation_limit_months``, which their owners then
        took back or gave up) are criticised at the weekly meeting and cost funding in
        proportion to their share of the tasks assigned; an overdue veto item (一票否决) puts the
        committee at the bottom of the ranking whatever else it did."""
        m = self.model
        p, arrays, idx = m.values, m.committee_arrays, self.members
        a = arrays.appraisal_weight(idx)
        scores = (1 - a) * arrays.completion[idx] + a * arrays.appraisal[idx]
        scores = scores - p["veto_score_penalty"] * (arrays.overdue_veto[idx] > 0)
        scores = scores + m.rng.random(scores.size) * TIE_BREAK     # break ties at random
        ranks = scores.argsort().argsort()
        percentile = ranks / max(len(self.committees) - 1, 1)
        w = p["funding_evaluation_weight"]
        overdue = np.minimum(1.0, np.divide(arrays.overdue[idx], arrays.assigned[idx],
                                            out=np.zeros(len(idx)), where=arrays.assigned[idx] > 0))
        arrays.funding[idx] = (p["funding_base"] * (1 + w * (2 * percentile - 1))   # (1 - w) to (1 + w) times the base
                               * (1 - p["overdue_funding_cut"] * overdue))
        arrays.adapt(idx, w, overdue)
        arrays.overdue[idx] = arrays.overdue_veto[idx] = arrays.assigned[idx] = 0.0


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
