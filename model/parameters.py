"""One registry for every parameter: default, unit, range, English and Chinese label, source.

Base parameters have plain names (``tasks_per_community_month``). Reform parameters are
named ``<reform kind>.<name>`` (``burden_reduction.ledgers``) and are set in a scenario's
``[[reforms]]`` entry. Sources are a stylized-fact key (SF1..SF13 in STYLIZED_FACTS.md),
``seed report`` (the Nanjing district report) or ``assumption``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ELECTION_MODES = ("appointed", "representative", "household", "resident")


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    unit: str
    low: float | None
    high: float | None
    label_en: str
    label_zh: str
    source: str
    choices: tuple[str, ...] | None = None

    @property
    def kind(self) -> type:
        return type(self.default)

    @property
    def section(self) -> str:
        return self.name.split(".")[0] if "." in self.name else "base"

    def expected(self) -> str:
        """Human description of an acceptable value, for error messages."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        noun = "an integer" if self.kind is int else "a number"
        return f"{noun} in [{self.low:g}, {self.high:g}] ({self.unit})"


def _p(name, default, unit, low, high, en, zh, source, choices=None) -> Parameter:
    return Parameter(name, default, unit, low, high, en, zh, source, choices)


_ENTRIES = [
    # --- structure -------------------------------------------------------------------
    _p("n_streets", 10, "street offices", 1, 50, "Street offices in the district", "街道办事处数", "SF2"),
    _p("communities_per_street", 6, "communities", 1, 30, "Communities per street office", "每街道社区数", "SF2"),
    _p("residents_per_community", 10000, "residents", 100, 50000, "Residents per community (real)", "每社区居民数（实际）", "SF3"),
    _p("scale", 0.05, "share", 0.001, 1.0, "Share of real residents simulated (1 = 1:1)", "模拟居民比例（1 为一比一）", "assumption"),
    _p("household_size", 2.8, "residents", 1.0, 6.0, "Mean household size", "平均户规模", "assumption"),
    _p("workers_per_committee", 6, "workers", 1, 30, "Community workers per committee", "每居委会社区工作者数", "SF2"),
    _p("hours_per_worker_month", 168, "hours/month", 40, 300, "Paid hours per worker per month", "每名工作者每月工时", "assumption"),
    _p("warmup_months", 12, "months", 0, 60, "Unrecorded spin-up months before month 0", "预热月数（不记录）", "assumption"),
    _p("resident_agents", True, "flag", None, None, "Create a Mesa Resident view agent per simulated resident", "为每位模拟居民创建 Mesa 代理视图", "assumption"),
    # --- population ------------------------------------------------------------------
    _p("share_old", 0.20, "share", 0.0, 0.6, "Share of residents aged 60+", "60 岁及以上居民比例", "assumption"),
    _p("share_young", 0.40, "share", 0.0, 0.8, "Share of residents aged 18-39", "18-39 岁居民比例", "assumption"),
    _p("laid_off_share", 0.12, "share", 0.0, 0.5, "Laid-off share of working-age residents", "劳动年龄居民下岗比例", "seed report"),
    _p("vulnerable_household_share", 0.12, "share", 0.0, 0.5, "Vulnerable households (special families, elderly alone, disabled)", "困难家庭比例（特殊家庭、空巢老人、残疾人）", "seed report"),
    _p("registered_share", 0.86, "share", 0.3, 1.0, "Residents registered as voters", "登记选民比例", "SF5"),
    _p("mean_ties", 3.0, "neighbours", 0.0, 6.0, "Mean number of neighbours a resident knows", "认识的邻居平均数", "SF12"),
    _p("heterogeneity_low", 0.2, "index", 0.0, 1.0, "Lowest community socioeconomic heterogeneity", "社区社会经济异质性下限", "SF13"),
    _p("heterogeneity_high", 0.8, "index", 0.0, 1.0, "Highest community socioeconomic heterogeneity", "社区社会经济异质性上限", "SF13"),
    _p("initial_trust", 0.45, "index", 0.0, 1.0, "Initial mean trust in the committee", "对居委会的初始信任均值", "assumption"),
    _p("initial_awareness", 0.6, "share", 0.0, 1.0, "Initial share who know the committee", "初始知晓居委会的比例", "assumption"),
    # --- departments -----------------------------------------------------------------
    _p("tasks_per_community_month", 180.0, "tasks/community/month", 0.0, 2000.0, "Administrative tasks departments generate per community per month", "各部门每月每社区产生的行政任务数", "SF6"),
    _p("task_growth_per_year", 0.01, "share/year", 0.0, 0.3, "Yearly growth of department task volume (pressure from above)", "部门任务量年增长（上级加压）", "SF10"),
    _p("department_capacity_share", 0.30, "share", 0.0, 2.0, "Department own capacity as a share of initial task volume", "部门自身处理能力占初始任务量比例", "SF7"),
    _p("push_intercept", 0.85, "logit", -5.0, 5.0, "Pushdown propensity with no pressure, cost or monitoring", "无压力无成本时下派倾向", "SF7"),
    _p("push_pressure_weight", 1.2, "logit", 0.0, 10.0, "Effect of department overload on pushdown", "部门超负荷对下派的影响", "SF10"),
    _p("push_cost_weight", 1.0, "logit", 0.0, 10.0, "Effect of what a pushed-down task costs the department", "下派成本对下派的影响", "SF10"),
    _p("push_monitoring_weight", 1.0, "logit", 0.0, 10.0, "Effect of offloading monitoring on pushdown", "减负监督对下派的影响", "SF10"),
    _p("push_formal_weight", 1.5, "logit", 0.0, 10.0, "Effect of formally transferred responsibility on pushdown", "职能正式移交对下派的影响", "seed report"),
    _p("push_adjust_rate", 0.15, "1/month", 0.01, 1.0, "Speed at which departments adapt their pushdown share", "部门调整下派比例的速度", "assumption"),
    _p("backlog_clear_months", 6.0, "months", 1.0, 60.0, "Months over which a department plans to clear its backlog", "部门计划清理积压的月数", "assumption"),
    _p("department_cost_per_task", 200.0, "yuan/task", 0.0, 10000.0, "Department staff cost per task done in-house", "部门自办每项任务成本", "assumption"),
    # --- street office ---------------------------------------------------------------
    _p("meetings_per_month", 4.3, "meetings/month", 0.0, 30.0, "Street-office meetings convened for committee cadres", "街道召集社区干部例会次数", "SF11"),
    _p("meeting_hours", 3.0, "hours", 0.0, 24.0, "Hours per meeting per attending worker", "每次例会每名参会者工时", "assumption"),
    _p("meeting_attendees", 2, "workers", 0, 30, "Committee workers attending each meeting", "每次例会参会工作者数", "assumption"),
    _p("inspections_per_year", 12.0, "inspections/year", 0.0, 100.0, "Inspections and rankings per year", "每年检查评比次数", "SF8"),
    _p("inspection_prep_hours", 40.0, "hours", 0.0, 500.0, "Committee hours to prepare one inspection", "每次检查准备工时", "assumption"),
    _p("ledgers", 72, "ledgers", 0, 200, "Ledgers the committee must keep", "台账数", "SF8"),
    _p("ledger_hours", 2.0, "hours/month", 0.0, 20.0, "Monthly hours per ledger when ledgers are evaluated", "每本台账每月工时（用于考核时）", "assumption"),
    _p("ledgers_in_evaluation", True, "flag", None, None, "Ledgers are used to evaluate the committee", "台账作为考核依据", "seed report"),
    _p("plaques", 17, "plaques", 0, 100, "Nameplates hung at the committee", "挂牌数", "SF8"),
    _p("plaque_hours", 2.0, "hours/month", 0.0, 20.0, "Monthly hours of upward work per nameplate", "每块牌子每月对上工作工时", "assumption"),
    _p("funding_base", 20000.0, "yuan/month", 0.0, 1e6, "Base monthly funding per committee", "每居委会每月基本经费", "assumption"),
    _p("funding_evaluation_weight", 0.3, "share", 0.0, 1.0, "Share of funding tied to the evaluation ranking", "与考核排名挂钩的经费比例", "seed report"),
    _p("offloading_monitoring", 0.0, "index", 0.0, 3.0, "Monitoring of task offloading onto committees", "对任务下派的监督强度", "assumption"),
    # --- committee -------------------------------------------------------------------
    _p("hours_per_admin_task", 4.0, "hours/task", 0.5, 40.0, "Committee hours per administrative task", "每项行政任务工时", "SF6"),
    _p("hours_per_request", 2.0, "hours/request", 0.5, 40.0, "Committee hours per resident request", "每件居民诉求工时", "assumption"),
    _p("hours_per_visit", 1.5, "hours/visit", 0.1, 10.0, "Hours per outreach visit to a vulnerable household", "每次走访困难家庭工时", "assumption"),
    _p("visits_per_vulnerable_quarter", 1.0, "visits/quarter", 0.0, 12.0, "Outreach visits planned per vulnerable household per quarter", "每季度计划走访困难家庭次数", "seed report"),
    _p("task_deadline_months", 3, "months", 1, 24, "Months a pushed-down task may wait before it goes back to the department", "下派任务退回部门前可积压的月数", "assumption"),
    _p("economic_activity_hours", 60.0, "hours/month", 0.0, 500.0, "Committee hours on economic activity", "居委会经济活动工时", "seed report"),
    _p("economic_income", 5000.0, "yuan/month", 0.0, 1e6, "Committee income from economic activity (funds events)", "居委会经济活动收入（用于活动）", "assumption"),
    _p("orientation_appointed", 0.25, "share", 0.0, 1.0, "Resident orientation of an appointed committee", "任命制居委会的居民取向", "assumption"),
    _p("orientation_representative", 0.40, "share", 0.0, 1.0, "Resident orientation after a representative election", "代表选举后的居民取向", "assumption"),
    _p("orientation_household", 0.50, "share", 0.0, 1.0, "Resident orientation after a household-representative election", "户代表直选后的居民取向", "assumption"),
    _p("orientation_resident", 0.60, "share", 0.0, 1.0, "Resident orientation after a resident direct election", "居民直选后的居民取向", "assumption"),
    _p("orientation_appraisal_boost", 0.15, "share", 0.0, 1.0, "Added resident orientation when residents appraise the committee", "居民评议带来的居民取向增加", "seed report"),
    _p("orientation_reelection_weight", 0.20, "share", 0.0, 1.0, "Added resident orientation per unit of dissatisfaction at the last election", "上次选举不满意度带来的居民取向增加", "assumption"),
    _p("orientation_funding_pull", 0.30, "share", 0.0, 1.0, "Orientation pulled upward per unit of funding tied to evaluation", "考核挂钩经费对取向的向上拉力", "assumption"),
    _p("productivity_skill_weight", 0.8, "share", 0.0, 3.0, "Productivity gain from worker skill", "技能对效率的提升", "assumption"),
    _p("transfer_payment_hours_share", 0.6, "share", 0.0, 2.0, "Share of a funded task's hours the committee can buy back with its payment", "随事转来经费可购买的工时比例", "assumption"),
    # --- residents -------------------------------------------------------------------
    _p("need_rate", 0.015, "needs/resident/month", 0.0, 1.0, "Monthly probability of a need for a working-age resident", "劳动年龄居民每月产生需求的概率", "assumption"),
    _p("need_old_multiplier", 2.0, "ratio", 1.0, 10.0, "Need multiplier for residents aged 60+", "老年居民需求倍数", "seed report"),
    _p("need_vulnerable_multiplier", 2.5, "ratio", 1.0, 10.0, "Need multiplier for vulnerable households", "困难家庭需求倍数", "seed report"),
    _p("admin_need_share", 0.35, "share", 0.0, 1.0, "Share of needs that are administrative (certificates, registration, benefits)", "行政性需求比例（证明、登记、保障）", "seed report"),
    _p("bring_intercept", -0.3, "logit", -10.0, 10.0, "Propensity to bring a need to the committee", "向居委会反映需求的倾向", "assumption"),
    _p("bring_trust_weight", 3.0, "logit", 0.0, 10.0, "Effect of trust on bringing a need", "信任对反映需求的影响", "assumption"),
    _p("max_wait_months", 4, "months", 1, 24, "Months after which an unserved request is abandoned", "未解决诉求被放弃前的月数", "assumption"),
    _p("event_intercept", -3.6, "logit", -10.0, 10.0, "Propensity to join a community event in a month", "每月参加社区活动的倾向", "assumption"),
    _p("resources_weight", 1.5, "logit", 0.0, 10.0, "Effect of free time and civic skills (civic voluntarism: resources)", "时间与公民技能的影响（资源）", "SF12"),
    _p("engagement_weight", 1.2, "logit", 0.0, 10.0, "Effect of trust and efficacy (civic voluntarism: engagement)", "信任与效能感的影响（投入）", "assumption"),
    _p("recruitment_weight", 1.0, "logit", 0.0, 10.0, "Effect of recruitment by the committee", "居委会动员的影响", "assumption"),
    _p("habit_weight", 2.0, "logit", 0.0, 10.0, "Effect of participation habit", "参与习惯的影响", "assumption"),
    _p("neighbour_weight", 1.5, "logit", 0.0, 10.0, "Effect of the share of known neighbours who took part", "熟识邻居参与比例的影响", "SF12"),
    _p("old_weight", 0.8, "logit", -5.0, 5.0, "Participation shift for residents aged 60+", "老年居民参与偏移", "assumption"),
    _p("young_weight", -0.6, "logit", -5.0, 5.0, "Participation shift for residents aged 18-39", "青年居民参与偏移", "assumption"),
    _p("heterogeneity_weight", 1.0, "logit", 0.0, 10.0, "Participation loss per unit of community heterogeneity", "社区异质性对参与的抑制", "SF13"),
    _p("volunteer_intercept", -2.5, "logit", -10.0, 10.0, "Propensity of an event participant to volunteer", "活动参与者成为志愿者的倾向", "assumption"),
    _p("deliberation_intercept", -5.0, "logit", -10.0, 10.0, "Propensity to attend one deliberation event held in the community", "参加一次议事活动的倾向", "assumption"),
    _p("event_seats_per_1000", 60.0, "participants/1000 residents/month", 0.0, 1000.0, "Event capacity without renovated facilities", "未改造设施时活动容量", "assumption"),
    _p("satisfaction_rate", 0.2, "1/month", 0.0, 1.0, "Smoothing rate of satisfaction toward a service experience", "满意度向服务体验调整速度", "assumption"),
    _p("satisfaction_drift", 0.03, "1/month", 0.0, 1.0, "Smoothing rate of satisfaction toward community service level without a request", "无诉求时满意度向社区服务水平调整速度", "assumption"),
    _p("trust_rate", 0.05, "1/month", 0.0, 1.0, "Smoothing rate of trust toward satisfaction", "信任向满意度调整速度", "assumption"),
    _p("efficacy_rate", 0.1, "1/month", 0.0, 1.0, "Smoothing rate of efficacy toward the resident agenda share", "效能感调整速度", "assumption"),
    _p("habit_rate", 0.1, "1/month", 0.0, 1.0, "Learning rate of participation habit", "参与习惯学习速度", "assumption"),
    _p("aspiration", 0.45, "index", 0.0, 1.0, "Aspiration level that a participation outcome is compared with", "参与结果的期望水平", "assumption"),
    _p("procedural_trust", 0.004, "1/month", 0.0, 0.1, "Monthly trust gain from open affairs and resident appraisal", "社务公开与居民评议带来的每月信任增加", "assumption"),
    _p("forget_rate", 0.02, "1/month", 0.0, 1.0, "Monthly chance to forget the committee without contact for a year", "一年无接触时每月遗忘居委会的概率", "assumption"),
    _p("word_of_mouth", 0.1, "1/month", 0.0, 1.0, "Monthly chance to learn of the committee per share of aware residents in the community", "经其他居民知晓居委会的概率（按社区知晓比例）", "assumption"),
    # --- elections -------------------------------------------------------------------
    _p("vote_intercept", 1.4, "logit", -10.0, 10.0, "Propensity to vote in person in a direct election", "亲自投票倾向", "SF4"),
    _p("vote_ties_weight", 1.5, "logit", 0.0, 10.0, "Effect of knowing neighbours on voting", "认识邻居对投票的影响", "SF12"),
    _p("vote_trust_weight", 1.0, "logit", 0.0, 10.0, "Effect of trust on voting", "信任对投票的影响", "assumption"),
    _p("vote_mobilisation", 0.8, "logit", 0.0, 10.0, "Effect of committee mobilisation on voting", "居委会动员对投票的影响", "SF4"),
    _p("proxy_rate", 0.5, "share", 0.0, 1.0, "Chance a non-voter is covered by a proxy ballot where proxies count", "未投票者被委托投票的概率", "SF4"),
    _p("representatives_per_household", 0.07, "representatives/household", 0.01, 1.0, "Residents' representatives per household", "每户居民代表数", "assumption"),
    _p("representative_turnout", 0.95, "share", 0.0, 1.0, "Turnout among residents' representatives", "居民代表投票率", "assumption"),
    # --- workforce -------------------------------------------------------------------
    _p("exit_intercept", -3.8, "logit", -10.0, 0.0, "Monthly exit propensity at full but not excess load", "满负荷时每月离职倾向", "SF9"),
    _p("exit_burden_weight", 1.5, "logit", 0.0, 10.0, "Effect of overload on exit", "超负荷对离职的影响", "SF9"),
    _p("exit_pay_weight", 1.0, "logit", 0.0, 10.0, "Effect of pay above base level on exit", "工资提高对离职的影响", "seed report"),
    _p("exit_pension_weight", 0.5, "logit", 0.0, 10.0, "Effect of a pension on exit", "养老保险对离职的影响", "seed report"),
    _p("entry_skill", 0.3, "index", 0.0, 1.0, "Skill of a new worker", "新工作者技能", "assumption"),
    _p("skill_learning", 0.02, "1/month", 0.0, 1.0, "Monthly skill gained on the job", "在岗每月技能提升", "assumption"),
    # --- costs -----------------------------------------------------------------------
    _p("centre_cost_per_month", 60000.0, "yuan/month", 0.0, 1e7, "Running cost of the acceptance centre", "受理中心每月运行成本", "assumption"),
    _p("service_point_cost", 8000.0, "yuan/community/month", 0.0, 1e6, "Running cost of department service points per community", "每社区部门服务站每月成本", "assumption"),
    # --- reform levers ---------------------------------------------------------------
    _p("burden_reduction.ledgers", 6, "ledgers", 0, 200, "Ledgers after reform (\"5+1\")", "减负后台账数（“5+1”）", "SF8"),
    _p("burden_reduction.plaques", 2, "plaques", 0, 100, "Nameplates after reform", "减负后挂牌数", "SF8"),
    _p("burden_reduction.meetings_per_month", 1.0, "meetings/month", 0.0, 30.0, "Street meetings after reform", "减负后例会次数", "seed report"),
    _p("burden_reduction.inspections_per_year", 2.0, "inspections/year", 0.0, 100.0, "Inspections and rankings after reform", "减负后检查评比次数", "seed report"),
    _p("burden_reduction.ledgers_in_evaluation", False, "flag", None, None, "Ledgers still used in evaluation", "台账仍作考核依据", "seed report"),
    _p("burden_reduction.offloading_monitoring", 1.0, "index", 0.0, 3.0, "Monitoring of offloading onto committees", "对任务下派的监督强度", "SF10"),
    _p("function_transfer.share", 0.5, "share", 0.0, 1.0, "Share of department-led tasks formally moved back to departments", "正式移交回部门的任务比例", "seed report"),
    _p("function_transfer.funding_follows_tasks", False, "flag", None, None, "Funding and staff move with tasks (费随事转)", "费随事转、权随责走", "seed report"),
    _p("function_transfer.transfer_payment", 200.0, "yuan/task", 0.0, 10000.0, "What a department pays per task it still pushes down when funding follows tasks", "费随事转时每项下派任务的费用", "assumption"),
    _p("function_transfer.acceptance_centre", False, "flag", None, None, "Open an administrative-affairs acceptance centre", "设立社区行政事务受理中心", "seed report"),
    _p("function_transfer.centre_capacity_per_1000", 20.0, "requests/1000 residents/month", 0.0, 1000.0, "Acceptance centre capacity for residents' administrative needs", "受理中心受理居民行政事项的能力", "assumption"),
    _p("function_transfer.centre_task_capacity", 20.0, "tasks/community/month", 0.0, 1000.0, "Transferred department tasks the acceptance centre can process", "受理中心可办理的移交部门任务", "assumption"),
    _p("election.mode", "household", "mode", None, None, "How the committee is chosen", "居委会产生方式", "seed report", ELECTION_MODES),
    _p("election.term_months", 36, "months", 6, 120, "Length of a committee term", "居委会任期", "seed report"),
    _p("election.proxy_voting", True, "flag", None, None, "Proxy ballots count", "允许委托投票", "SF4"),
    _p("deliberation.hearings_per_year", 4.0, "events/year", 0.0, 52.0, "Hearings (听证会) per community per year", "每社区每年听证会次数", "seed report"),
    _p("deliberation.forums_per_year", 6.0, "events/year", 0.0, 52.0, "Deliberation garden (议事园) sessions per year", "每社区每年议事园次数", "seed report"),
    _p("deliberation.open_affairs", True, "flag", None, None, "Open community affairs (社务公开)", "社务公开", "seed report"),
    _p("deliberation.resident_appraisal", True, "flag", None, None, "Residents appraise committee work and the appraisal enters evaluation", "居民评议居委会工作并纳入考核", "seed report"),
    _p("deliberation.appraisal_weight", 0.5, "share", 0.0, 1.0, "Weight of resident appraisal in the committee's evaluation", "居民评议在考核中的权重", "assumption"),
    _p("facilities.level", 1.0, "index", 0.0, 2.0, "Facility standard (1 = \"six haves, six unified\")", "设施标准（1 为“六有、六统一”）", "seed report"),
    _p("facilities.seats_boost", 1.0, "share", 0.0, 5.0, "Added event capacity per facility level", "每级设施增加的活动容量", "assumption"),
    _p("facilities.productivity_boost", 0.15, "share", 0.0, 2.0, "Added service productivity per facility level", "每级设施提升的服务效率", "assumption"),
    _p("workforce.training", True, "flag", None, None, "Professional training and certification", "职业培训、持证上岗", "seed report"),
    _p("workforce.training_skill", 0.2, "index", 0.0, 1.0, "Skill added by certification to new and current workers", "持证培训提升的技能", "assumption"),
    _p("workforce.pay_level", 1.5, "ratio to base", 0.5, 5.0, "Pay relative to pre-reform pay (two rises)", "相对改革前工资水平（两次提高）", "seed report"),
    _p("workforce.pension", True, "flag", None, None, "Pension insurance for workers", "为社区工作者办理养老保险", "seed report"),
    _p("services_into_community.capacity_per_1000", 15.0, "requests/1000 residents/month", 0.0, 1000.0, "Administrative needs served at department service points", "部门服务站受理行政需求能力", "seed report"),
    _p("services_into_community.department_capacity_gain", 0.10, "share", 0.0, 2.0, "Department capacity added by staff based in communities", "驻社区人员增加的部门处理能力", "seed report"),
    _p("social_organizations.productivity_boost", 0.2, "share", 0.0, 2.0, "Service productivity added by social organisations", "社会组织增加的服务效率", "seed report"),
    _p("social_organizations.recruitment_boost", 0.3, "share", 0.0, 2.0, "Recruitment added by social organisations", "社会组织增加的动员", "seed report"),
    _p("no_economic_activity.enabled", True, "flag", None, None, "Committees stop unrelated economic activity", "居委会不再从事无关经济活动", "seed report"),
]

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _ENTRIES}

REFORM_KINDS: tuple[str, ...] = (
    "burden_reduction",
    "function_transfer",
    "election",
    "deliberation",
    "facilities",
    "workforce",
    "services_into_community",
    "social_organizations",
    "no_economic_activity",
)


def base_defaults() -> dict[str, Any]:
    """Defaults of every base (non-reform) parameter."""
    return {n: p.default for n, p in PARAMETERS.items() if "." not in n}


def reform_defaults(kind: str) -> dict[str, Any]:
    """Defaults of one reform kind's own parameters, keyed without the kind prefix."""
    prefix = kind + "."
    return {n[len(prefix):]: p.default for n, p in PARAMETERS.items() if n.startswith(prefix)}


def check_value(name: str, value: Any) -> str | None:
    """Return what was expected if ``value`` is not valid for parameter ``name``, else None."""
    p = PARAMETERS[name]
    if p.choices:
        return None if value in p.choices else p.expected()
    if p.kind is bool:
        return None if isinstance(value, bool) else p.expected()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return p.expected()
    if p.kind is int and not (isinstance(value, int) or float(value).is_integer()):
        return p.expected()
    if not (p.low <= value <= p.high):
        return p.expected()
    return None


def as_table() -> list[dict[str, Any]]:
    """The registry as rows, for docs and the app."""
    return [
        {
            "name": p.name, "default": p.default, "unit": p.unit,
            "range": "" if p.low is None else f"[{p.low:g}, {p.high:g}]",
            "label_en": p.label_en, "label_zh": p.label_zh, "source": p.source,
        }
        for p in _ENTRIES
    ]


def as_markdown() -> str:
    """The registry as a Markdown document (docs/parameters.md)."""
    lines = [
        "# Parameters",
        "",
        "Every parameter of the model: its default, unit, range, English and Chinese label, and source",
        "(a stylized-fact key from STYLIZED_FACTS.md, `seed report`, or `assumption`). Base parameters are",
        "set in a scenario's `[parameters]` table; `<kind>.<name>` parameters in a `[[reforms]]` entry of",
        "that kind. Generated by `python run.py params --markdown`; a test keeps it in step with",
        "`model/parameters.py`.",
        "",
        "| name | default | unit | range | label | 标签 | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in as_table():
        default = str(row["default"]).lower() if isinstance(row["default"], bool) else row["default"]
        lines.append(f"| `{row['name']}` | {default} | {row['unit']} | {row['range']} | {row['label_en']} "
                     f"| {row['label_zh']} | {row['source']} |")
    return "\n".join(lines) + "\n"
