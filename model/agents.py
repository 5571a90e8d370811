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


class Department(mesa.Agent):
    """A government department: generates tasks and decides how many to push down.

    The pushdown share into each community moves toward a logistic target in the
    department's own overload, in what a pushed-down task costs it there, in monitoring
    there and in formally transferred responsibility there. Nothing else schedules a
    rebound: it follows from capacity.
    """

    def __init__(self, model: GovernanceModel, key: str, name_zh: str):
        super().__init__(model)
        p, C = model.values, model.n_communities
        self.key, self.name_zh = key, name_zh
        total = sum(p[f"dept_share_{k}"] for k, _ in DEPARTMENT_CATALOGUE)
        self.weight = p[f"dept_share_{key}"] / total
        self.base_volume = p["tasks_per_community_month"] * self.weight * C
        self.capacity = p["department_capacity_share"] * self.base_volume
        self.push_share = np.full(C, float(np.clip(1 - p["department_capacity_share"],
                                                   p["push_share_min"], p["push_share_max"])))
        self.backlog = 0.0
        self.pushed = np.zeros(C, dtype=np.int64)
        self.generated_total = self.done_total = self.centre_total = 0
        self.funded = np.zeros(C, dtype=bool)      # communities whose transfer brought staff budget
        self.with_points = np.zeros(C, dtype=bool)  # communities with this department's service points
        self.spending = 0.0

    def volume(self) -> float:
        """Expected tasks per month now: the base volume grown by pressure from above."""
        years = (self.model.month + self.model.values["warmup_months"]) / MONTHS_PER_YEAR
        return self.base_volume * (1 + self.model.values["task_growth_per_year"]) ** years

    def _adopt_reforms(self) -> None:
        """Staff budget that reforms bring, once per community: 费随事转 moves the budget for the
        share of pushed-down work taken back; service points add staff based in communities."""
        p, C = self.model.values, self.model.n_communities
        funded = p["funding_follows_tasks"].astype(bool) & (p["transfer_share"] > 0)
        new = funded & ~self.funded
        if new.any():
            self.capacity += float((p["transfer_share"][new] * self.push_share[new]).sum()) * self.volume() / C
            self.funded |= new
        points = p["service_points"].astype(bool)
        new = points & ~self.with_points
        if new.any():
            self.capacity += p["service_point_department_gain"] * self.base_volume * new.sum() / C
            self.with_points |= points

    def step(self) -> None:
        """(2) Generate tasks, push some down, send transferred ones to the centre, work the rest."""
        m, p = self.model, self.model.values
        self._adopt_reforms()
        returned = self.weight * sum(c.returned for c in m.committees)   # sent back past their deadline
        generated = m.rng.poisson(self.volume() / m.n_communities, m.n_communities)
        self.pushed = m.rng.binomial(generated, self.push_share)
        n_generated, n_pushed = int(generated.sum()), int(self.pushed.sum())
        kept = n_generated - n_pushed
        to_centre = 0
        covered = m.centre_coverage()
        if covered.any():   # transferred functions go to the centre while it has room
            room = int(p["centre_task_capacity"] * covered.sum() * self.weight)
            kept_there = (generated - self.pushed)[covered]
            to_centre = min(int(m.rng.binomial(kept_there, p["transfer_share"][covered]).sum()), room)
        own = kept - to_centre
        work = self.backlog + own + returned
        done = min(self.capacity, work)
        self.backlog = work - done
        self.generated_total += n_generated
        self.done_total += done
        self.centre_total += to_centre

        pressure = (own + returned + self.backlog / p["backlog_clear_months"]) / max(self.capacity, EPSILON) - 1
        payment = p["transfer_payment"] * p["funding_follows_tasks"]
        cost = payment / max(p["department_cost_per_task"], EPSILON)
        target = sigmoid(p["push_intercept"] + p["push_pressure_weight"] * min(pressure, p["push_pressure_cap"])
                         - p["push_cost_weight"] * cost
                         - p["push_monitoring_weight"] * p["offloading_monitoring"]
                         - p["push_formal_weight"] * p["transfer_share"])
        self.push_share += p["push_adjust_rate"] * (target - self.push_share)
        self.spending = self.capacity * p["department_cost_per_task"] + float((self.pushed * payment).sum())


class StreetOffice(mesa.Agent):
    """A street office: passes tasks on, holds meetings and inspections, ranks and funds."""

    def __init__(self, model: GovernanceModel, index: int, committees: list[Committee]):
        super().__init__(model)
        self.index, self.committees = index, committees

    def step(self) -> None:
        """(3) Hand each committee its pushed-down tasks; inspect; rank and fund after inspections."""
        m = self.model
        p = m.values
        pushed = sum(d.pushed for d in m.departments)
        for c in self.committees:
            c.incoming = int(pushed[c.index])
            c.inspections = int(m.rng.poisson(p["inspections_per_year"][c.index] / MONTHS_PER_YEAR))
        if any(c.inspections for c in self.committees):
            self.rank_and_fund()

    def rank_and_fund(self) -> None:
        """Rank committees by evaluation score; tie a share of their funding to rank."""
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


class Committee(mesa.Agent):
    """A residents' committee: splits fixed worker hours between upward and resident work."""

    def __init__(self, model: GovernanceModel, index: int, street: int):
        super().__init__(model)
        p = model.values
        self.index, self.street = index, street
        self.skill = np.clip(model.rng.normal(p["initial_skill_mean"], p["initial_skill_sd"],
                                              p["workers_per_committee"]), 0, 1)
        self.exits: deque[int] = deque(maxlen=MONTHS_PER_YEAR)
        self.cohorts: list[int] = []   # undone tasks by month of arrival, oldest first
        self.incoming = self.returned = self.inspections = 0
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
        return self.model.elections.orientation(self.index)

    @property
    def productivity(self) -> float:
        p = self.model.values
        base = p["productivity_base"] + p["productivity_skill_weight"] * float(self.skill.mean())
        return (base * (1 + p["facility_productivity_boost"] * self.lever("facilities_level"))
                * (1 + p["social_org_productivity_boost"] * self.lever("social_organizations_active")))

    def certify(self) -> None:
        self.skill = np.minimum(1.0, self.skill + self.model.values["training_skill"])
        self.certified = True

    # --------------------------------------------------------------------- the month
    def plan_month(self, queue: float, vulnerable_households: float) -> None:
        """(5) Split the month's hours: mandatory upward work first, then admin tasks and
        resident service weighted by orientation; set service capacity and outreach."""
        m, p = self.model, self.model.values
        if self.lever("training") and not self.certified:
            self.certify()
        per_year = self.lever("hearings_per_year") + self.lever("forums_per_year")
        self.deliberation_events = int(m.rng.poisson(per_year / MONTHS_PER_YEAR)) if per_year > 0 else 0
        scale = p["scale"]
        total = p["workers_per_committee"] * p["hours_per_worker_month"]
        evaluated = 1.0 if self.lever("ledgers_in_evaluation") else p["ledger_hours_unevaluated_share"]
        upward = {
            "meetings": self.lever("meetings_per_month") * p["meeting_hours"] * p["meeting_attendees"],
            "inspections": self.inspections * p["inspection_prep_hours"],
            "ledgers": self.lever("ledgers") * p["ledger_hours"] * evaluated,
            "plaques": self.lever("plaques") * p["plaque_hours"],
        }
        economy = p["economic_activity_hours"] if self.lever("economic_activity") else 0.0
        mandatory = sum(upward.values()) + economy
        free = max(0.0, total - mandatory)

        tasks = self.backlog + self.incoming
        bought = (self.incoming * p["hours_per_admin_task"] * p["transfer_payment_hours_share"]
                  if self.lever("funding_follows_tasks") else 0.0)
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
        self._complete(done)
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
        up = (self.lever("meetings_per_month") * p["agenda_items_per_meeting"]
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

    def _complete(self, done: int) -> None:
        """Do ``done`` tasks, oldest first; tasks past the deadline go back to departments."""
        cohorts = self.cohorts + [self.incoming]
        for i, n in enumerate(cohorts):
            take = min(n, done)
            cohorts[i] -= take
            done -= take
        deadline = self.model.values["task_deadline_months"]
        self.returned = sum(cohorts[:-deadline]) if len(cohorts) > deadline else 0
        self.cohorts = cohorts[-deadline:]

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
    def backlog(self) -> int:
        return sum(self.cohorts)

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
    and processes the department functions transferred to it."""

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
