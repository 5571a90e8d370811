"""The residents' committees' state as arrays over communities, and their monthly rules
vectorised across committees.

A committee's rules are a few scalar equations, and there are only tens of committees, so
running them one committee at a time cost more Python overhead than arithmetic. Here each
rule runs once for a set of committees ``idx`` (index arrays in community order): the model
passes all of them, a ``Committee`` agent (agents.py, a view onto one index) passes its own.
Every equation keeps the order of operations of the scalar rule it replaced, and the draws
are made committee by committee in index order, so a seed gives the same run as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .constants import EPSILON, MONTHS_PER_QUARTER, MONTHS_PER_YEAR, PER_THOUSAND
from .population import sigmoid

if TYPE_CHECKING:
    from .types import CommitteeModel

UPWARD = ("meetings", "inspections", "ledgers", "plaques")
"""Hours of mandatory upward work, in the order they are summed."""
ADMIN = (*UPWARD, "tasks")
"""Hours that count as administrative work, in the order they are summed."""
HOUR_USES = (*ADMIN, "service", "economy", "counter", "bought", "total")
"""The keys of ``CommitteeArrays.hours``: own hours by use, hours bought outside with task
money (not part of ``total``), and the month's total of own hours."""


class CommitteeArrays:
    """Every committee's state, one entry (a row of ``skill``) per community.

    Field meanings are those of the Committee agent's attributes (docs/ODD.md §2.2)."""

    def __init__(self, model: CommitteeModel):
        self.model = model
        p, C = model.values, model.n_communities
        W = p["workers_per_committee"]
        self.all = np.arange(C)
        self.skill = np.empty((C, W))
        for c in range(C):      # one draw per committee, in community order
            self.skill[c] = np.clip(model.rng.normal(p["initial_skill_mean"], p["initial_skill_sd"], W), 0, 1)
        self.exits = np.zeros((MONTHS_PER_YEAR, C), dtype=np.int64)   # ring of the last 12 months' exits
        self.exit_months = 0                                           # months recorded in the ring
        self.incoming = np.zeros(C, dtype=np.int64)
        self.inspections = np.zeros(C, dtype=np.int64)
        self.refused = np.zeros(C, dtype=np.int64)
        self.done = np.zeros(C)                 # tasks completed this month
        self.lean = np.zeros(C)                 # adapted shift of weight toward upward work (see adapt)
        self.trained = np.zeros(C, dtype=np.int64)   # workers trained this month (a cost)
        self.funding = np.full(C, float(p["funding_base"]))
        self.completion = np.ones(C)            # smoothed share of assigned tasks done
        self.appraisal = np.full(C, float(p["initial_satisfaction"]))   # residents' mean satisfaction
        self.resolution = np.full(C, float(p["initial_resolution"]))    # smoothed 30-day resolution share
        self.agenda_up = np.full(C, EPSILON)
        self.agenda_residents = np.full(C, EPSILON)
        self.deliberation_events = np.zeros(C, dtype=np.int64)
        self.certified = np.zeros(C, dtype=bool)
        self.hours: dict[str, np.ndarray] = {}  # this month's hours by use (empty before the first month)
        self.burden = np.ones(C)
        self.capacity = np.zeros(C)
        self.visits = np.zeros(C)
        self.recruitment = np.zeros(C)
        self.tasks_done_total = np.zeros(C)
        self.money = np.zeros(C)            # task money that reached the committee this month, yuan
        self.money_due = np.zeros(C)        # task money due for this month's tasks, yuan
        self.assigned = np.zeros(C)         # tasks pushed down since the last inspection
        self.overdue = np.zeros(C)          # tasks overdue beyond the limit since the last inspection
        self.overdue_veto = np.zeros(C)     # of which veto items (一票否决)
        self.overdue_rate = np.zeros(C)     # overdue tasks per task pushed down, smoothed (owners' memory)

    def lever(self, name: str, idx: np.ndarray) -> np.ndarray:
        """A lever in force in the communities ``idx``."""
        return self.model.values[name][idx]

    # ------------------------------------------------------------------ derived values
    def appraisal_weight(self, idx: np.ndarray) -> np.ndarray:
        """Weight of resident appraisal in the evaluation (0 without appraisal)."""
        return np.where(self.lever("resident_appraisal", idx).astype(bool),
                        self.lever("appraisal_weight", idx).astype(float), 0.0)

    def elected_share(self, idx: np.ndarray) -> np.ndarray:
        """Share of the committee's members in the elected decision layer (决策层): the
        ``elected_seats`` lever where the mandate is elected, none under an appointment."""
        elected = self.model.elections.mandate[idx] != "appointed"
        return np.where(elected, self.lever("elected_seats", idx).astype(float), 0.0)

    def orientation(self, idx: np.ndarray) -> np.ndarray:
        """Weight on residents' demands, by layer (决策层 above 执行层, under the party's 领导层).

        Hired executive workers answer to the street office's pay and appraisal: the appointed
        weight less what they have learned its evaluation rewards (``lean``). Elected members
        answer to voters (elections.py), pulled toward the party's line, which is the street
        office's, as far as the party secretary is cross-appointed (交叉任职) into the committee.
        The committee's weight is the layers' weights by their shares of members."""
        p = self.model.values
        hired = np.clip(self.model.elections.appointed_orientation(idx) - self.lean[idx],
                        p["orientation_min"], p["orientation_max"])
        voted = self.model.elections.orientations(idx)
        party = self.model.elections.appointed_orientation(idx)
        voted = voted - self.lever("cross_appointment", idx) * p["party_pull"] * (voted - party)
        share = self.elected_share(idx)
        return np.clip(share * voted + (1 - share) * hired, p["orientation_min"], p["orientation_max"])

    def productivity(self, idx: np.ndarray) -> np.ndarray:
        p = self.model.values
        base = p["productivity_base"] + p["productivity_skill_weight"] * self.skill[idx].mean(axis=1)
        return (base * (1 + p["facility_productivity_boost"] * self.lever("facilities_level", idx))
                * (1 + p["social_org_productivity_boost"] * self.lever("social_organizations_active", idx)))

    def agenda_share(self, idx: np.ndarray) -> np.ndarray:
        return self.agenda_residents[idx] / (self.agenda_residents[idx] + self.agenda_up[idx])

    def admin_hours(self, idx: np.ndarray) -> np.ndarray:
        total = np.zeros(len(idx))
        for k in ADMIN:
            total = total + (self.hours[k][idx] if self.hours else 0.0)
        return total

    def turnover(self, idx: np.ndarray) -> np.ndarray:
        """Exits in the last 12 months per worker, annualised when fewer months have passed."""
        if not self.exit_months:
            return np.zeros(len(idx))
        months = min(self.exit_months, MONTHS_PER_YEAR)
        return self.exits[:, idx].sum(axis=0) / months * MONTHS_PER_YEAR / self.skill.shape[1]

    def service_level(self, idx: np.ndarray) -> np.ndarray:
        """The service level residents with nothing pending perceive (their satisfaction
        drifts toward it): the committee's resolution record, facilities, open affairs."""
        p = self.model.values
        return (p["quality_base"] + p["quality_resolution_weight"] * self.resolution[idx]
                + p["quality_facilities_weight"] * np.minimum(1.0, self.lever("facilities_level", idx))
                + p["quality_open_affairs_weight"] * self.lever("open_affairs", idx))

    def event_seats(self, idx: np.ndarray, simulated_residents: np.ndarray) -> np.ndarray:
        """Event places this month: capacity per resident, more with renovated facilities, scaled
        by the committee's budget (its funding plus any income from economic activity)."""
        p = self.model.values
        income = np.where(self.lever("economic_activity", idx).astype(bool), p["economic_income"], 0.0)
        budget = (self.funding[idx] + income) / max(p["funding_base"] + p["economic_income"], EPSILON)
        return (p["event_seats_per_1000"] * simulated_residents / PER_THOUSAND
                * (1 + p["facility_seats_boost"] * self.lever("facilities_level", idx)) * budget)

    def procedural_trust(self, idx: np.ndarray) -> np.ndarray:
        """Monthly trust residents gain from open affairs and resident appraisal (half each)."""
        p = self.model.values
        # as numbers: two boolean arrays would add as "or", and both reforms would give half
        both = self.lever("open_affairs", idx).astype(float) + self.lever("resident_appraisal", idx).astype(float)
        return p["procedural_trust"] * both / 2

    # ------------------------------------------------------------------ rules
    def certify(self, idx: np.ndarray) -> None:
        self.skill[idx] = np.minimum(1.0, self.skill[idx] + self.model.values["training_skill"])
        self.certified[idx] = True
        self.trained[idx] += self.skill.shape[1]

    def adapt(self, idx: np.ndarray, stake: float, overdue: np.ndarray | float = 0.0) -> None:
        """After a ranking: shift weight toward the side of the work whose shortfall costs the
        most score, in proportion to the money at stake, and toward upward work as far as the
        street office criticised overdue tasks (the ``overdue`` share of tasks assigned) at the
        weekly meeting (bounded; no stake and no criticism, no shift).

        The score is (1 - a) * completion + a * appraisal with a the appraisal weight."""
        p = self.model.values
        a = self.appraisal_weight(idx)
        gap = (1 - a) * (1 - self.completion[idx]) - a * (1 - self.appraisal[idx])
        shift = p["adaptation_rate"] * stake * gap + p["criticism_lean"] * overdue
        self.lean[idx] = np.clip(self.lean[idx] + shift, -p["max_lean"], p["max_lean"])

    def draw_events(self, idx: np.ndarray) -> np.ndarray:
        """This month's deliberation events and assembly reports, committee by committee:
        sets ``deliberation_events`` and returns the reports made to an assembly that met."""
        m = self.model
        per_year = self.lever("hearings_per_year", idx) + self.lever("forums_per_year", idx)
        reports = np.zeros(len(idx), dtype=np.int64)
        for row, c in enumerate(idx):
            self.deliberation_events[c] = (int(m.rng.poisson(per_year[row] / MONTHS_PER_YEAR))
                                           if per_year[row] > 0 else 0)
            reports[row] = self.assembly_meetings(c)
        return reports

    def assembly_meetings(self, c: int) -> int:
        """Reports committee ``c`` makes this month to a residents' assembly that meets: a
        meeting it calls counts only if a quorum of representatives attends."""
        m, p = self.model, self.model.values
        per_year = p["assembly_reports_per_year_elected" if m.elections.elected(c)
                     else "assembly_reports_per_year_appointed"]
        called = int(m.rng.poisson(per_year / MONTHS_PER_YEAR))
        if not called:
            return 0
        households = m.population.hh_comm_start[c + 1] - m.population.hh_comm_start[c]
        seats = max(1, round(households * p["representatives_per_household"]))
        present = m.rng.binomial(seats, p["representative_turnout"], called)
        return int((present >= p["assembly_quorum"] * seats).sum())

    # ------------------------------------------------------------------ the hour plan
    # A month of a committee's hours is planned in the fixed order of plan_month: mandatory
    # upward work, the counter allowance, hours bought with task money, then the free hours
    # split between pushed-down tasks and resident service by the weight on residents. Each
    # step is one method below, so a rule about one part of the plan changes one method.
    def mandatory_hours(self, idx: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Upward work the committee cannot refuse (by kind, in UPWARD order) and the hours of
        economic activity where it runs one."""
        p, overhead = self.model.values, self.model.government.practiced
        evaluated = np.where(self.lever("ledgers_in_evaluation", idx).astype(bool), 1.0,
                             p["ledger_hours_unevaluated_share"])
        upward = {
            "meetings": overhead["meetings_per_month"][idx] * p["meeting_hours"] * p["meeting_attendees"],
            "inspections": self.inspections[idx] * p["inspection_prep_hours"],
            "ledgers": overhead["ledgers"][idx] * p["ledger_hours"] * evaluated,
            "plaques": overhead["plaques"][idx] * p["plaque_hours"],
        }
        economy = np.where(self.lever("economic_activity", idx).astype(bool), p["economic_activity_hours"], 0.0)
        return upward, economy

    def counter_hours(self, idx: np.ndarray, free: np.ndarray, tasks: np.ndarray) -> np.ndarray:
        """Hours kept at the counter for routine walk-ins before the rest is split: the
        allowance the committee would keep, less a share of it as pending pushed-down work
        (``tasks``) fills the free hours; never more than the free hours."""
        p = self.model.values
        wanted = p["counter_hours_per_day"] * p["counter_days_per_month"]
        with np.errstate(divide="ignore", invalid="ignore"):
            pressure = np.where(free > 0, np.minimum(1.0, tasks * p["hours_per_admin_task"] / free), 1.0)
        return np.minimum(free, wanted * (1 - p["counter_pressure_weight"] * pressure))

    def counter_capacity(self, idx: np.ndarray) -> np.ndarray:
        """Routine matters the counter hours can do this month (simulated residents)."""
        p = self.model.values
        return self.hours["counter"][idx] / p["hours_per_routine"] * p["scale"]

    def bought_hours(self, idx: np.ndarray) -> np.ndarray:
        """Hours of temporary 协管员 bought with the task money that reached the committee this
        month: money over their wage, no more than the pending tasks' hours (the rest of the
        money is not spent)."""
        p = self.model.values
        tasks = self.model.committee_backlog()[idx]
        return np.minimum(self.money[idx] / p["coordinator_wage"], tasks * p["hours_per_admin_task"])

    def inspection_chance(self, idx: np.ndarray) -> np.ndarray:
        """The chance the committee expects an inspection to find an ordinary task it lets
        slide before its owner acts on it: at least one inspection in the months up to the
        escalation limit, at the rate inspections are practised."""
        p = self.model.values
        rate = self.model.government.practiced["inspections_per_year"][idx] / MONTHS_PER_YEAR
        return 1 - np.exp(-rate * p["escalation_limit_months"])

    def admin_demand(self, idx: np.ndarray, tasks: np.ndarray, bought: np.ndarray) -> np.ndarray:
        """Own hours the pending pushed-down ``tasks`` would take, after the bought hours, as
        far as the committee means to do them: veto items (一票否决) all; ordinary tasks as far
        as it expects an inspection to find them undone (``slide_weight`` 0: all of them)."""
        p = self.model.values
        veto = np.minimum(self.model.committee_veto.backlog[idx], tasks)
        kept = 1 - p["slide_weight"] * (1 - self.inspection_chance(idx))
        return np.maximum(0.0, (veto + (tasks - veto) * kept) * p["hours_per_admin_task"] - bought)

    def service_demand(self, idx: np.ndarray, queue: np.ndarray,
                       vulnerable_households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hours resident service would take: casework on the pending ``queue`` and visits to
        vulnerable households. Returns (request hours, visit hours)."""
        p = self.model.values
        scale = p["scale"]
        visits_wanted = vulnerable_households / scale * p["visits_per_vulnerable_quarter"] / MONTHS_PER_QUARTER
        return queue / scale * p["hours_per_request"], visits_wanted * p["hours_per_visit"]

    def residents_weight(self, idx: np.ndarray) -> np.ndarray:
        """Weight on residents' matters in the split of free hours: the orientation, moved
        toward residents by the share of the agenda residents set (their items enter the
        plan; ``agenda_plan_weight`` 0: the agenda changes no hour)."""
        w = self.orientation(idx)
        return w + self.model.values["agenda_plan_weight"] * self.agenda_share(idx) * (1 - w)

    def plan_month(self, idx: np.ndarray, queue: np.ndarray, vulnerable_households: np.ndarray,
                   tasks: np.ndarray) -> None:
        """(5) Split the month's hours: mandatory upward work first, then the counter
        allowance, then admin tasks (``tasks`` undone, this month's included) and resident
        service weighted by the weight on residents; set service capacity and outreach.

        Fills ``hours`` by use (the keys of HOUR_USES) for the committees ``idx``."""
        m, p = self.model, self.model.values
        self.trained[idx] = 0
        train = self.lever("training", idx).astype(bool)
        if (train & ~self.certified[idx]).any():
            self.certify(idx[train & ~self.certified[idx]])
        reports = self.draw_events(idx)
        scale = p["scale"]
        total = p["workers_per_committee"] * p["hours_per_worker_month"]
        incoming = self.incoming[idx]
        upward, economy = self.mandatory_hours(idx)
        mandatory = upward["meetings"] + upward["inspections"] + upward["ledgers"] + upward["plaques"] + economy
        free = np.maximum(0.0, total - mandatory)
        counter = self.counter_hours(idx, free, tasks)
        free = free - counter

        bought = self.bought_hours(idx)
        admin_demand = self.admin_demand(idx, tasks, bought)
        request_demand, visit_demand = self.service_demand(idx, queue, vulnerable_households)
        service_demand = request_demand + visit_demand

        # Free hours are split by the weight on each side times its pending hours raised to
        # backlog_pull (0: a fixed share of the month; 1: in proportion to the weighted queues);
        # veto items first; hours one side cannot use go to the other.
        w, pull = self.residents_weight(idx), p["backlog_pull"]
        with np.errstate(invalid="ignore"):     # no pending work draws no hours, whatever the pull
            wa = (1 - w) * np.where(admin_demand > 0, admin_demand ** pull, 0.0)
            ws = w * np.where(service_demand > 0, service_demand ** pull, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(wa + ws > 0, wa / (wa + ws), 0.0)
        veto_hours = np.minimum(admin_demand, np.maximum(
            0.0, self.model.committee_veto.backlog[idx] * p["hours_per_admin_task"] - bought))
        h_admin = np.minimum(admin_demand, np.minimum(free, np.maximum(veto_hours, share * free)))
        h_service = np.minimum(service_demand, free - h_admin)
        h_admin = np.minimum(admin_demand, free - h_service)

        done = np.minimum(tasks, np.trunc((h_admin + bought) / p["hours_per_admin_task"] + EPSILON))
        self.done[idx] = done
        self.tasks_done_total[idx] += done
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(tasks != 0, done / tasks, 1.0)
            share_req = np.where(service_demand > 0, request_demand / service_demand, 1.0)
        self.completion[idx] += (ratio - self.completion[idx]) / p["completion_memory_months"]

        prod = self.productivity(idx)
        self.capacity[idx] = h_service * share_req / p["hours_per_request"] * prod * scale
        self.visits[idx] = h_service * (1 - share_req) / p["hours_per_visit"] * prod * scale
        self.recruitment[idx] = np.minimum(
            1.0, w * p["recruitment_service_factor"] * h_service / total
            + p["social_org_recruitment_boost"] * self.lever("social_organizations_active", idx))

        hours = {**upward, "tasks": h_admin, "service": h_service, "economy": economy,
                 "counter": counter, "bought": bought, "total": np.full(len(idx), total, dtype=float)}
        if not self.hours:
            self.hours = {k: np.zeros(m.n_communities) for k in hours}
        for k, v in hours.items():
            self.hours[k][idx] = v
        # Workload imposed from above this month (SF9: workers quit over the workload).
        self.burden[idx] = (mandatory + incoming * p["hours_per_admin_task"] - bought) / total
        self.count_agenda(idx, reports, queue)

    def count_agenda(self, idx: np.ndarray, reports: np.ndarray, queue: np.ndarray | None = None) -> None:
        """Agenda items from above (meetings, inspections, batches of tasks) and from residents
        (items raised by attendees of last month's deliberation events, ``reports`` to the
        residents' assembly when it meets, open affairs, appraisal, and the pending needs
        representatives carry to the assembly from the households they are linked to)."""
        m, p = self.model, self.model.values
        up = (m.government.practiced["meetings_per_month"][idx] * p["agenda_items_per_meeting"]
              + self.inspections[idx] * p["agenda_items_per_inspection"]
              + self.incoming[idx] / p["tasks_per_agenda_item"])
        raised = m.population.raised_items[idx] / p["scale"] / p["agenda_raisers_per_item"]
        residents = (raised + reports * p["agenda_items_per_report"]
                     + p["agenda_items_open_affairs"] * self.lever("open_affairs", idx)
                     + p["agenda_items_appraisal"] * self.lever("resident_appraisal", idx))
        if queue is not None:
            residents = residents + self.representative_items(idx, reports, queue)
        memory = p["agenda_memory_months"]
        self.agenda_up[idx] += (up - self.agenda_up[idx]) / memory
        self.agenda_residents[idx] += (residents - self.agenda_residents[idx]) / memory

    def representative_items(self, idx: np.ndarray, reports: np.ndarray, queue: np.ndarray) -> np.ndarray:
        """Items representatives bring to the assembly meetings that met, where the liaison system
        (居民代表联系制度, lever ``representative_liaison``) is in force: each
        representative present is linked to 1 / ``representatives_per_household`` households
        and raises their pending needs if any of them has one (pending requests spread over the
        households); ``agenda_raisers_per_item`` of them make an item."""
        m, p = self.model, self.model.values
        households = np.maximum(np.diff(m.population.hh_comm_start)[idx], 1)
        pending = np.minimum(1.0, queue / households)
        linked = 1 / p["representatives_per_household"]
        carrying = 1 - (1 - pending) ** linked
        present = households * p["representatives_per_household"] * p["representative_turnout"]
        liaison = self.lever("representative_liaison", idx).astype(float)
        return liaison * reports * present * carrying / p["scale"] / p["agenda_raisers_per_item"]

    def observe(self, idx: np.ndarray, resolved_share: np.ndarray, satisfaction: np.ndarray) -> None:
        """After the month: residents' satisfaction is what appraisal reads; the resolution
        record is smoothed."""
        self.appraisal[idx] = satisfaction
        self.resolution[idx] += (resolved_share - self.resolution[idx]) / self.model.values["resolution_memory_months"]

    def workforce_step(self, idx: np.ndarray) -> None:
        """(8) Workers leave with a chance logistic in overload, pay and pension; skill moves.
        Exits are recorded for all committees at once (``idx`` is every committee)."""
        m, p = self.model, self.model.values
        overload = np.minimum(self.burden[idx], p["exit_burden_cap"]) - 1
        logit = (p["exit_intercept"] + p["exit_burden_weight"] * overload
                 - p["exit_pay_weight"] * (self.lever("pay_level", idx) - 1)
                 - p["exit_pension_weight"] * self.lever("pension", idx))
        skill = self.skill[idx]
        leaving = m.rng.random(skill.shape) < sigmoid(logit)[:, None]
        train = self.lever("training", idx).astype(bool)
        entry = p["entry_skill"] + np.where(train, p["training_skill"], 0.0)
        exits = leaving.sum(axis=1)
        self.trained[idx] += np.where(train, exits, 0)      # new workers are trained too
        skill = np.where(leaving, np.minimum(1.0, entry)[:, None], skill)
        skill += p["skill_learning"] * (1 - skill)
        self.skill[idx] = skill
        self.exits[self.exit_months % MONTHS_PER_YEAR, idx] = exits
        self.exit_months += 1

    def replace_lost(self, idx: np.ndarray, lost: np.ndarray) -> None:
        """(7) Newcomers take the seats incumbents lost at an election (``lost``: a row of seats
        per committee of ``idx``), with entry skill, trained where training is in force. The
        elections decide who loses; what a newcomer brings is the committee's state."""
        p = self.model.values
        entry = p["entry_skill"]
        for row, c in enumerate(idx):
            if lost[row].any():
                bonus = p["training_skill"] if self.lever("training", c) else 0.0
                self.skill[c, lost[row]] = min(1.0, entry + bonus)
