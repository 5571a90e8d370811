"""Words on the app's screen in Chinese and English.

Metric, parameter and scenario texts come from their own sources (model.metrics.METRICS,
model.parameters.PARAMETERS, scenario files); this table holds only the app's own words.
"""

from __future__ import annotations

from typing import Any

from ..metrics import METRIC_BY_NAME
from ..parameters import PARAMETERS
from ..scenario import Scenario

LANGS = ("zh", "en")

UI: dict[str, tuple[str, str]] = {   # key -> (zh, en)
    "title": ("社区治理改革工作坊", "Community-governance reform workshop"),
    "preset": ("情景预设", "Scenario preset"),
    "seed": ("随机种子", "Seed"),
    "levers": ("改革措施", "Reform levers"),
    "start_month": ("开始月份", "Start month"),
    "scope": ("试点范围", "Pilot scope"),
    "scope_all": ("全区", "Whole district"),
    "scope_hint": ("点击地图上的社区或街道名称选入试点；未选时改革覆盖全区。",
                   "Click communities or street names on the map to pick pilots; with none picked, reforms cover "
                   "the whole district."),
    "click_inspect": ("点击查看社区", "Click to inspect"),
    "click_pilot": ("点击选择试点", "Click to pick pilots"),
    "step": ("运行一个月", "Step one month"),
    "play": ("播放", "Play"),
    "pause": ("暂停", "Pause"),
    "reset": ("重置", "Reset"),
    "speed": ("播放速度（月/秒）", "Speed (months/second)"),
    "compare": ("对比情景（同一种子并排运行）", "Compare with (run beside, same seed)"),
    "compare_none": ("不对比", "Nothing"),
    "run_to_end": ("直接运行到第 {month} 个月", "Run to month {month} now"),
    "busy": ("正在计算…", "Working…"),
    "controls": ("设置与改革措施", "Settings and reform levers"),
    "map_window": ("按近 12 个月平均着色（更平稳）", "Colour by the 12-month average (calmer)"),
    "map_latest": ("最新一个月", "latest month"),
    "map_average": ("近 12 个月平均", "12-month average"),
    "month_axis": ("月份", "Month"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "one_run": ("一次运行，种子 {seed}：换一个种子，数字会有所不同。",
                "One run, seed {seed}: another seed gives somewhat different numbers."),
    "too_early": ("注意：第一项改革从第 {month} 个月开始，目前只运行了 {months} 个月，差别尚未出现。",
                  "Note: the first reform starts in month {month} and only {months} months have run, "
                  "so no difference can show yet."),
    "at_month": ("第 {month} 个月", "month {month}"),
    "notice": ("注意观察", "What to notice"),
    "questions": ("讨论题", "Questions to discuss"),
    "notes": ("笔记", "Notes"),
    "questions_default": ("改革之后哪些数字变了，哪些没变？为什么？\n"
                          "如果换成另一项改革或另一个开始月份，你预计会怎样？",
                          "Which numbers changed after the reform, and which did not? Why?\n"
                          "What would you expect with another reform or another start month?"),
    "month": ("已运行 {month} 个月", "{month} months run"),
    "not_started": ("尚未运行：点击“运行一个月”或“播放”。", "Not run yet: press Step or Play."),
    "map": ("社区地图（按街道分组）", "District map (communities by street)"),
    "map_metric": ("地图显示指标", "Map metric"),
    "street": ("街道 {n}", "Street {n}"),
    "community": ("社区 {street}-{n}", "Community {street}-{n}"),
    "baseline": ("基准", "Baseline"),
    "this_run": ("本次运行", "This run"),
    "selected": ("选中社区：{name}", "Selected community: {name}"),
    "select_hint": ("点击地图上的社区查看其工时分配。", "Click a community on the map to see how its hours split."),
    "hours": ("工作者工时分配（小时/月）", "How workers' hours split (hours/month)"),
    "hours_admin": ("行政任务", "Administrative tasks"),
    "hours_upward": ("台账、例会与检查", "Ledgers, meetings and inspections"),
    "hours_service": ("居民服务与参与动员", "Resident services and participation work"),
    "hours_economy": ("经济活动", "Economic activity"),
    "hours_free": ("未用工时", "Unused hours"),
    "queue": ("待办：居民诉求 {requests:.0f} 件，行政任务 {tasks:.0f} 件",
              "Waiting: {requests:.0f} resident requests, {tasks:.0f} administrative tasks"),
    "events": ("改革事件", "Reform events"),
    "event": ("第 {month} 个月：{kind}开始", "Month {month}: {kind} starts"),
    "save": ("保存本次运行（讲义）", "Save this run (handout)"),
    "saved": ("已保存：{path}", "Saved: {path}"),
    "download": ("下载讲义", "Download handout"),
    "settings": ("设置", "Settings"),
    "key_figures": ("关键数字", "Key figures"),
    "metric": ("指标", "Metric"),
    "change": ("变化", "Change"),
    "handout_title": ("工作坊讲义：{title}", "Workshop handout: {title}"),
    "handout_meta": ("共运行 {months} 个月，{communities} 个社区。", "{months} months run, {communities} communities."),
    "unit": ("单位", "Unit"),
    "points": (" 个百分点", " pp"),
    "no_baseline": ("（未开启基准对比）", "(baseline comparison was off)"),
}

# Choice values of registry parameters in words (the registry holds their code names).
CHOICE_LABELS: dict[str, tuple[str, str]] = {
    "appointed": ("上级任命", "appointed"),
    "representative": ("居民代表选举", "elected by resident representatives"),
    "household": ("户代表直选", "direct election by household representatives"),
    "resident": ("全体居民直选", "direct election by all residents"),
    "street": ("街道提名", "nominated by the street office"),
    "open": ("居民自荐或联名提名", "open nomination by residents"),
}

# Units of the parameters a trainer sets, as written beside a value ("" for none).
UNIT_LABELS: dict[str, tuple[str, str]] = {
    "events/year": ("次/年", "per year"),
    "flag": ("", ""),
    "mode": ("", ""),
    "rule": ("", ""),
    "index": ("指数", "index"),
    "inspections/year": ("次/年", "per year"),
    "ledgers": ("本", "ledgers"),
    "meetings/month": ("次/月", "per month"),
    "months": ("个月", "months"),
    "plaques": ("块", "nameplates"),
    "ratio to base": ("倍（相对改革前）", "× the pre-reform level"),
    "requests/1000 residents/month": ("件/千人/月", "per 1,000 residents a month"),
    "share": ("%", "%"),
    "tasks/community/month": ("件/社区/月", "per community a month"),
    "visits/quarter": ("次/季度", "per quarter"),
    "yuan/task": ("元/件", "yuan per task"),
}

# Reform kinds by their Chinese and English names (the registry labels parameters, not kinds).
KIND_LABELS: dict[str, tuple[str, str]] = {
    "burden_reduction": ("减负", "Burden reduction"),
    "function_transfer": ("职能移交（政事分离）", "Function transfer"),
    "election": ("直接选举", "Direct election"),
    "deliberation": ("议事制度", "Deliberation"),
    "facilities": ("设施建设", "Facilities"),
    "workforce": ("队伍专业化", "Workforce"),
    "services_into_community": ("服务进社区", "Services into communities"),
    "social_organizations": ("社会组织", "Social organisations"),
    "no_economic_activity": ("剥离经济职能", "No economic activity"),
    "health_stations": ("社区卫生服务站", "Community health stations"),
    "labour_offices": ("街道劳动保障所", "Street labour-security offices"),
    "service_brands": ("社区服务品牌", "Community service brands"),
}


def t(key: str, lang: str, **fields) -> str:
    """The UI string ``key`` in ``lang``, formatted with ``fields``."""
    zh, en = UI[key]
    return (zh if lang == "zh" else en).format(**fields)


def kind_label(kind: str, lang: str) -> str:
    zh, en = KIND_LABELS[kind]
    return zh if lang == "zh" else en


def metric_label(name: str, lang: str) -> str:
    return METRIC_BY_NAME[name].label(lang)


def param_label(name: str, lang: str) -> str:
    return PARAMETERS[name].label(lang)


def choice_label(value: str, lang: str) -> str:
    zh, en = CHOICE_LABELS[value]
    return zh if lang == "zh" else en


def param_unit(name: str, lang: str) -> str:
    zh, en = UNIT_LABELS[PARAMETERS[name].unit]
    return zh if lang == "zh" else en


def param_value(name: str, value: Any, lang: str) -> str:
    """A parameter's value in words: 是/否 for a switch, a choice by its label, numbers with their unit."""
    param = PARAMETERS[name]
    if param.kind is bool:
        return t("yes" if value else "no", lang)
    if param.choices:
        return choice_label(value, lang)
    unit = param_unit(name, lang)
    if unit == "%":
        return f"{100 * float(value):.0f}%"
    number = f"{value:d}" if isinstance(value, int) else f"{float(value):.3g}"
    if not unit:
        return number
    return f"{number}{unit}" if lang == "zh" else f"{number} {unit}"


def scenario_title(s: Scenario, lang: str) -> str:
    return (s.title_zh if lang == "zh" else s.title_en) or s.name


def _paragraph(text: str, lang: str) -> str:
    """A TOML text block as one paragraph: its hard line breaks joined (Chinese without spaces)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return ("" if lang == "zh" else " ").join(lines)


def scenario_about(s: Scenario, lang: str) -> tuple[str, str]:
    """(what it represents, what to notice) in ``lang``, each one paragraph."""
    suffix = "zh" if lang == "zh" else "en"
    return _paragraph(s.about.get(suffix, ""), lang), _paragraph(s.about.get(f"notice_{suffix}", ""), lang)


def scenario_questions(s: Scenario, lang: str) -> list[str]:
    """The scenario's discussion questions in ``lang`` (general ones when the file has none)."""
    questions = s.about.get("questions_zh" if lang == "zh" else "questions_en", [])
    return list(questions) or t("questions_default", lang).split("\n")
