"""The evaluation index (docs/ODD.md §8): every metric per community and for the district.

District values aggregate counts across communities (ratio of sums) where a metric is a
ratio of counts or a per-resident quantity, and average community values where every
committee weighs the same (committee-level quantities: hours, agenda, workforce).
A ratio with nothing to count (no requests this month, no election yet) is 0.
The metrics read one MonthRecord per month (record.py); the only state of their own is the
rolling 12-month request counters behind the equity gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .constants import MONTHS_PER_QUARTER, MONTHS_PER_YEAR, PER_THOUSAND
from .states import AgeGroup, Group

if TYPE_CHECKING:
    from .record import MonthRecord


@dataclass(frozen=True)
class Metric:
    name: str
    label_en: str
    label_zh: str
    unit: str
    group: str
    # The smallest difference worth reporting (see MIN_EFFECTS); None: the default for the unit.
    min_effect: float | None = None
    # A net quantity that may be negative though its unit is a count (displacement: fewer tasks pushed
    # down than before the move); its intervals are then not bounded below.
    signed: bool = False

    def label(self, lang: str) -> str:
        """The label in ``lang`` ("zh" or "en"): the one way every page, table and figure names it."""
        return self.label_zh if lang == "zh" else self.label_en

    @property
    def smallest_effect(self) -> float:
        """The smallest difference from a reference worth calling a conclusion, in the metric's unit."""
        if self.min_effect is not None:
            return self.min_effect
        if self.name in MIN_EFFECTS:
            return MIN_EFFECTS[self.name][0]
        return MIN_EFFECT_BY_UNIT.get(self.unit, 0.0)


METRICS: tuple[Metric, ...] = (
    Metric("turnout", "Turnout (ballots / eligible, last election)", "投票率（选票/选民，上次选举）", "share", "participation"),
    Metric("personal_turnout", "Personal turnout (voted in person)", "亲自投票率", "share", "participation"),
    Metric("vote_age_gap", "Voted in person at the last election, oldest minus youngest group", "上次选举亲自投票率差距：老年减青年", "share", "equity"),
    Metric("deliberation_participation", "Took part in deliberation, last 12 months", "近 12 个月参与议事", "share", "participation"),
    Metric("volunteer_rate", "Volunteered, last 12 months", "近 12 个月做过志愿者", "share", "participation"),
    Metric("participation_any", "Took part in anything, last 12 months", "近 12 个月有任何参与", "share", "participation"),
    Metric("requests_resolved_share", "Requests resolved within 30 days (of requests concluded)", "30 天内解决的诉求比例（占已结束诉求）", "share", "service"),
    Metric("mean_wait_days", "Mean wait of served requests", "已解决诉求平均等待", "days", "service"),
    Metric("vulnerable_coverage", "Vulnerable households contacted, last quarter", "近一季度联系到的困难家庭", "share", "service"),
    Metric("satisfaction", "Resident satisfaction (mean)", "居民满意度（均值）", "index 0-1", "service"),
    Metric("admin_share", "Committee hours on administrative work", "居委会行政事务工时占比", "share", "burden"),
    Metric("ledgers", "Ledgers kept", "台账数", "ledgers", "burden"),
    Metric("plaques", "Nameplates", "挂牌数", "plaques", "burden"),
    Metric("inspections_per_year", "Inspections and rankings per year", "每年检查评比次数", "per year", "burden"),
    Metric("meetings_per_month", "Street meetings per month", "每月街道例会次数", "per month", "burden"),
    Metric("offloaded_tasks_per_worker", "Tasks pushed down per worker this month", "本月每名工作者承接的下派任务", "tasks", "burden"),
    Metric("resident_agenda_share", "Agenda items raised by residents", "居民提出的议题占比", "share", "autonomy"),
    Metric("trust", "Trust in the committee (mean)", "对居委会的信任（均值）", "index 0-1", "trust"),
    Metric("awareness", "Residents who know the committee", "知晓居委会的居民比例", "share", "trust"),
    Metric("isolated_share", "Residents who know no neighbour", "不认识任何邻居的居民比例", "share", "participation"),
    Metric("service_equity_gap", "Resolution rate, others minus vulnerable (12 months)", "解决率差距：其他减困难群体（12 个月）", "share", "equity"),
    Metric("participation_age_gap", "Participation, oldest minus youngest group", "参与率差距：老年减青年", "share", "equity"),
    Metric("unmet_need_share", "Needs resolved neither by a channel nor outside (12 months)", "既未经渠道也未在外部解决的需求比例（12 个月）", "share", "service"),
    Metric("vulnerable_unmet_gap", "Unmet need, vulnerable minus others (12 months)", "未满足需求差距：困难群体减其他（12 个月）", "share", "equity"),
    Metric("contested_seat_share", "Seats contested at the last election (差额)", "上次选举差额席位比例", "share", "participation"),
    Metric("incumbent_loss_share", "Seats incumbents lost at the last election", "上次选举连任者落选席位比例", "share", "participation"),
    Metric("cost_per_resolved", "Public cost per resolved request", "每件解决诉求的公共成本", "yuan", "cost"),
    Metric("department_cost", "Department spending on community work", "部门社区相关支出", "yuan/month", "cost"),
    Metric("worker_turnover", "Worker exits, last 12 months, per worker", "近 12 个月工作者离职率", "per year", "workforce"),
    Metric("worker_skill", "Worker skill (mean)", "工作者技能（均值）", "index 0-1", "workforce"),
    Metric("government_work_on_time_share", "Government tasks done by their deadline, whoever does them", "政府任务按期完成比例（无论由谁完成）", "share", "administration"),
    Metric("public_cost_per_resident_year", "Public spending per resident per year", "人均年度公共支出", "yuan/resident/year", "cost"),
    Metric("committee_backlog_tasks", "Pushed-down tasks pending per committee", "居委会积压的下派任务", "tasks", "administration"),
    Metric("transfer_compliance_share", "Task money that reached communities / money due (费随事转)", "随事下拨经费到位比例（费随事转）", "share", "administration"),
    Metric("elected_member_share", "Committee members in the elected decision layer", "经选举产生的决策层成员比例", "share", "participation"),
    Metric("committee_request_share", "Requests brought to the committee (of all requests to a channel)", "向居委会提出的诉求占比（占各渠道诉求）", "share", "service"),
    Metric("outside_resolved_share", "Needs resolved outside the channels (12 months)", "在服务渠道之外解决的需求比例（12 个月）", "share", "service"),
    Metric("referral_dead_end_share", "Committee referrals that reached no one (推诿)", "居委会转介无人受理的比例（推诿）", "share", "service"),
    Metric("displaced_tasks_per_worker", "Tasks pushed onto committees that a function move meant to take away, per worker this month", "职能移交后仍被转嫁给居委会的任务（每名工作者，本月）", "tasks", "burden", signed=True),
    Metric("disputes_unresolved_share", "Property disputes left unresolved (expected, this month)", "未解决的物业纠纷比例（期望值，本月）", "share", "service"),
    Metric("safety_incidents_per_1000_year", "Safety incidents per 1,000 residents a year (expected, at this month's rate)", "每千居民每年治安事件数（期望值，按本月速率）", "per 1000 per year", "service"),
    Metric("routine_same_day_share", "Routine walk-ins done the same day at the committee's counter", "居委会窗口当天办结的常规事务比例", "share", "service"),
)
# The smallest effect worth reporting per metric (value in the metric's unit, reason). A paired
# difference smaller than this never "holds" in a report, however consistent its sign. A metric
# not listed here takes the default for its unit.
MIN_EFFECTS: dict[str, tuple[float, str]] = {
    "turnout": (0.02, "two points of turnout is the smallest change an election office would notice"),
    "personal_turnout": (0.02, "as turnout"),
    "vote_age_gap": (0.02, "as turnout"),
    "deliberation_participation": (0.01, "one resident in a hundred joining deliberation is visible in a community"),
    "volunteer_rate": (0.01, "one resident in a hundred volunteering is visible in a community"),
    "participation_any": (0.01, "as the other participation shares"),
    "requests_resolved_share": (0.02, "two requests in a hundred resolved is what a service audit reports"),
    "mean_wait_days": (1.0, "residents notice waits in whole days"),
    "vulnerable_coverage": (0.02, "two vulnerable households in a hundred contacted"),
    "satisfaction": (0.02, "two points on the 0-1 index, about a tenth of a survey scale step"),
    "admin_share": (0.02, "two points of committee hours, about one hour a week per worker"),
    "ledgers": (1.0, "one ledger kept or dropped"),
    "plaques": (1.0, "one nameplate hung or taken down"),
    "inspections_per_year": (1.0, "one inspection or ranking a year"),
    "meetings_per_month": (0.5, "one street meeting every two months"),
    "offloaded_tasks_per_worker": (0.5, "half a task per worker per month"),
    "resident_agenda_share": (0.02, "two agenda items in a hundred"),
    "trust": (0.02, "two points on the 0-1 index, as satisfaction"),
    "awareness": (0.02, "two residents in a hundred who know the committee"),
    "isolated_share": (0.02, "two residents in a hundred with no neighbour they know"),
    "service_equity_gap": (0.01, "one point of resolution rate between groups"),
    "participation_age_gap": (0.01, "one point of participation between age groups"),
    "unmet_need_share": (0.01, "one need in a hundred left unmet"),
    "vulnerable_unmet_gap": (0.01, "one point of unmet need between groups"),
    "contested_seat_share": (0.05, "one seat in twenty contested"),
    "incumbent_loss_share": (0.05, "one seat in twenty changing hands"),
    "cost_per_resolved": (5.0, "five yuan per resolved request"),
    "department_cost": (1000.0, "a thousand yuan a month across the district's departments"),
    "worker_turnover": (0.02, "two exits per hundred workers a year"),
    "worker_skill": (0.02, "two points on the 0-1 skill index"),
    "government_work_on_time_share": (0.02, "two government tasks in a hundred done on time"),
    "public_cost_per_resident_year": (1.0, "one yuan per resident a year"),
    "displaced_tasks_per_worker": (0.5, "half a task per worker per month, as offloaded tasks"),
    "disputes_unresolved_share": (0.02, "two disputes in a hundred left unresolved"),
    "safety_incidents_per_1000_year": (1.0, "one incident per 1,000 residents a year"),
}
# Defaults for metrics added without an entry above, by unit.
MIN_EFFECT_BY_UNIT: dict[str, float] = {
    "share": 0.02, "index 0-1": 0.02, "days": 1.0, "per year": 1.0, "per month": 0.5, "tasks": 0.5,
    "ledgers": 1.0, "plaques": 1.0, "yuan": 5.0, "yuan/month": 1000.0, "yuan/resident/year": 1.0,
    "per 1000 per year": 1.0,
}


def min_effect(name: str) -> float:
    """The smallest effect worth reporting for metric ``name`` (0 for a name not in the registry)."""
    metric = METRIC_BY_NAME.get(name)
    return metric.smallest_effect if metric is not None else MIN_EFFECTS.get(name, (0.0,))[0]


METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
METRIC_BY_NAME = {m.name: m for m in METRICS}
# Metrics that do not exist before the first election: turnout, and the last election's contested
# and lost seats. The model records them as 0 then; the CSV files, figures and tables show them as
# absent. Turnout marks the first election: it is above 0 once one has been held, while the others can
# be 0 after one (no seat contested, none lost, everyone voting by proxy).
# A turnout of 0 in a summary made from the model's raw values means no election was held.
TURNOUTS = ("turnout", "personal_turnout")
NOT_YET_HELD = (*TURNOUTS, "contested_seat_share", "incumbent_loss_share")
ELECTION_MARKER = "turnout"


def _ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


class MetricsRecorder:
    """Turns each month's record into the evaluation index, per community and district."""

    def __init__(self, n_communities: int):
        # rolling 12-month counts of new requests and of those resolved within 30 days,
        # rows Group.OTHERS / Group.VULNERABLE
        self.requests = np.zeros((len(Group), n_communities))
        self.resolved = np.zeros((len(Group), n_communities))
        self.needs = np.zeros((len(Group), n_communities))     # every need, taken anywhere or not
        self.unmet = np.zeros((len(Group), n_communities))     # needs resolved neither by a channel nor outside
        self.outside = np.zeros((len(Group), n_communities))   # needs resolved outside the channels

    def measure(self, r: MonthRecord) -> tuple[np.ndarray, np.ndarray]:
        """Return (community values, shape C x M; district values, shape M) in METRICS order."""
        pop, month, out = r.population, r.month, r.service
        C, size = len(r.real_sizes), pop.sizes.astype(float)
        keep = (MONTHS_PER_YEAR - 1) / MONTHS_PER_YEAR
        self.requests = keep * self.requests + out.new_by_group
        self.resolved = keep * self.resolved + out.resolved_by_group
        self.needs = keep * self.needs + out.needs_by_group
        self.unmet = keep * self.unmet + out.unmet_by_group
        self.outside = keep * self.outside + out.outside_by_group

        def recent(stamps) -> np.ndarray:
            return pop.per_community(stamps > month - MONTHS_PER_YEAR)

        last_any = np.maximum(np.maximum(pop.last_event, pop.last_volunteer),
                              np.maximum(pop.last_deliberation, pop.last_vote))
        active = last_any > month - MONTHS_PER_YEAR
        active_old = pop.per_community(active & pop.is_old)
        active_young = pop.per_community(active & pop.is_young)
        n_age = pop.n_community_age
        vul_hh = pop.vulnerable_households
        covered = pop.per_community_hh(pop.hh_vulnerable & (pop.hh_last_contact > month - MONTHS_PER_QUARTER))

        resolved_real = out.served / r.scale
        spend = r.funding + r.department_spending / C
        eq_rate = _ratio(self.resolved, self.requests)
        unmet = _ratio(self.unmet, self.needs)
        held = r.elected.astype(float)
        counts = {
            "deliberation_participation": recent(pop.last_deliberation),
            "volunteer_rate": recent(pop.last_volunteer),
            "participation_any": pop.per_community(active),
            "satisfaction": pop.per_community(pop.satisfaction),
            "trust": pop.per_community(pop.trust),
            "awareness": pop.per_community(pop.aware),
            "isolated_share": pop.per_community(pop.ties == 0),
        }
        comm = {name: value / size for name, value in counts.items()} | {
            "turnout": r.turnout,
            "personal_turnout": r.personal_turnout,
            "vote_age_gap": r.voted_old - r.voted_young,
            "requests_resolved_share": _ratio(out.resolved_30, out.concluded),
            "mean_wait_days": _ratio(out.wait_days, out.served),
            "committee_request_share": _ratio(out.committee_new, out.new),
            "outside_resolved_share": _ratio(self.outside.sum(axis=0), self.needs.sum(axis=0)),
            "referral_dead_end_share": _ratio(out.dead_end, out.referred),
            "routine_same_day_share": _ratio(out.same_day, out.routine_walkins),
            "vulnerable_coverage": _ratio(covered, vul_hh),
            "admin_share": r.admin_hours / r.committee_hours,
            "ledgers": r.ledgers,
            "plaques": r.plaques,
            "inspections_per_year": r.inspections_per_year,
            "meetings_per_month": r.meetings_per_month,
            "offloaded_tasks_per_worker": r.incoming_tasks / r.workers_per_committee,
            "resident_agenda_share": r.agenda_share,
            "service_equity_gap": eq_rate[Group.OTHERS] - eq_rate[Group.VULNERABLE],
            "participation_age_gap": (_ratio(active_old, n_age[:, AgeGroup.OLD])
                                      - _ratio(active_young, n_age[:, AgeGroup.YOUNG])),
            "cost_per_resolved": _ratio(spend, resolved_real),
            "department_cost": np.full(C, r.department_spending / C),
            "worker_turnover": r.worker_turnover,
            "worker_skill": r.worker_skill,
            "government_work_on_time_share": _ratio(r.government_on_time, r.government_due),
            "public_cost_per_resident_year": r.public_spending * MONTHS_PER_YEAR / r.real_sizes,
            "unmet_need_share": _ratio(self.unmet.sum(axis=0), self.needs.sum(axis=0)),
            "vulnerable_unmet_gap": unmet[Group.VULNERABLE] - unmet[Group.OTHERS],
            "contested_seat_share": r.contested * held,
            "incumbent_loss_share": r.lost * held,
            "committee_backlog_tasks": r.committee_backlog,
            "transfer_compliance_share": _ratio(r.money_paid, r.money_due),
            "elected_member_share": r.elected_members,
            "displaced_tasks_per_worker": r.displaced_tasks / r.workers_per_committee,
            "disputes_unresolved_share": _ratio(r.disputes_unresolved, r.disputes),
            "safety_incidents_per_1000_year": r.incidents * MONTHS_PER_YEAR * PER_THOUSAND / r.real_sizes,
        }
        community = np.column_stack([comm[name] for name in METRIC_NAMES])

        district = community.mean(axis=0)
        # Per-resident shares and ratios of counts pool the communities (they may differ in size).
        eligible = pop.per_community(pop.registered)
        pooled = {name: value.sum() / size.sum() for name, value in counts.items()} | {
            # over the communities that have held an election (a pilot's few do not dilute it)
            "turnout": _ratio((r.turnout * eligible * held).sum(), (eligible * held).sum()),
            "personal_turnout": _ratio((r.personal_turnout * eligible * held).sum(), (eligible * held).sum()),
            "vote_age_gap": (_ratio((r.voted_old * n_age[:, AgeGroup.OLD] * held).sum(), (n_age[:, AgeGroup.OLD] * held).sum())
                             - _ratio((r.voted_young * n_age[:, AgeGroup.YOUNG] * held).sum(),
                                      (n_age[:, AgeGroup.YOUNG] * held).sum())),
            "requests_resolved_share": _ratio(out.resolved_30.sum(), out.concluded.sum()),
            "committee_request_share": _ratio(out.committee_new.sum(), out.new.sum()),
            "outside_resolved_share": _ratio(self.outside.sum(), self.needs.sum()),
            "referral_dead_end_share": _ratio(out.dead_end.sum(), out.referred.sum()),
            "routine_same_day_share": _ratio(out.same_day.sum(), out.routine_walkins.sum()),
            "mean_wait_days": _ratio(out.wait_days.sum(), out.served.sum()),
            "vulnerable_coverage": _ratio(covered.sum(), vul_hh.sum()),
            "service_equity_gap": (_ratio(self.resolved[Group.OTHERS].sum(), self.requests[Group.OTHERS].sum())
                                   - _ratio(self.resolved[Group.VULNERABLE].sum(),
                                            self.requests[Group.VULNERABLE].sum())),
            "participation_age_gap": (_ratio(active_old.sum(), n_age[:, AgeGroup.OLD].sum())
                                      - _ratio(active_young.sum(), n_age[:, AgeGroup.YOUNG].sum())),
            "cost_per_resolved": _ratio(spend.sum(), resolved_real.sum()),
            "department_cost": r.department_spending,
            "government_work_on_time_share": _ratio(r.government_on_time.sum(), r.government_due.sum()),
            "public_cost_per_resident_year": r.public_spending.sum() * MONTHS_PER_YEAR / r.real_sizes.sum(),
            "unmet_need_share": _ratio(self.unmet.sum(), self.needs.sum()),
            "vulnerable_unmet_gap": (_ratio(self.unmet[Group.VULNERABLE].sum(), self.needs[Group.VULNERABLE].sum())
                                     - _ratio(self.unmet[Group.OTHERS].sum(), self.needs[Group.OTHERS].sum())),
            # seats are equal across committees: pool the committees that have held an election
            "contested_seat_share": _ratio((r.contested * held).sum(), held.sum()),
            "incumbent_loss_share": _ratio((r.lost * held).sum(), held.sum()),
            "transfer_compliance_share": _ratio(r.money_paid.sum(), r.money_due.sum()),
            "disputes_unresolved_share": _ratio(r.disputes_unresolved.sum(), r.disputes.sum()),
            "safety_incidents_per_1000_year": r.incidents.sum() * MONTHS_PER_YEAR * PER_THOUSAND / r.real_sizes.sum(),
        }
        for name, value in pooled.items():
            district[METRIC_NAMES.index(name)] = float(value)
        return community, district
