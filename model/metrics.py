"""The evaluation index (DESIGN.md §3): every metric per community and for the district.

District values aggregate counts across communities (ratio of sums) where a metric is a
ratio of counts, and average community values where every community weighs the same
(communities have equal simulated populations and equal committee hours).
A ratio with nothing to count (no requests this month, no election yet) is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .population import OLD, YOUNG

if TYPE_CHECKING:
    from .governance import GovernanceModel
    from .population import ServiceOutcome


@dataclass(frozen=True)
class Metric:
    name: str
    label_en: str
    label_zh: str
    unit: str
    group: str


METRICS: tuple[Metric, ...] = (
    Metric("turnout", "Turnout (ballots / eligible, last election)", "投票率（选票/选民，上次选举）", "share", "participation"),
    Metric("personal_turnout", "Personal turnout (voted in person)", "亲自投票率", "share", "participation"),
    Metric("deliberation_participation", "Took part in deliberation, last 12 months", "近 12 个月参与议事", "share", "participation"),
    Metric("volunteer_rate", "Volunteered, last 12 months", "近 12 个月做过志愿者", "share", "participation"),
    Metric("participation_any", "Took part in anything, last 12 months", "近 12 个月有任何参与", "share", "participation"),
    Metric("requests_resolved_share", "Requests resolved within 30 days", "30 天内解决的诉求比例", "share", "service"),
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
    Metric("service_equity_gap", "Resolution rate, others minus vulnerable (12 months)", "解决率差距：其他减困难群体（12 个月）", "share", "equity"),
    Metric("participation_age_gap", "Participation, oldest minus youngest group", "参与率差距：老年减青年", "share", "equity"),
    Metric("cost_per_resolved", "Public cost per resolved request", "每件解决诉求的公共成本", "yuan", "cost"),
    Metric("department_cost", "Department spending on community work", "部门社区相关支出", "yuan/month", "cost"),
    Metric("worker_turnover", "Worker exits, last 12 months, per worker", "近 12 个月工作者离职率", "per year", "workforce"),
    Metric("worker_skill", "Worker skill (mean)", "工作者技能（均值）", "index 0-1", "workforce"),
)
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
METRIC_BY_NAME = {m.name: m for m in METRICS}


def _ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def measure(model: GovernanceModel, out: ServiceOutcome) -> tuple[np.ndarray, np.ndarray]:
    """Return (community values, shape C x M; district values, shape M) in METRICS order."""
    pop, pol, p, month = model.population, model.policy, model.p, model.month
    C, size, scale = model.n_communities, pop.size, p["scale"]
    cms = model.committees

    def recent(stamps) -> np.ndarray:
        return pop.per_community(stamps > month - 12)

    last_any = np.maximum(np.maximum(pop.last_event, pop.last_volunteer),
                          np.maximum(pop.last_deliberation, pop.last_vote))
    active = last_any > month - 12
    active_old = pop.count_in_group(active, pop.is_old)
    active_young = pop.count_in_group(active, pop.is_young)
    n_age = pop.n_community_age
    vul_hh = pop.vulnerable_households
    covered = pop.per_community_hh(pop.hh_vulnerable & (pop.hh_last_contact >= month - 2))

    total_hours = np.array([c.hours["total"] for c in cms])
    admin_hours = np.array([c.admin_hours for c in cms])
    workers = p["workers_per_committee"]
    dept_total = model.department_spending()
    committee_spend = np.array([c.funding for c in cms])
    resolved_real = out.served / scale
    spend = committee_spend + dept_total / C

    eq_rate = _ratio(pop.eq_res, pop.eq_req)
    comm = {
        "turnout": model.turnout,
        "personal_turnout": model.personal_turnout,
        "deliberation_participation": recent(pop.last_deliberation) / size,
        "volunteer_rate": recent(pop.last_volunteer) / size,
        "participation_any": pop.per_community(active) / size,
        "requests_resolved_share": _ratio(out.resolved_30, out.new),
        "mean_wait_days": _ratio(out.wait_days, out.served),
        "vulnerable_coverage": _ratio(covered, vul_hh),
        "satisfaction": pop.per_community(pop.satisfaction) / size,
        "admin_share": admin_hours / total_hours,
        "ledgers": np.full(C, float(pol.ledgers)),
        "plaques": np.full(C, float(pol.plaques)),
        "inspections_per_year": np.full(C, float(pol.inspections_per_year)),
        "meetings_per_month": np.full(C, float(pol.meetings_per_month)),
        "offloaded_tasks_per_worker": np.array([c.incoming for c in cms]) / workers,
        "resident_agenda_share": np.array([c.agenda_share for c in cms]),
        "trust": pop.per_community(pop.trust) / size,
        "awareness": pop.per_community(pop.aware) / size,
        "service_equity_gap": eq_rate[0] - eq_rate[1],
        "participation_age_gap": _ratio(active_old, n_age[:, OLD]) - _ratio(active_young, n_age[:, YOUNG]),
        "cost_per_resolved": _ratio(spend, resolved_real),
        "department_cost": np.full(C, dept_total / C),
        "worker_turnover": np.array([c.turnover for c in cms]),
        "worker_skill": np.array([c.skill for c in cms]).mean(axis=1),
    }
    community = np.column_stack([comm[name] for name in METRIC_NAMES])

    district = community.mean(axis=0)
    pooled = {
        "requests_resolved_share": _ratio(out.resolved_30.sum(), out.new.sum()),
        "mean_wait_days": _ratio(out.wait_days.sum(), out.served.sum()),
        "vulnerable_coverage": _ratio(covered.sum(), vul_hh.sum()),
        "service_equity_gap": (_ratio(pop.eq_res[0].sum(), pop.eq_req[0].sum())
                               - _ratio(pop.eq_res[1].sum(), pop.eq_req[1].sum())),
        "participation_age_gap": (_ratio(active_old.sum(), n_age[:, OLD].sum())
                                  - _ratio(active_young.sum(), n_age[:, YOUNG].sum())),
        "cost_per_resolved": _ratio(spend.sum(), resolved_real.sum()),
        "department_cost": dept_total,
    }
    for name, value in pooled.items():
        district[METRIC_NAMES.index(name)] = float(value)
    return community, district
