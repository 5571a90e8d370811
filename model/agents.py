"""The actors: departments, street offices, residents' committees, the acceptance centre,
and the Resident view onto a row of the population arrays.

Departments, street offices and committees are few; they are ordinary Mesa agents whose
methods the model calls in the order of the month (DESIGN.md §2). Each reads the values in
force through ``model.values`` (levers per community) and owns the rules about itself.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import mesa
import numpy as np

from .constants import EPSILON, MONTHS_PER_QUARTER, MONTHS_PER_YEAR, PER_THOUSAND, TIE_BREAK
from .population import RESIDENT_FIELDS, sigmoid
from .work import Function, Owner, TaskQueue

if TYPE_CHECKING:
    from .governance import GovernanceModel

# The pilot departments: key, Chinese name. Their shares of the task volume are the
# registry's dept_share_<key> parameters.
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
)


class TaskOwner(mesa.Agent):
    """An owner of government work — a department or a street office.

    Each month it generates tasks in the communities it serves, pushes a share of them down
    to the committees, sends transferred ones to the acceptance centre, and works the rest
    within its capacity (oldest first); under sustained pressure it hires toward its budget
    ceiling, and it gives up part of what it cannot do. Its pushdown share into each
    community moves toward a logistic target in its own overload, in what a pushed-down task
    costs it there, in monitoring there and in formally transferred responsibility there.
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
        self.spending = 0.0

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

    def work(self) -> None:
        m, p = self.model, self.model.values
        generated = m.rng.poisson(self.volume())
        self.pushed = m.rng.binomial(generated, self.push_share)
        kept = generated - self.pushed
        self.to_centre = self.transferred(kept)
        own = kept - self.to_centre + self.refused
        self.queue.add(m.month, own)
        self.refused = np.zeros(m.n_communities)
        self.done_total += float(self.queue.complete_pooled(self.capacity).sum())
        self.dropped_total += float(self.queue.drop(p["department_drop_rate"]).sum())
        self.generated_total += float(generated.sum())
        self.centre_total += float(self.to_centre.sum())

        backlog = float(self.queue.backlog.sum())
        pressure = (own.sum() + backlog / p["backlog_clear_months"]) / max(self.capacity, EPSILON) - 1
        if pressure > 0:    # hire toward the budget ceiling
            self.capacity += p["department_hire_rate"] * max(0.0, self.budget_ceiling - self.capacity)
        payment = self.payment_per_task()
        cost = payment / max(p["department_cost_per_task"], EPSILON)
        target = sigmoid(p["push_intercept"] + p["push_pressure_weight"] * min(pressure, p["push_pressure_cap"])
                         - p["push_cost_weight"] * cost
                         - p["push_monitoring_weight"] * m.government.monitoring
                         - p["push_formal_weight"] * self.formal_transfer())
        self.push_share += p["push_adjust_rate"] * (target - self.push_share)
        self.spending = self.capacity * p["department_cost_per_task"] + float((self.pushed * payment).sum())

    def payment_per_task(self) -> np.ndarray:
        """What pushing one task down costs this owner in each community: the transfer payment
        where funding follows tasks, as far as funding actually follows (compliance)."""
        p = self.model.values
        return p["transfer_payment"] * p["funding_compliance"] * p["funding_follows_tasks"]


class Department(TaskOwner):
    """A government department (one of the report's ten pilots)."""

    owner = Owner.DEPARTMENT

    def pushed_functions(self) -> dict[Function, float]:
        """Part of what a department pushes down is department-led work that needs the
        community's help; the rest is its own administrative work (offloading)."""
        share = self.model.values["assistance_share"]
        return {Function.ASSISTANCE: share, Function.GOVERNMENT: 1 - share}

    def __init__(self, model: GovernanceModel, key: str, name_zh: str):
        super().__init__(model)
        p = model.values
        self.key, self.name_zh = key, name_zh
        total = sum(p[f"dept_share_{k}"] for k, _ in DEPARTMENT_CATALOGUE)
        self.weight = p[f"dept_share_{key}"] / total
        self.funded = np.zeros(model.n_communities, dtype=bool)      # staff budget moved with taken-back work
        self.with_points = np.zeros(model.n_communities, dtype=bool)  # staff based in service points
        self.street_budget = np.zeros(model.n_communities, dtype=bool)  # street functions' budget moved
        self._setup_work(p["department_capacity_share"] * self.own_volume().sum())

    def own_volume(self) -> np.ndarray:
        p = self.model.values
        return np.full(self.model.n_communities, p["tasks_per_community_month"] * self.weight)

    def base_volume(self) -> np.ndarray:
        """Its own functions plus its share of the street offices' functions moved to departments."""
        p = self.model.values
        street = p["street_tasks_per_community_month"] * p["street_functions_to_departments"] * self.weight
        return self.own_volume() + street

    def formal_transfer(self) -> np.ndarray:
        return self.model.values["transfer_share"]

    def transferred(self, kept: np.ndarray) -> np.ndarray:
        """Transferred functions of communities the centre covers go there while it has room."""
        m = self.model
        covered = m.centre_coverage()
        if m.centre is None or not covered.any():
            return np.zeros_like(kept, dtype=float)
        wanted = np.where(covered, m.rng.binomial(kept, m.values["transfer_share"]), 0)
        return m.centre.take(wanted)

    def _adopt_reforms(self) -> None:
        """Staff budget that reforms bring, once per community: 费随事转 moves the promised
        budget for the share of pushed-down work taken back and for street functions moved
        to departments, as far as funding complies; service points add staff in communities."""
        p, C = self.model.values, self.model.n_communities
        follows = p["funding_follows_tasks"].astype(bool)
        new = follows & (p["transfer_share"] > 0) & ~self.funded
        if new.any():
            gift = (p["transfer_budget_share"] * p["funding_compliance"]
                    * (p["transfer_share"][new] * self.push_share[new] * self.volume()[new]).sum())
            self.capacity += gift
            self.budget_ceiling += gift
            self.funded |= new
        new = follows & (p["street_functions_to_departments"] > 0) & ~self.street_budget
        if new.any():
            moved = (p["funding_compliance"] * p["street_capacity_share"] * p["street_tasks_per_community_month"]
                     * (p["street_functions_to_departments"][new]).sum() * self.weight)
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
        """Its functions are administration and enforcement government must do itself."""
        return {Function.GOVERNMENT: 1.0}

    def __init__(self, model: GovernanceModel, index: int, committees: list[Committee]):
        super().__init__(model)
        self.index, self.committees = index, committees
        self.serves = np.zeros(model.n_communities, dtype=bool)
        self.serves[[c.index for c in committees]] = True
        self.budget_moved = np.zeros(model.n_communities, dtype=bool)
        p = model.values
        self._setup_work(p["street_capacity_share"] * self.own_volume().sum())

    def own_volume(self) -> np.ndarray:
        return self.model.values["street_tasks_per_community_month"] * self.serves

    def base_volume(self) -> np.ndarray:
        """Its functions not moved to departments."""
        return self.own_volume() * (1 - self.model.values["street_functions_to_departments"])

    def transferred(self, kept: np.ndarray) -> np.ndarray:
        """Where the acceptance centre covers a community it takes over the street's
        administrative role there, while it has room."""
        m = self.model
        if m.centre is None:
            return np.zeros_like(kept, dtype=float)
        return m.centre.take(np.where(m.centre_coverage(), kept, 0))

    def _adopt_reforms(self) -> None:
        """Functions moved to departments with funding take their staff budget along."""
        p = self.model.values
        new = (p["funding_follows_tasks"].astype(bool) & (p["street_functions_to_departments"] > 0)
               & self.serves & ~self.budget_moved)
        if new.any():
            moved = (p["funding_compliance"] * p["street_capacity_share"] * p["street_tasks_per_community_month"]
                     * p["street_functions_to_departments"][new].sum())
            self.capacity = max(0.0, self.capacity - moved)
            self.budget_ceiling = max(0.0, self.budget_ceiling - moved)
            self.budget_moved |= new

    def step(self) -> None:
        """(3) Work its own functions; hand each committee what was pushed down (refusals go
        back to their owner); inspect; rank and fund after inspections."""
        m = self.model
        p = m.values
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
            for c in self.committees:
                c.refused += int(refused[:, c.index].sum())
            pushed -= refused
        incoming = pushed.sum(axis=0)
        m.committee_tasks.add(m.month, incoming)
        inspections = m.government.practiced["inspections_per_year"]
        for c in self.committees:
            c.incoming = int(incoming[c.index])
            c.inspections = int(m.rng.poisson(inspections[c.index] / MONTHS_PER_YEAR))
        if any(c.inspections for c in self.committees):
            self.rank_and_fund()

    def rank_and_fund(self) -> None:
        """Rank committees by evaluation score; tie a share of their funding to rank; each
        committee then adapts to what the evaluation rewards."""
        m = self.model
        p = m.values
        scores = np.array([(1 - c.appraisal_weight) * c.completion + c.appraisal_weight * c.appraisal
                           for c in self.committees])
        scores = scores + m.rng.random(scores.size) * TIE_BREAK     # break ties at random
        ranks = scores.argsort().argsort()
        percentile = ranks / max(len(self.committees) - 1, 1)
        w = p["funding_evaluation_weight"]
        for c, q in zip(self.committees, percentile, strict=True):
            c.funding = p["funding_base"] * (1 + w * (2 * q - 1))   # from (1 - w) to (1 + w) times the base
            c.adapt(w)


class Committee(mesa.Agent):
    """A residents' committee: splits fixed worker hours between upward and resident work."""

    owner = Owner.COMMITTEE     # of the community's self-governance functions

    def __init__(self, model: GovernanceModel, index: int, street: int):
        super().__init__(model)
        p = model.values
        self.index, self.street = index, street
        self.skill = np.clip(model.rng.normal(p["initial_skill_mean"], p["initial_skill_sd"],
                                              p["workers_per_committee"]), 0, 1)
        self.exits: deque[int] = deque(maxlen=MONTHS_PER_YEAR)
        self.incoming = self.inspections = self.refused = 0
        self.done = 0                  # tasks completed this month
        self.lean = 0.0                # adapted shift of weight toward upward work (see adapt)
        self.trained = 0               # workers trained this month (a cost)
        self.funding = p["funding_base"]
        self.completion = 1.0          # smoothed share of assigned tasks done
        self.appraisal = p["initial_satisfaction"]   # residents' mean satisfaction, as appraised
        self.resolution = p["initial_resolution"]    # smoothed share of requests resolved within 30 days
        self.agenda_up = self.agenda_residents = EPSILON
        self.deliberation_events = 0
        self.certified = False
        self.hours: dict[str, float] = {}
        self.burden = 1.0
        self.capacity = self.visits = self.recruitment = 0.0
        self.tasks_done_total = 0

    def lever(self, name: str):
        """The value of a lever in force in this committee's community."""
        return self.model.values[name][self.index]

    @property
    def appraisal_weight(self) -> float:
        """Weight of resident appraisal in this committee's evaluation (0 without appraisal)."""
        return float(self.lever("appraisal_weight")) if self.lever("resident_appraisal") else 0.0

    @property
    def orientation(self) -> float:
        """Weight on residents' demands: what the mandate gives (elections.py), less what the
        committee has learned the street office's evaluation rewards."""
        p = self.model.values
        return float(np.clip(self.model.elections.orientation(self.index) - self.lean,
                             p["orientation_min"], p["orientation_max"]))

    def adapt(self, stake: float) -> None:
        """After a ranking: shift weight toward the side of the work whose shortfall costs the
        most score, in proportion to the money at stake (bounded; no stake, no shift).

        The score is (1 - a) * completion + a * appraisal with a the appraisal weight."""
        p = self.model.values
        a = self.appraisal_weight
        gap = (1 - a) * (1 - self.completion) - a * (1 - self.appraisal)
        self.lean = float(np.clip(self.lean + p["adaptation_rate"] * stake * gap, -p["max_lean"], p["max_lean"]))

    @property
    def productivity(self) -> float:
        p = self.model.values
        base = p["productivity_base"] + p["productivity_skill_weight"] * float(self.skill.mean())
        return (base * (1 + p["facility_productivity_boost"] * self.lever("facilities_level"))
                * (1 + p["social_org_productivity_boost"] * self.lever("social_organizations_active")))

    def certify(self) -> None:
        self.skill = np.minimum(1.0, self.skill + self.model.values["training_skill"])
        self.certified = True
        self.trained += self.skill.size

    # --------------------------------------------------------------------- the month
    def plan_month(self, queue: float, vulnerable_households: float, tasks: float) -> None:
        """(5) Split the month's hours: mandatory upward work first, then admin tasks (``tasks``
        undone, this month's included) and resident service weighted by orientation; set
        service capacity and outreach."""
        m, p = self.model, self.model.values
        overhead = m.government.practiced
        self.trained = 0
        if self.lever("training") and not self.certified:
            self.certify()
        per_year = self.lever("hearings_per_year") + self.lever("forums_per_year")
        self.deliberation_events = int(m.rng.poisson(per_year / MONTHS_PER_YEAR)) if per_year > 0 else 0
        scale = p["scale"]
        total = p["workers_per_committee"] * p["hours_per_worker_month"]
        evaluated = 1.0 if self.lever("ledgers_in_evaluation") else p["ledger_hours_unevaluated_share"]
        upward = {
            "meetings": overhead["meetings_per_month"][self.index] * p["meeting_hours"] * p["meeting_attendees"],
            "inspections": self.inspections * p["inspection_prep_hours"],
            "ledgers": overhead["ledgers"][self.index] * p["ledger_hours"] * evaluated,
            "plaques": overhead["plaques"][self.index] * p["plaque_hours"],
        }
        economy = p["economic_activity_hours"] if self.lever("economic_activity") else 0.0
        mandatory = sum(upward.values()) + economy
        free = max(0.0, total - mandatory)

        # payments that came with this month's tasks buy hours outside the committee's own
        bought = (self.incoming * p["hours_per_admin_task"] * p["transfer_payment_hours_share"]
                  * p["funding_compliance"] if self.lever("funding_follows_tasks") else 0.0)
        admin_demand = max(0.0, tasks * p["hours_per_admin_task"] - bought)
        visits_wanted = vulnerable_households / scale * p["visits_per_vulnerable_quarter"] / MONTHS_PER_QUARTER
        request_demand = queue / scale * p["hours_per_request"]
        visit_demand = visits_wanted * p["hours_per_visit"]
        service_demand = request_demand + visit_demand

        # Free hours go to admin tasks and service in proportion to orientation-weighted
        # demand; hours one side cannot use go to the other.
        w = self.orientation
        wa, ws = (1 - w) * admin_demand, w * service_demand
        h_admin = min(admin_demand, free * wa / (wa + ws)) if wa + ws > 0 else 0.0
        h_service = min(service_demand, free - h_admin)
        h_admin = min(admin_demand, free - h_service)

        done = min(tasks, int((h_admin + bought) / p["hours_per_admin_task"] + EPSILON))
        self.done = done
        self.tasks_done_total += done
        self.completion += ((done / tasks if tasks else 1.0) - self.completion) / p["completion_memory_months"]

        share_req = request_demand / service_demand if service_demand > 0 else 1.0
        prod = self.productivity
        self.capacity = h_service * share_req / p["hours_per_request"] * prod * scale
        self.visits = h_service * (1 - share_req) / p["hours_per_visit"] * prod * scale
        self.recruitment = min(1.0, w * p["recruitment_service_factor"] * h_service / total
                               + p["social_org_recruitment_boost"] * self.lever("social_organizations_active"))

        self.hours = {**upward, "tasks": h_admin, "service": h_service, "economy": economy, "total": total}
        # Workload imposed from above this month (SF9: workers quit over the workload).
        self.burden = (mandatory + self.incoming * p["hours_per_admin_task"] - bought) / total
        self._count_agenda()

    def _count_agenda(self) -> None:
        """Agenda items from above (meetings, inspections, batches of tasks) and from residents
        (items raised by attendees of last month's deliberation events, reports to the
        residents' assembly when it meets, open affairs, appraisal)."""
        m, p = self.model, self.model.values
        up = (m.government.practiced["meetings_per_month"][self.index] * p["agenda_items_per_meeting"]
              + self.inspections * p["agenda_items_per_inspection"] + self.incoming / p["tasks_per_agenda_item"])
        raised = m.population.raised_items[self.index] / p["scale"] / p["agenda_raisers_per_item"]
        residents = (raised + self._assembly_meetings() * p["agenda_items_per_report"]
                     + p["agenda_items_open_affairs"] * self.lever("open_affairs")
                     + p["agenda_items_appraisal"] * self.lever("resident_appraisal"))
        memory = p["agenda_memory_months"]
        self.agenda_up += (up - self.agenda_up) / memory
        self.agenda_residents += (residents - self.agenda_residents) / memory

    def _assembly_meetings(self) -> int:
        """Reports the committee makes this month to a residents' assembly that meets: a
        meeting it calls counts only if a quorum of representatives attends."""
        m, p = self.model, self.model.values
        per_year = p["assembly_reports_per_year_elected" if m.elections.elected(self.index)
                     else "assembly_reports_per_year_appointed"]
        called = int(m.rng.poisson(per_year / MONTHS_PER_YEAR))
        if not called:
            return 0
        households = m.population.hh_comm_start[self.index + 1] - m.population.hh_comm_start[self.index]
        seats = max(1, round(households * p["representatives_per_household"]))
        present = m.rng.binomial(seats, p["representative_turnout"], called)
        return int((present >= p["assembly_quorum"] * seats).sum())

    def service_level(self) -> float:
        """The service level residents with nothing pending perceive (their satisfaction
        drifts toward it): the committee's resolution record, facilities, open affairs."""
        p = self.model.values
        return (p["quality_base"] + p["quality_resolution_weight"] * self.resolution
                + p["quality_facilities_weight"] * min(1.0, self.lever("facilities_level"))
                + p["quality_open_affairs_weight"] * self.lever("open_affairs"))

    def event_seats(self, simulated_residents: int) -> float:
        """Event places this month: capacity per resident, more with renovated facilities, scaled
        by the committee's budget (its funding plus any income from economic activity)."""
        p = self.model.values
        income = p["economic_income"] if self.lever("economic_activity") else 0.0
        budget = (self.funding + income) / max(p["funding_base"] + p["economic_income"], EPSILON)
        return (p["event_seats_per_1000"] * simulated_residents / PER_THOUSAND
                * (1 + p["facility_seats_boost"] * self.lever("facilities_level")) * budget)

    def procedural_trust(self) -> float:
        """Monthly trust residents gain from open affairs and resident appraisal (half each)."""
        p = self.model.values
        return p["procedural_trust"] * (self.lever("open_affairs") + self.lever("resident_appraisal")) / 2

    def observe(self, resolved_share: float, satisfaction: float) -> None:
        """After the month: residents' satisfaction is what appraisal reads; the resolution
        record is smoothed."""
        self.appraisal = satisfaction
        self.resolution += (resolved_share - self.resolution) / self.model.values["resolution_memory_months"]

    @property
    def agenda_share(self) -> float:
        return self.agenda_residents / (self.agenda_residents + self.agenda_up)

    @property
    def admin_hours(self) -> float:
        return sum(self.hours.get(k, 0.0) for k in ("meetings", "inspections", "ledgers", "plaques", "tasks"))

    def workforce_step(self) -> None:
        """(8) Workers leave with a chance logistic in overload, pay and pension; skill moves."""
        m, p = self.model, self.model.values
        logit = (p["exit_intercept"] + p["exit_burden_weight"] * (min(self.burden, p["exit_burden_cap"]) - 1)
                 - p["exit_pay_weight"] * (self.lever("pay_level") - 1)
                 - p["exit_pension_weight"] * self.lever("pension"))
        leaving = m.rng.random(self.skill.size) < sigmoid(logit)
        entry = p["entry_skill"] + (p["training_skill"] if self.lever("training") else 0.0)
        if self.lever("training"):
            self.trained += int(leaving.sum())      # new workers are trained too
        self.skill[leaving] = min(1.0, entry)
        self.skill += p["skill_learning"] * (1 - self.skill)
        self.exits.append(int(leaving.sum()))

    @property
    def turnover(self) -> float:
        """Exits in the last 12 months per worker, annualised when fewer months have passed."""
        if not self.exits:
            return 0.0
        return sum(self.exits) / len(self.exits) * MONTHS_PER_YEAR / self.skill.size


class AcceptanceCentre(mesa.Agent):
    """受理中心: serves the administrative needs of the residents of the communities it covers,
    takes over the street offices' administrative role there, and processes the department
    functions transferred to it, up to its task capacity each month."""

    def __init__(self, model: GovernanceModel):
        super().__init__(model)
        self.room = 0.0

    def open_month(self) -> None:
        """Task capacity for the month: a fixed number per covered community."""
        self.room = float(self.model.values["centre_task_capacity"] * self.model.centre_coverage().sum())

    def take(self, wanted: np.ndarray) -> np.ndarray:
        """Take what it has room for, in proportion across communities; return what it took."""
        total = float(np.sum(wanted))
        if total <= 0 or self.room <= 0:
            return np.zeros(np.shape(wanted))
        got = np.asarray(wanted, dtype=float) * min(1.0, self.room / total)
        self.room -= float(got.sum())
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

    def __init__(self, model: GovernanceModel, row: int):
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
