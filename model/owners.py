"""Every owner of government work — departments and street offices — as arrays over owners, and
their monthly rules run once for all owners.

There are a few tens of owners, and each rule is a handful of array operations over communities,
so running them one owner at a time cost more Python overhead than arithmetic (as the committees'
did, committees.py). Rows are the departments in catalogue order, then the street offices in order;
columns are communities. The random draws, and the acceptance centre's takes (its room is first
come, first served), are made owner by owner in that order, and a street office's draws for the
committees it serves follow its own, as when each owner stepped alone; every equation keeps the
order of operations of the rule it replaced, so a seed gives the same run as before. A
``Department`` or ``StreetOffice`` (agents.py) is a view onto one row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .constants import EPSILON, MONTHS_PER_YEAR, TIE_BREAK
from .population import sigmoid
from .work import TaskQueue

if TYPE_CHECKING:
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
VETO_DEPARTMENTS = frozenset({"family_planning", "public_security"})
"""Departments whose work is a veto item (一票否决) in the street offices' ranking: family
planning (计生) and public order (综治, led by public security). A committee that lets their
tasks go overdue loses its ranking whatever else it did, and the department takes the task back
rather than give it up."""


def running_total(start, rows: np.ndarray) -> np.ndarray:
    """``start`` plus each row in turn, as a loop over owners would add them (a sum along the
    rows may pair them differently when there is a single community)."""
    stacked = np.concatenate([np.broadcast_to(np.asarray(start, dtype=float), (1, *rows.shape[1:])), rows])
    return np.add.accumulate(stacked, axis=0)[-1]


class OwnerArrays:
    """Every owner's state: an array over owners, or over owners x communities.

    Field meanings are those of the Department and StreetOffice views (docs/ODD.md §2.2, §7.1-7.2).
    ``departments`` and ``streets`` are the two slices of rows, stepped in stages 2 and 3."""

    def __init__(self, model: OwnerModel, members: np.ndarray):
        """``members``: each street office's communities (street offices x communities per street)."""
        self.model = model
        p, C = model.values, model.n_communities
        keys = [key for key, _ in DEPARTMENT_CATALOGUE]
        D, S = len(keys), len(members)
        self.n_departments, self.n_streets = D, S
        self.departments, self.streets = slice(0, D), slice(D, D + S)
        self.veto = np.array([key in VETO_DEPARTMENTS for key in keys])
        total = sum(p[f"dept_share_{k}"] for k in keys)
        weights = [p[f"dept_share_{k}"] / total for k in keys]
        self.weight = np.array(weights)
        self.veto_weight = sum(w for w, veto in zip(weights, self.veto, strict=True) if veto)
        # the street functions each department takes when they move
        self.functions = tuple(np.array([f.number for f in model.street_functions if f.department == k],
                                        dtype=np.int64) for k in keys)
        self.members = np.asarray(members, dtype=np.int64)
        self.serves = np.zeros((S, C), dtype=bool)
        for s in range(S):
            self.serves[s, self.members[s]] = True
        self.street_of = np.empty(C, dtype=np.int64)     # the street office serving each community
        for s in range(S):
            self.street_of[self.members[s]] = s
        F = len(model.street_functions)
        self.funded = np.zeros((D, C), dtype=bool)       # staff budget moved with taken-back work
        self.with_points = np.zeros((D, C), dtype=bool)  # staff based in service points
        self.street_budget = np.zeros((F, C), dtype=bool)   # per function: its staff budget reached its department
        self.budget_moved = np.zeros((S, F, C), dtype=bool)  # per street: the function's budget left with it
        self._base: tuple[int, np.ndarray, np.ndarray] | None = None

        n = D + S
        own = self.own_volume()
        capacity = np.concatenate([p["department_capacity_share"] * own[:D].sum(axis=1),
                                   p["street_capacity_share"] * own[D:].sum(axis=1)])
        base = self.base_volume()
        self.capacity = capacity
        self.budget_ceiling = capacity * (1 + p["department_budget_headroom"])
        self.push_share = np.empty((n, C))
        for o in range(n):
            self.push_share[o] = float(np.clip(1 - capacity[o] / max(base[o].sum(), EPSILON),
                                               p["push_share_min"], p["push_share_max"]))
        self.queue = TaskQueue((n, C))
        self.pushed = np.zeros((n, C), dtype=np.int64)
        self.refused = np.zeros((n, C))         # pushed-down tasks committees refused; back next month
        self.generated_total = np.zeros(n)
        self.done_total = np.zeros(n)
        self.centre_total = np.zeros(n)
        self.dropped_total = np.zeros(n)
        self.to_centre = np.zeros((n, C))
        self.pressure = np.zeros(n)             # last month's overload (π_o), read by next month's choices
        self.displaced = np.zeros((n, C))       # tasks this month's pushdown displaced onto committees
        self.shadow_share = np.zeros((n, C))    # push share had its pressure stayed as before the move ...
        self.has_shadow = np.zeros(n, dtype=bool)   # ... kept once street functions have come
        self.pressure_before = np.zeros(n)
        self.pressure_mean = np.zeros(n)        # its pressure smoothed at the rate its push share adjusts
        self.spending = np.zeros(n)
        self.reclaimed = np.zeros(n)            # veto tasks taken back from committees, done before the queue
        self.task_budget = np.zeros(n)          # yuan/month the finance bureau gives for task money (费随事转)
        self.funded_money = np.zeros((n, C), dtype=bool)   # communities whose task money is in the budget
        self.compliance = np.ones(n)            # share of the task money due that it paid last month
        self.money_due = np.zeros((n, C))       # task money due this month for tasks it pushed, yuan
        self.money_paid = np.zeros((n, C))      # task money it paid this month, yuan
        self.changes_seen = np.full(n, -1)      # reform changes already adopted (see adopt_reforms)

    # ------------------------------------------------------------------ volumes
    def own_volume(self) -> np.ndarray:
        """Tasks per community per month of each owner's own functions (a street office's before any moved)."""
        p, C = self.model.values, self.model.n_communities
        departments = np.broadcast_to((p["tasks_per_community_month"] * self.weight)[:, None], (self.n_departments, C))
        return np.concatenate([departments, p["street_tasks_per_community_month"] * self.serves])

    def base_volume(self) -> np.ndarray:
        """Expected tasks per community per month before growth: a department's own functions plus
        the street functions moved to it; a street office's functions that have moved neither to
        departments nor to the community (its whole volume less what moved, so that nothing moved
        leaves it exactly as given). Recomputed when a reform changes values."""
        seen = len(self.model.values.changes)
        if self._base is None or self._base[0] != seen:
            m = self.model
            moved = m.functions_moved()
            street = np.array([(m.function_volumes[f][:, None] * moved[f]).sum(axis=0) for f in self.functions])
            own = self.own_volume()
            left = (m.function_volumes[:, None] * moved).sum(axis=0) * self.serves
            base = np.concatenate([own[self.departments] + street,
                                   np.maximum(0.0, own[self.streets] - left)])
            self._base = (seen, base, street)
        return self._base[1]

    def street_volume(self) -> np.ndarray:
        """Tasks per community per month of the street functions that have moved to each department."""
        self.base_volume()
        return self._base[2]

    def growth(self) -> float:
        """How far pressure from above has grown every owner's volume by this month."""
        p = self.model.values
        years = (self.model.month + p["warmup_months"]) / MONTHS_PER_YEAR
        return (1 + p["task_growth_per_year"]) ** years

    def volume(self) -> np.ndarray:
        """Expected tasks per community now: the base volume grown by pressure from above."""
        return self.base_volume() * self.growth()

    def held_volumes(self) -> np.ndarray:
        """Tasks per month each street function still generates in each street office's communities
        (street offices x functions)."""
        m = self.model
        held = ~m.functions_moved()[None, :, :] & self.serves[:, None, :]
        return (m.function_volumes[None, :, None] * held).sum(axis=2)

    def government_share(self) -> np.ndarray:
        """Of what each owner pushes down, the share that is government's own work (the rest is
        department-led work that needs the community's help, or a street office's social and mass
        work): what committees may refuse under an access list."""
        held = self.held_volumes()
        total = held.sum(axis=1)
        own = held[:, self.model.government_functions].sum(axis=1)
        streets = np.divide(own, total, out=np.ones(self.n_streets), where=total > 0)
        return np.concatenate([np.full(self.n_departments, 1 - self.model.values["assistance_share"]), streets])

    def community_volume(self) -> np.ndarray:
        """Tasks per community per month of each street office's social and mass work the community took over."""
        m = self.model
        community = m.functions_moved() & ~m.government_functions[:, None]
        return (m.function_volumes[:, None] * community).sum(axis=0) * self.serves

    # ------------------------------------------------------------------ reforms
    def adopt_reforms(self, rows: slice) -> None:
        """Staff budget that reforms bring, once per community (docs/ODD.md §7.1). Adopting absorbs
        every community a change qualifies, so only months in which reforms changed values have
        anything to adopt; those few run owner by owner, since each sums over its own communities."""
        seen = len(self.model.values.changes)
        for o in range(rows.start, rows.stop):
            if self.changes_seen[o] == seen:
                continue
            self.changes_seen[o] = seen
            if o < self.n_departments:
                self._adopt_department(o)
            else:
                self._adopt_street(o)

    def _budget_task_money(self, o: int, new: np.ndarray) -> None:
        """The finance bureau adds to owner ``o``'s task budget, once per community where funding
        comes to follow tasks: the transfer payment for the tasks it pushes there now, times the
        share of that the bureau budgets."""
        p = self.model.values
        self.task_budget[o] += float(p["task_budget_share"] * p["transfer_payment"]
                                     * (self.push_share[o][new] * self.volume()[o][new]).sum())
        self.funded_money[o] |= new

    def _adopt_department(self, d: int) -> None:
        """费随事转 moves the promised budget for the share of pushed-down work taken back and for
        street functions moved to departments, as far as funding complies; service points add staff."""
        m, p, C = self.model, self.model.values, self.model.n_communities
        if not self.has_shadow[d] and self.street_volume()[d].any():   # street functions first came
            self.shadow_share[d] = self.push_share[d]
            self.has_shadow[d] = True
            self.pressure_before[d] = self.pressure_mean[d]
        follows = p["funding_follows_tasks"].astype(bool)
        if (follows & ~self.funded_money[d]).any():
            self._budget_task_money(d, follows & ~self.funded_money[d])
        new = follows & (p["transfer_share"] > 0) & ~self.funded[d]
        if new.any():     # the money for the taken-back tasks, at the transfer payment, buys staff
            gift = (p["transfer_budget_share"] * p["transfer_payment"] / max(p["department_cost_per_task"], EPSILON)
                    * (p["transfer_share"][new] * self.push_share[d][new] * self.volume()[d][new]).sum())
            self.capacity[d] += gift
            self.budget_ceiling[d] += gift
            self.funded[d] |= new
        functions = self.functions[d]
        new = follows[None, :] & m.functions_moved()[functions] & ~self.street_budget[functions]
        if new.any():     # 权随责走: the street's staff for each function moved comes with it
            moved = (p["street_budget_moved_share"] * p["street_capacity_share"]
                     * (m.function_volumes[functions][:, None] * new).sum())
            self.capacity[d] += moved
            self.budget_ceiling[d] += moved
            self.street_budget[functions] |= new
        new = p["service_points"].astype(bool) & ~self.with_points[d]
        if new.any():
            gain = p["service_point_department_gain"] * self.own_volume()[d].sum() * new.sum() / C
            self.capacity[d] += gain
            self.budget_ceiling[d] += gain
            self.with_points[d] |= new

    def _adopt_street(self, o: int) -> None:
        """Functions moved away with funding take the street office's staff budget along:
        administrative and enforcement functions to departments where funding follows tasks, social
        and mass work to the community where it comes with money."""
        m, p = self.model, self.model.values
        s = o - self.n_departments
        serves = self.serves[s]
        follows = p["funding_follows_tasks"].astype(bool) & serves
        if (follows & ~self.funded_money[o]).any():
            self._budget_task_money(o, follows & ~self.funded_money[o])
        funded = np.where(m.government_functions[:, None], follows[None, :],
                          (p["social_work_funded"].astype(bool) & serves)[None, :])
        new = funded & m.functions_moved() & ~self.budget_moved[s]
        if new.any():
            moved = (p["street_budget_moved_share"] * p["street_capacity_share"]
                     * (m.function_volumes[:, None] * new).sum())
            self.capacity[o] = max(0.0, self.capacity[o] - moved)
            self.budget_ceiling[o] = max(0.0, self.budget_ceiling[o] - moved)
            self.budget_moved[s] |= new

    # ------------------------------------------------------------------ stage 2: departments
    def route_share(self) -> np.ndarray:
        """Of the tasks each department sheds in communities the acceptance centre covers, the share
        it sends through the centre rather than push down to committees: logistic in its own pressure
        last month (the centre's procedure costs effort a pressed department saves by handing work to
        the committee at the weekly meeting) and in the centre's queue (the share of last month's
        tasks the centre turned away)."""
        p, centre = self.model.values, self.model.centre
        queue = centre.turned_away_share if centre is not None else 0.0
        pressure = self.pressure[self.departments]
        return sigmoid(p["route_intercept"]
                       - p["route_pressure_weight"] * np.minimum(np.maximum(pressure, 0.0), p["push_pressure_cap"])
                       - p["route_queue_weight"] * queue)

    def step_departments(self) -> None:
        """(2) Each department adopts reforms' budgets, generates tasks, pushes some down, sends
        some to the acceptance centre and works the rest (docs/ODD.md §7.1).

        After street functions have moved to a department, in communities the centre covers, it
        sends its route share of what it would push down through the centre, as far as the centre
        has room (what the centre turns away goes down to the committees); then its transferred
        functions go to the centre while it has room."""
        m, p = self.model, self.model.values
        rows = self.departments
        self.adopt_reforms(rows)
        D, C = self.n_departments, m.n_communities
        volume, share = self.volume()[rows], self.push_share[rows].copy()
        generated = np.empty((D, C), dtype=np.int64)
        pushed = np.empty((D, C), dtype=np.int64)
        routed = np.zeros((D, C), dtype=np.int64)
        transferred = np.zeros((D, C))
        centre = m.centre
        covered = m.centre_coverage() if centre is not None else None
        open_centre = centre is not None and covered.any()
        route = self.route_share() if open_centre else None
        for d in range(D):      # the draws and the centre's takes, department by department
            generated[d] = m.rng.poisson(volume[d])
            pushed[d] = m.rng.binomial(generated[d], share[d])
            if open_centre and self.has_shadow[d]:
                routed[d] = np.floor(centre.take(np.where(covered, m.rng.binomial(pushed[d], route[d]), 0)))
            pushed[d] -= routed[d]
            if open_centre:
                kept = generated[d] - pushed[d] - routed[d]
                transferred[d] = centre.take(np.where(covered, m.rng.binomial(kept, p["transfer_share"]), 0))
        shadow = self.shadow_share[rows].copy()
        self._work(rows, generated, pushed, routed, transferred, share, p["transfer_share"])
        self._measure_displacement(generated, share, shadow)

    def _measure_displacement(self, generated: np.ndarray, share: np.ndarray, shadow: np.ndarray) -> None:
        """Displacement onto committees once street functions have moved to a department: the moved
        functions' tasks it still pushes down (their share of its volume in each community, of what
        went down), and its own tasks pushed down beyond the push share it would have had at the
        pressure it had before the move (``shadow``, the same rule run beside; fewer where the move
        relieved it, so the second part is net and may be negative). None before a move."""
        rows = self.departments
        has = self.has_shadow[rows]
        if not has.any():
            self.displaced[rows] = 0.0
            return
        volume = self.base_volume()[rows]
        moved = np.divide(self.street_volume(), volume, out=np.zeros_like(volume), where=volume > 0)
        displaced = self.pushed[rows] * moved + (share - shadow) * generated * (1 - moved)
        self.displaced[rows] = np.where(has[:, None], displaced, 0.0)

    # ------------------------------------------------------------------ the rule every owner follows
    def _work(self, rows: slice, generated: np.ndarray, pushed: np.ndarray, routed: np.ndarray,
              transferred: np.ndarray, share: np.ndarray, formal) -> None:
        """What every owner in ``rows`` does with the month's draws: queue what it keeps with what
        committees refused last month, work the queue oldest first within capacity (veto tasks taken
        back first), drop part of what is left, hire under pressure, move its push share and pay task
        money (docs/ODD.md §7.1). ``formal``: the share of its work formally moved back to it, per
        community (lowers pushdown)."""
        m, p = self.model, self.model.values
        self.pushed[rows] = pushed
        to_centre = transferred + routed
        self.to_centre[rows] = to_centre
        kept = generated - pushed - routed
        own = kept - transferred + self.refused[rows]
        self.queue.add(m.month, own, rows)
        self.refused[rows] = 0.0
        capacity = self.capacity[rows].copy()
        reclaimed = np.minimum(self.reclaimed[rows], capacity)    # veto tasks first: they cost the ranking
        self.reclaimed[rows] -= reclaimed
        done = self.queue.complete_pooled(capacity - reclaimed, rows)
        self.done_total[rows] += reclaimed + done.sum(axis=1)
        self.dropped_total[rows] += self.queue.drop(p["department_drop_rate"], rows).sum(axis=1)
        self.generated_total[rows] += generated.sum(axis=1)
        self.centre_total[rows] += to_centre.sum(axis=1)

        backlog = self.queue.backlog[rows].sum(axis=1)
        pressure = ((own.sum(axis=1) + self.reclaimed[rows] + backlog / p["backlog_clear_months"])
                    / np.maximum(capacity, EPSILON) - 1)
        self.pressure[rows] = pressure
        self.pressure_mean[rows] += p["push_adjust_rate"] * (pressure - self.pressure_mean[rows])
        hire = p["department_hire_rate"] * np.maximum(0.0, self.budget_ceiling[rows] - capacity)
        self.capacity[rows] = np.where(pressure > 0, capacity + hire, capacity)   # toward the budget ceiling
        payment = (p["transfer_payment"] * self.compliance[rows])[:, None] * p["funding_follows_tasks"]
        cost = payment / max(p["department_cost_per_task"], EPSILON)
        rest = (p["push_intercept"] - p["push_cost_weight"] * cost
                - p["push_monitoring_weight"] * m.government.monitoring
                - p["push_formal_weight"] * formal
                - p["push_overdue_weight"] * m.committee_arrays.overdue_rate)
        cap = p["push_pressure_cap"]
        target = sigmoid(rest + p["push_pressure_weight"] * np.minimum(pressure, cap)[:, None])
        self.push_share[rows] += p["push_adjust_rate"] * (target - self.push_share[rows])
        has = self.has_shadow[rows]
        if has.any():   # the same rule at the pressure it had before functions came
            before = sigmoid(rest + p["push_pressure_weight"] * np.minimum(self.pressure_before[rows], cap)[:, None])
            moved = self.shadow_share[rows] + p["push_adjust_rate"] * (before - self.shadow_share[rows])
            self.shadow_share[rows] = np.where(has[:, None], moved, self.shadow_share[rows])
        self._pay_task_money(rows)
        self.spending[rows] = self.capacity[rows] * p["department_cost_per_task"] + self.money_paid[rows].sum(axis=1)

    def enforcement(self, o: int) -> float:
        """How hard the district enforces that task money reaches communities, as owner ``o`` sees
        it: the monitoring campaign in the communities it pays in (audits) plus the weight the
        district's ranking of departments puts on paying."""
        where = self.funded_money[o]
        monitoring = float(self.model.government.monitoring[where].mean()) if where.any() else 0.0
        return monitoring + self.model.values["department_ranking_weight"]

    def _pay_task_money(self, rows: slice) -> None:
        """费随事转 as money: pay for the tasks pushed down this month where funding follows tasks.

        Each owner decides what share of the money due to pay, logistic in the district's
        enforcement against its own shortfall (money due beyond its task budget, as a share of
        what is due), and never pays more than its budget. Compliance is this outcome."""
        p = self.model.values
        follows = p["funding_follows_tasks"].astype(bool) & self.funded_money[rows]
        due = np.where(follows, self.pushed[rows] * p["transfer_payment"], 0.0)
        self.money_due[rows] = due
        self.money_paid[rows] = 0.0
        total = due.sum(axis=1)
        paying = np.flatnonzero(total > 0)
        if not paying.size:
            return
        total = total[paying]
        budget = self.task_budget[rows][paying]
        shortfall = np.maximum(0.0, total - budget) / total
        enforcement = np.array([self.enforcement(rows.start + i) for i in paying])
        share = sigmoid(p["compliance_intercept"] + p["compliance_enforcement_weight"] * enforcement
                        - p["compliance_shortfall_weight"] * shortfall)
        paid = np.minimum(share * total, budget)
        owners = rows.start + paying
        self.money_paid[owners] = due[paying] * paid[:, None] / total[:, None]
        self.compliance[owners] = paid / total

    # ------------------------------------------------------------------ stage 3: street offices
    def step_streets(self) -> None:
        """(3) Each street office adopts reforms' budgets and works its own functions (the centre
        takes them where it covers the community, after the departments); it hands its committees
        what was pushed down to them this month (refusals go back to their owner), draws their
        inspections, hands over the community work they took over, and ranks and funds them after
        inspections (docs/ODD.md §7.2)."""
        m, p = self.model, self.model.values
        rows = self.streets
        self.adopt_reforms(rows)
        D, S, C = self.n_departments, self.n_streets, m.n_communities
        volume, share = self.volume()[rows], self.push_share[rows].copy()
        generated = np.empty((S, C), dtype=np.int64)
        pushed = np.empty((S, C), dtype=np.int64)
        transferred = np.zeros((S, C))
        listed = p["access_list"].astype(bool)[None, :] & self.serves
        off_list = self.government_share() if listed.any() else None
        refused = np.zeros((S, D + 1, C), dtype=np.int64)
        inspections = m.government.practiced["inspections_per_year"]
        community = self.community_volume()
        handing = community.any(axis=1)
        community = community * self.growth()
        handed = np.zeros((S, C), dtype=np.int64)
        inspected, jitter = [], []
        centre = m.centre
        coverage = m.centre_coverage() if centre is not None else None
        arrays = m.committee_arrays
        for s in range(S):      # each office's draws, then those for its committees, office by office
            generated[s] = m.rng.poisson(volume[s])
            pushed[s] = m.rng.binomial(generated[s], share[s])
            if centre is not None:   # it takes over the street's administrative role while it has room
                transferred[s] = centre.take(np.where(coverage, generated[s] - pushed[s], 0))
            idx = self.members[s]
            if listed[s].any():     # committees refuse government's own work, not on their access list
                down = np.concatenate([self.pushed[:D], pushed[s][None, :]]) * self.serves[s]
                gov = np.concatenate([off_list[:D], off_list[D + s:D + s + 1]])
                refused[s] = m.rng.binomial(down, gov[:, None] * listed[s])
            arrays.inspections[idx] = m.rng.poisson(inspections[idx] / MONTHS_PER_YEAR)
            if handing[s]:
                handed[s] = m.rng.poisson(community[s])
            if arrays.inspections[idx].any():
                inspected.append(s)
                jitter.append(m.rng.random(len(idx)))   # breaks ties in the ranking at random
        self._work(rows, generated, pushed, np.zeros((S, C), dtype=np.int64), transferred, share, 0.0)
        self._hand_down(refused)
        self._hand_over(handed, handing)
        if inspected:
            self.rank_and_fund(np.array(inspected), np.array(jitter))

    def _hand_down(self, refused: np.ndarray) -> None:
        """Hand each committee the tasks pushed down to it this month by the departments and its
        street office, less those it refused (``refused``: per street office, departments then the
        office, per community), which go back to their owner; veto items apart. The task money that
        came with them reaches the committee."""
        m, D = self.model, self.n_departments
        arrays, where = m.committee_arrays, np.arange(m.n_communities)
        back = refused.sum(axis=0)      # each community's refusals come from its own street office
        self.refused[self.departments] += back[:D]
        self.refused[self.streets] += refused[:, D]
        arrays.refused += back.sum(axis=0)
        office = self.n_departments + self.street_of     # each community's street office row
        down = np.concatenate([self.pushed[self.departments], self.pushed[office, where][None, :]]) - back
        incoming = down.sum(axis=0)
        vetoed = down[:D][self.veto].sum(axis=0)
        m.committee_veto.add(m.month, vetoed)
        m.committee_tasks.add(m.month, incoming - vetoed)
        arrays.money[:] = running_total(arrays.money, np.concatenate(
            [self.money_paid[self.departments], self.money_paid[office, where][None, :]]))
        arrays.money_due[:] = running_total(arrays.money_due, np.concatenate(
            [self.money_due[self.departments], self.money_due[office, where][None, :]]))
        arrays.incoming[:] = incoming
        arrays.assigned += incoming

    def _hand_over(self, tasks: np.ndarray, handing: np.ndarray) -> None:
        """The social and mass work communities took over (``tasks`` drawn for each street office
        ``handing`` any) arrives in their committees' queues; where it comes with money, the street
        pays per task the staff budget it had for the work (the share of it that moves, at a
        department's cost per task), the budget it gave up when the work moved."""
        if not handing.any():
            return
        m, p = self.model, self.model.values
        m.community_work.add(m.month, tasks.sum(axis=0))
        m.community_generated_total += float(tasks.sum())
        money = (tasks * p["street_budget_moved_share"] * p["street_capacity_share"] * p["department_cost_per_task"]
                 * p["social_work_funded"])
        mine = money[self.street_of, np.arange(m.n_communities)]
        m.committee_arrays.money += mine
        m.committee_arrays.money_due += mine
        self.spending[self.streets] += np.where(handing, money.sum(axis=1), 0.0)

    def rank_and_fund(self, streets: np.ndarray, jitter: np.ndarray) -> None:
        """Each of the street offices ``streets`` ranks its committees by evaluation score (ties
        broken by ``jitter``, one draw per committee); ties a share of their funding to rank;
        sanctions what was found overdue since the last inspection; each committee then adapts.

        Overdue tasks (left undone beyond ``escalation_limit_months``, which their owners then
        took back or gave up) are criticised at the weekly meeting and cost funding in
        proportion to their share of the tasks assigned; an overdue veto item (一票否决) puts the
        committee at the bottom of the ranking whatever else it did."""
        m = self.model
        p, arrays = m.values, m.committee_arrays
        members = self.members[streets]
        idx = members.ravel()
        a = arrays.appraisal_weight(idx)
        scores = (1 - a) * arrays.completion[idx] + a * arrays.appraisal[idx]
        scores = scores - p["veto_score_penalty"] * (arrays.overdue_veto[idx] > 0)
        scores = scores + np.ravel(jitter) * TIE_BREAK
        ranks = scores.reshape(members.shape).argsort(axis=1).argsort(axis=1).ravel()
        percentile = ranks / max(members.shape[1] - 1, 1)
        w = p["funding_evaluation_weight"]
        overdue = np.minimum(1.0, np.divide(arrays.overdue[idx], arrays.assigned[idx],
                                            out=np.zeros(len(idx)), where=arrays.assigned[idx] > 0))
        arrays.funding[idx] = (p["funding_base"] * (1 + w * (2 * percentile - 1))   # (1 - w) to (1 + w) times the base
                               * (1 - p["overdue_funding_cut"] * overdue))
        arrays.adapt(idx, w, overdue)
        arrays.overdue[idx] = arrays.overdue_veto[idx] = arrays.assigned[idx] = 0.0

    # ------------------------------------------------------------------ read by the model
    def reclaim(self, veto: float) -> None:
        """The veto departments take back ``veto`` overdue veto items, in proportion to their weight."""
        rows = np.flatnonzero(self.veto)
        self.reclaimed[rows] += veto * self.weight[rows] / self.veto_weight

    def due(self, month: int, deadline: int) -> tuple[np.ndarray, np.ndarray]:
        """Every owner's tasks whose deadline ends this month, and how many of them were done by
        then (owners x communities; TaskQueue.take_due)."""
        return self.queue.take_due(month, deadline)
