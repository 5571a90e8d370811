"""Words on the app's screen in Chinese and English.

Metric, parameter and scenario texts come from their own sources (model.metrics.METRICS,
model.parameters.PARAMETERS, scenario files); this table holds only the app's own words.
"""

from __future__ import annotations

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
    "compare": ("与基准情景对比（同一种子）", "Compare with the baseline (same seed)"),
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
    "handout_meta": ("种子 {seed}，运行 {months} 个月，{communities} 个社区", "Seed {seed}, {months} months run, "
                     "{communities} communities"),
    "no_baseline": ("（未开启基准对比）", "(baseline comparison was off)"),
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
    m = METRIC_BY_NAME[name]
    return m.label_zh if lang == "zh" else m.label_en


def param_label(name: str, lang: str) -> str:
    param = PARAMETERS[name]
    return param.label_zh if lang == "zh" else param.label_en


def scenario_title(s: Scenario, lang: str) -> str:
    return (s.title_zh if lang == "zh" else s.title_en) or s.name


def scenario_about(s: Scenario, lang: str) -> tuple[str, str]:
    """(what it represents, what to notice) in ``lang``."""
    suffix = "zh" if lang == "zh" else "en"
    return s.about.get(suffix, "").strip(), s.about.get(f"notice_{suffix}", "").strip()
