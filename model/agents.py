"""The actors: departments, street offices, residents' committees, the acceptance centre,
and the Resident view onto a row of the population arrays.

Departments, street offices and committees are few; they are ordinary Mesa agents whose
``step`` methods the model calls in the order of the month (DESIGN.md §2).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import mesa
import numpy as np

from .population import sigmoid

if TYPE_CHECKING:
    from .governance import GovernanceModel

# The pilot departments of the seed report with their share of administrative tasks
# pushed toward communities (assumption on the split; SF7 on the mix).
DEPARTMENT_CATALOGUE: tuple[tuple[str, str, float], ...] = (
    ("civil_affairs", "民政", 0.16),
    ("family_planning", "计生", 0.14),
    ("public_security", "公安", 0.12),
    ("labour_security", "劳动保障", 0.12),
    ("city_appearance", "市容", 0.10),
    ("health", "卫生", 0.09),
    ("sanitation", "环卫", 0.08),
    ("justice", "司法", 0.07),
    ("statistics", "统计", 0.06),
    ("culture", "文化", 0.06),
)
MODE_ORIENTATION = {
    "appointed": "orientation_appointed",
    "representative": "orientation_representative",
    "household": "orientation_household",
    "resident": "orientation_resident",
}


class Department(mesa.Agent):
    """A government department: generates tasks and decides how many to push down.

    The pushdown share moves toward a logistic target in the department's own overload,
    in what a pushed-down task costs it, in monitoring and in formally transferred
    responsibility. Nothing else schedules a rebound: it follows from capacity.
    """

    def __init__(self, model: GovernanceModel, key: str, name_zh: str, weight: float):
        super().__init__(model)
        p = model.p
        self.key, self.name_zh, self.weight = key, name_zh, weight
        self.base_volume = p["tasks_per_community_month"] * weight * model.n_communities
        self.capacity = p["department_capacity_share"] * self.base_volume
        self.push_share = float(np.clip(1 - p["department_capacity_share"], 0.05, 0.95))
        self.backlog = 0.0
        self.pushed = np.zeros(model.n_communities, dtype=np.int64)
        self.generated_total = self.done_total = self.centre_total = 0
        self.returned = 0.0   # tasks committees sent back past their deadline last month
        self.spending = 0.0

    def volume(self) -> float:
        """Expected tasks per month now: the base volume grown by pressure from above."""
        years = (self.model.month + self.model.p["warmup_months"]) / 12.0
        return self.base_volume * (1 + self.model.p["task_growth_per_year"]) ** years

    def take_back_funding(self, share: float) -> None:
        """费随事转: staff budget for the share of pushed-down work the department takes back."""
        self.capacity += share * self.push_share * self.volume()

    def add_capacity(self, gain: float) -> None:
        self.capacity += gain * self.base_volume

    def step(self) -> None:
        m, p, pol = self.model, self.model.p, self.model.policy
        generated = m.rng.poisson(self.volume() / m.n_communities, m.n_communities)
        self.pushed = m.rng.binomial(generated, self.push_share)
        n_generated, n_pushed = int(generated.sum()), int(self.pushed.sum())
        kept = n_generated - n_pushed
        to_centre = 0
        if pol.acceptance_centre:   # transferred functions go to the centre while it has room
            room = int(pol.centre_task_capacity * m.n_communities * self.weight)
            to_centre = min(int(m.rng.binomial(kept, pol.transfer_share)), room)
        own = kept - to_centre
        work = self.backlog + own + self.returned
        done = min(self.capacity, work)
        self.backlog = work - done
        self.generated_total += n_generated
        self.done_total += done
        self.centre_total += to_centre

        pressure = (own + self.returned + self.backlog / p["backlog_clear_months"]) / max(self.capacity, 1e-9) - 1
        cost = pol.transfer_payment / max(p["department_cost_per_task"], 1e-9)
        target = sigmoid(p["push_intercept"] + p["push_pressure_weight"] * min(pressure, 5.0)
                         - p["push_cost_weight"] * cost
                         - p["push_monitoring_weight"] * pol.offloading_monitoring
                         - p["push_formal_weight"] * pol.transfer_share)
        self.push_share += p["push_adjust_rate"] * (target - self.push_share)
        self.spending = (self.capacity * p["department_cost_per_task"]
                         + n_pushed * pol.transfer_payment)


class StreetOffice(mesa.Agent):
    """A street office: passes tasks on, holds meetings and inspections, ranks and funds."""

    def __init__(self, model: GovernanceModel, index: int, committees: list[Committee]):
        super().__init__(model)
        self.index, self.committees = index, committees
        self.inspections_this_month = 0

    def step(self) -> None:
        m, pol = self.model, self.model.policy
        for c in self.committees:
            c.incoming = int(m.pushed_by_community[c.index])
        self.inspections_this_month = int(m.rng.poisson(pol.inspections_per_year / 12.0))
        if self.inspections_this_month:
            self.rank_and_fund()

    def rank_and_fund(self) -> None:
        """Rank committees by evaluation score; tie a share of their funding to rank."""
        p, pol = self.model.p, self.model.policy
        w_app = pol.appraisal_weight
        scores = np.array([(1 - w_app) * c.completion + w_app * c.appraisal for c in self.committees])
        scores = scores + self.model.rng.random(scores.size) * 1e-6     # break ties at random
        ranks = scores.argsort().argsort()
        pct = ranks / max(len(self.committees) - 1, 1)
        w = p["funding_evaluation_weight"]
        for c, q in zip(self.committees, pct, strict=True):
            c.funding = p["funding_base"] * (1 + w * (2 * q - 1))


class Committee(mesa.Agent):
    """A residents' committee: splits fixed worker hours between upward and resident work."""

    def __init__(self, model: GovernanceModel, index: int, street: int):
        super().__init__(model)
        p = model.p
        self.index, self.street = index, street
        self.skill = np.clip(model.rng.normal(0.5, 0.15, p["workers_per_committee"]), 0, 1)
        self.exits: deque[int] = deque(maxlen=12)
        self.cohorts: list[int] = []   # undone tasks by month of arrival, oldest first
        self.incoming = 0
        self.returned = 0
        self.funding = p["funding_base"]
        self.completion = 1.0          # smoothed share of assigned tasks done
        self.appraisal = 0.5           # residents' mean satisfaction, as appraised
        self.resolution = 0.3          # smoothed share of requests resolved within 30 days
        self.agenda_up = self.agenda_residents = 1e-6
        self.election_satisfaction: float | None = None
        self.hours: dict[str, float] = {}
        self.burden = 1.0
        self.capacity = self.visits = self.recruitment = 0.0
        self.tasks_done_total = 0

    # --------------------------------------------------------------------- orientation
    @property
    def orientation(self) -> float:
        """Weight on residents' demands (0 = answers only upward, 1 = only to residents)."""
        p, pol = self.model.p, self.model.policy
        mode = pol.election_mode if self.election_satisfaction is not None else "appointed"
        w = p[MODE_ORIENTATION[mode]]
        if pol.resident_appraisal:
            w += p["orientation_appraisal_boost"]
        if self.election_satisfaction is not None and mode != "appointed":
            w += p["orientation_reelection_weight"] * (1 - self.election_satisfaction)
        w -= p["orientation_funding_pull"] * p["funding_evaluation_weight"] * (1 - pol.appraisal_weight)
        return float(np.clip(w, 0.02, 0.98))

    @property
    def productivity(self) -> float:
        p, pol = self.model.p, self.model.policy
        base = 0.6 + p["productivity_skill_weight"] * float(self.skill.mean())
        return (base * (1 + pol.facility_productivity_boost * pol.facilities_level)
                * (1 + pol.social_org_productivity))

    def certify(self, skill_gain: float) -> None:
        self.skill = np.minimum(1.0, self.skill + skill_gain)

    # --------------------------------------------------------------------- the month
    def plan_month(self, queue: float, vulnerable_households: float, street: StreetOffice) -> None:
        """Split the month's hours: mandatory upward work first, then admin tasks and
        resident service weighted by orientation; set service capacity and outreach."""
        m, p, pol = self.model, self.model.p, self.model.policy
        scale = p["scale"]
        total = p["workers_per_committee"] * p["hours_per_worker_month"]
        ledger_hours = pol.ledgers * p["ledger_hours"] * (1.0 if pol.ledgers_in_evaluation else 0.5)
        upward = {
            "meetings": pol.meetings_per_month * p["meeting_hours"] * p["meeting_attendees"],
            "inspections": street.inspections_this_month * p["inspection_prep_hours"],
            "ledgers": ledger_hours,
            "plaques": pol.plaques * p["plaque_hours"],
        }
        economy = p["economic_activity_hours"] if pol.economic_activity else 0.0
        mandatory = sum(upward.values()) + economy
        free = max(0.0, total - mandatory)

        tasks = self.backlog + self.incoming
        bought = self.incoming * p["hours_per_admin_task"] * p["transfer_payment_hours_share"] \
            if pol.funding_follows_tasks else 0.0
        admin_demand = max(0.0, tasks * p["hours_per_admin_task"] - bought)
        visits_wanted = vulnerable_households / scale * p["visits_per_vulnerable_quarter"] / 3.0
        request_demand = queue / scale * p["hours_per_request"]
        visit_demand = visits_wanted * p["hours_per_visit"]
        service_demand = request_demand + visit_demand

        w = self.orientation
        wa, ws = (1 - w) * admin_demand, w * service_demand
        h_admin = min(admin_demand, free * wa / (wa + ws)) if wa + ws > 0 else 0.0
        h_service = min(service_demand, free - h_admin)
        h_admin = min(admin_demand, free - h_service)

        done = min(tasks, int((h_admin + bought) / p["hours_per_admin_task"] + 1e-9))
        self._complete(done)
        self.tasks_done_total += done
        self.completion += (1 / 6) * ((done / tasks if tasks else 1.0) - self.completion)

        share_req = request_demand / service_demand if service_demand > 0 else 1.0
        prod = self.productivity
        self.capacity = h_service * share_req / p["hours_per_request"] * prod * scale
        self.visits = h_service * (1 - share_req) / p["hours_per_visit"] * prod * scale
        self.recruitment = min(1.0, w * 3 * h_service / total + pol.social_org_recruitment)

        self.hours = {**upward, "tasks": h_admin, "service": h_service, "economy": economy,
                      "total": total}
        # Workload imposed from above this month (SF9: workers quit over the workload).
        self.burden = (mandatory + self.incoming * p["hours_per_admin_task"] - bought) / total

        # Agenda items: from above (meetings, inspections, batches of tasks) and from
        # residents (deliberation events, reports to the representative assembly, appraisal).
        up = pol.meetings_per_month * 2 + street.inspections_this_month * 2 + self.incoming / 25
        elected = pol.election_mode != "appointed" and self.election_satisfaction is not None
        assembly_reports = 4 / 12 if elected else 2 / 12   # reports to the residents' assembly
        res = (m.deliberation_events[self.index] * 3 + 2 * assembly_reports
               + 0.5 * pol.open_affairs + 0.5 * pol.resident_appraisal)
        self.agenda_up += (up - self.agenda_up) / 12
        self.agenda_residents += (res - self.agenda_residents) / 12

    def _complete(self, done: int) -> None:
        """Do ``done`` tasks, oldest first; tasks past the deadline go back to departments."""
        cohorts = self.cohorts + [self.incoming]
        for i, n in enumerate(cohorts):
            take = min(n, done)
            cohorts[i] -= take
            done -= take
        deadline = self.model.p["task_deadline_months"]
        self.returned = sum(cohorts[:-deadline]) if len(cohorts) > deadline else 0
        self.cohorts = cohorts[-deadline:]

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
        """Workers leave with a chance logistic in overload, pay and pension; skill moves."""
        m, p, pol = self.model, self.model.p, self.model.policy
        logit = (p["exit_intercept"] + p["exit_burden_weight"] * (min(self.burden, 3.0) - 1)
                 - p["exit_pay_weight"] * (pol.pay_level - 1) - p["exit_pension_weight"] * pol.pension)
        leaving = m.rng.random(self.skill.size) < sigmoid(logit)
        entry = p["entry_skill"] + (pol.training_skill if pol.training else 0.0)
        self.skill[leaving] = min(1.0, entry)
        self.skill += p["skill_learning"] * (1 - self.skill)
        self.exits.append(int(leaving.sum()))

    @property
    def turnover(self) -> float:
        """Exits in the last 12 months per worker, annualised when fewer months have passed."""
        if not self.exits:
            return 0.0
        return sum(self.exits) / len(self.exits) * 12 / self.skill.size


class AcceptanceCentre(mesa.Agent):
    """受理中心: serves residents' administrative needs and the transferred functions."""

    def __init__(self, model: GovernanceModel):
        super().__init__(model)
        p = model.p
        real_residents = p["residents_per_community"] * model.n_communities
        self.capacity = model.policy.centre_capacity_per_1000 * real_residents / 1000 * p["scale"]


class Resident(mesa.Agent):
    """A resident, as a view onto row ``row`` of the population arrays (no state of its own).

    Each name in FIELDS is a property that reads or writes the population array of that
    name at this row, so ``resident.trust`` and ``agents.get("trust")`` work as usual.
    """

    FIELDS = ("community", "household", "age_group", "employment", "vulnerable", "registered",
              "free_time", "civic_skill", "ties", "trust", "efficacy", "habit", "satisfaction",
              "aware", "req_age", "last_event", "last_volunteer", "last_deliberation", "last_vote")

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
