"""Language helpers shared by the figures and the report: metric labels and units as a reader sees them.

Labels come from the metric registry (``model.metrics.METRICS``: ``label_en``/``label_zh``) and the
parameter registry; this module only adds how a unit is displayed (shares as %, costs in 万元 or
million yuan) and the few words of the outputs themselves (headings, captions) in both languages.

The command line calls these through ``model.report.figures`` and ``model.report.document``; it passes the user's
``--lang`` (``"zh"`` or ``"en"``) on, after ``check_lang``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError
from ..metrics import METRIC_BY_NAME

LANGS = ("zh", "en")


def check_lang(lang: str, source: str = "report", field: str = "lang=") -> str:
    """``lang`` if it is a supported language, else a one-line InputError."""
    if lang not in LANGS:
        raise InputError(source, field, "one of " + ", ".join(LANGS), lang)
    return lang


@dataclass(frozen=True)
class Display:
    """How a registry unit is shown: values are multiplied by ``factor`` and labelled ``en``/``zh``."""

    factor: float
    en: str
    zh: str
    digits: int


# Keyed by the unit strings of model.metrics.METRICS; an unknown unit is shown as it is.
UNIT_DISPLAY = {
    "share": Display(100.0, "%", "%", 1),
    "index 0-1": Display(1.0, "index 0–1", "指数 0–1", 3),
    "days": Display(1.0, "days", "天", 1),
    "ledgers": Display(1.0, "ledgers", "本", 1),
    "plaques": Display(1.0, "nameplates", "块", 1),
    "per year": Display(1.0, "per year", "每年", 2),
    "per month": Display(1.0, "per month", "每月", 2),
    "tasks": Display(1.0, "tasks", "件", 2),
    "yuan": Display(1.0, "yuan", "元", 0),
    "yuan/month": Display(1e-4, "10,000 yuan/month", "万元/月", 1),
    "yuan/resident/year": Display(1.0, "yuan per resident a year", "元/人·年", 0),
    "per 1000 per year": Display(1.0, "per 1,000 residents a year", "每千居民每年", 1),
}


def display(unit: str) -> Display:
    return UNIT_DISPLAY.get(unit, Display(1.0, unit, unit, 3))


def metric_label(name: str, lang: str) -> str:
    return METRIC_BY_NAME[name].label(lang)


def metric_unit(name: str, lang: str, *, difference: bool = False) -> str:
    """The unit as displayed; a difference of two percentages is in percentage points."""
    d = display(METRIC_BY_NAME[name].unit)
    if difference and d.en == "%":
        return "百分点" if lang == "zh" else "percentage points"
    return d.zh if lang == "zh" else d.en


def metric_factor(name: str) -> float:
    return display(METRIC_BY_NAME[name].unit).factor


def format_value(name: str, value: float, *, signed: bool = False) -> str:
    """A metric value in display units, plain digits (no 1e6), NaN as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    d = display(METRIC_BY_NAME[name].unit)
    x = float(value) * d.factor
    digits = d.digits if abs(x) < 1000 else 0
    if signed:                 # a difference of shares is in percentage points: no % sign
        return f"{x:+,.{digits}f}"
    return f"{x:,.{digits}f}" + ("%" if d.en == "%" else "")


def scenario_title(scenario, lang: str) -> str:
    """The scenario's title in ``lang``, falling back to the other language and then to its name."""
    first, second = (scenario.title_zh, scenario.title_en) if lang == "zh" else (scenario.title_en, scenario.title_zh)
    return first or second or scenario.name


def about_text(scenario, key: str, lang: str) -> str:
    """``about.<key>`` (``""`` or ``"notice_"``) in ``lang``, paragraph lines joined (Chinese without spaces)."""
    text = scenario.about.get(f"{key}{lang}", "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return ("" if lang == "zh" else " ").join(lines)


# The outputs' own words. Keys are short English phrases; every entry has both languages.
WORDS = {
    "report_title": ("社区治理改革模拟：研究报告", "Shequ study report"),
    "method": (
        "{n} 个情景 × 每个 {r} 次重复，模拟 {steps} 个月（第 0–{last} 月），主随机种子 {seed}；"
        "每个模拟居民代表 {per:g} 名真实居民（参数 scale）。区间为各次重复之间的 95% 置信区间（Student t）。"
        "各情景的第 k 次重复使用相同的随机种子，因此与参照情景的差值是配对比较。",
        "{n} scenario(s) × {r} replication(s), {steps} monthly steps (months 0–{last}), master seed {seed}; "
        "each simulated resident stands for {per:g} real residents (parameter `scale`). Intervals are 95% "
        "Student-t confidence intervals over replications. Replication k uses the same seed in every scenario, "
        "so differences from the reference are paired.",
    ),
    "files": (
        "文件：timeseries.csv（全区每月指标）、communities.csv（每个社区每月指标）、summary.csv（最后一个月）、"
        "differences.csv（与参照情景的配对差值）、manifest.json（版本、随机种子、全部参数）。",
        "Files: timeseries.csv (district, every month), communities.csv (every community, every month), "
        "summary.csv (final month), differences.csv (paired differences from the reference), manifest.json "
        "(versions, seeds, full parameters).",
    ),
    "how_to_read": (
        "怎样读区间：方括号里是 95% 置信区间。区间越窄，结果越稳定；差值的区间不包含 0，"
        "说明在同样的随机条件下两个情景确有差别。",
        "How to read an interval: the brackets hold a 95% confidence interval. A narrow interval means the "
        "result is stable; a difference whose interval excludes 0 means the two scenarios differ under the "
        "same random conditions.",
    ),
    "scenarios": ("情景", "Scenarios"),
    "reforms": ("改革", "Reforms"),
    "no_reforms": ("无改革", "no reforms"),
    "month": ("月份", "month"),
    "month_n": ("第 {m} 月", "month {m}"),
    "over_time": ("随时间变化", "Over time"),
    "over_time_caption": (
        "全区关键指标：各情景各次重复的均值（线）与 95% 置信区间（浅色带）。黑色粗线为参照情景；"
        "竖虚线为改革开始的月份；线条中断处表示该指标尚不存在（例如尚未举行选举）。",
        "Key district metrics: mean over replications (line) and 95% CI (band). The thick black line is "
        "the reference scenario; dashed vertical lines mark the months reforms start; a gap means the "
        "metric does not exist yet (for example, no election held).",
    ),
    "final": ("最后一个月", "At the final month"),
    "final_title": (
        "最后一个月（第 {step} 月）各情景比较：条为均值，误差线为 95% 置信区间，虚线为参照情景",
        "Scenarios at the final month (month {step}): bars show the mean, whiskers the 95% CI, "
        "the dashed line the reference",
    ),
    "timeseries_title": (
        "全区关键指标随时间变化（均值与 95% 置信区间）",
        "Key district metrics over time (mean and 95% CI over replications)",
    ),
    "table": ("最后一个月的数值：均值 [95% 置信区间]", "Final month: mean [95% CI]"),
    "metric": ("指标", "metric"),
    "unit": ("单位", "unit"),
    "differences": ("与参照情景的差值", "Differences from the reference"),
    "differences_intro": (
        "与参照情景「{ref}」相比，最后一个月的配对差值（同一随机种子下的情景减参照），均值 [95% 置信区间]。"
        "粗体：区间不包含 0。",
        "Paired differences from the reference scenario “{ref}” at the final month (scenario minus "
        "reference on the same seeds), mean [95% CI]. Bold: the interval excludes 0.",
    ),
    "no_reference": (
        "本次研究不包含参照情景「{ref}」，因此没有配对差值。",
        "The study does not include the reference scenario “{ref}”, so there are no paired differences.",
    ),
    "nan_note": (
        "“—”表示没有区间：只有 1 次重复时无法估计区间，或该指标尚不存在（例如尚未举行选举）。",
        "“—” means no interval: with 1 replication none can be estimated, or the metric does not exist "
        "yet (for example, no election held).",
    ),
    "not_held": ("尚未举行", "not held yet"),
    # what the spread across replications includes (model.study.uncertainty)
    "band_seeds": ("仅随机种子", "seeds only"),
    "band_plausible": ("随机种子与参数（合理范围）", "seeds and parameters (plausible ranges)"),
    "band_posterior": ("随机种子与参数（校准后验）", "seeds and parameters (calibration posterior)"),
    "band_given": ("随机种子与给定的参数组", "seeds and given parameter sets"),
    "band_note": (
        "各次重复之间的差异来自：{band}。浅色宽带为各次重复的 5%–95% 分位区间（summary.csv 的 band_low、band_high），"
        "它不随重复次数增加而变窄。",
        "The spread across replications comes from: {band}. The lighter, wider band holds 5–95% of the "
        "replications (band_low, band_high in summary.csv); unlike the confidence interval it does not narrow "
        "with more replications.",
    ),
    "band_legend": ("浅色宽带：5%–95% 的重复；差异来自{band}", "light band: 5–95% of replications; spread from {band}"),
    "parameter_sets_file": (
        "parameter_sets.csv 列出每次重复的随机种子与参数组（各情景的第 k 次重复相同）。",
        "parameter_sets.csv lists each replication's seed and parameter set (the same for replication k of "
        "every scenario).",
    ),
    "band_cell": ("5%–95%：{low} – {high}", "5–95%: {low} – {high}"),
    "robustness": ("哪些结论在整个区间内成立", "Which conclusions hold across the band"),
    "robustness_intro": (
        "对每个情景和每个关键指标：与参照情景「{ref}」相比的平均配对差值，以及差值方向与平均值相同的配对重复所占比例"
        "（配对重复使用相同的随机种子{paired}）。若至少 {share:.0%} 的配对重复方向一致，称该结论在整个区间内成立；"
        "否则该结论{depends}。区间来源：{band}。",
        "For each scenario and headline metric: the mean paired difference from the reference “{ref}”, and the "
        "share of paired replications (same seed{paired}) in which the difference has that sign. A conclusion "
        "holds across the band if at least {share:.0%} of the pairs agree; otherwise it {depends}. The band "
        "includes: {band}.",
    ),
    "paired_parameters": ("和相同的参数组", " and parameter set"),
    "holds": ("成立", "holds"),
    "too_small": ("差异小于值得报告的幅度", "smaller than worth reporting"),
    "too_few": ("配对太少", "too few pairs"),
    "verdict_rule": (
        "「成立」需要同时满足三点：至少 {pairs} 对配对重复；至少 {share:.0%} 的配对方向一致"
        "（括号内为符号检验的双侧 p 值）；平均差值不小于该指标值得报告的最小幅度"
        "（指标登记表 model/metrics.py 中的 min_effect，如满意度 2 个百分点、"
        "等待 1 天）。配对太少时写「配对太少」，差异太小时写「差异小于值得报告的幅度」。",
        "“Holds” needs all three: at least {pairs} pairs; at least {share:.0%} of the pairs agreeing in sign (the "
        "sign test's two-sided p-value is in brackets); and a mean difference at least the smallest effect worth "
        "reporting for the metric (min_effect in the metric registry, model/metrics.py: e.g. 2 points of "
        "satisfaction, 1 day of waiting). With fewer pairs the cell says “too few pairs”; with a smaller effect, "
        "“smaller than worth reporting”.",
    ),
    "compared_at": ("比较的是第 {m} 个月。", "Scenarios are compared at month {m}."),
    "compared_window": ("比较的是每次重复在第 {a}–{b} 个月的平均值。",
                        "Scenarios are compared on each replication's average over months {a}–{b}."),
    "differences_over_time": ("与参照情景的配对差值随时间变化", "Paired differences over time"),
    "differences_title": ("与「{ref}」的配对差值（均值与 95% 置信区间）",
                          "Paired difference from “{ref}” (mean and 95% interval)"),
    "min_effect_legend": ("灰色：小于值得报告的幅度", "grey: smaller than worth reporting"),
    "differences_over_time_caption": (
        "每条线是一个情景减参照情景（相同随机种子）的平均差值；灰色带内的差值小于值得报告的幅度。"
        "线回到灰色带内说明效果消退或反弹。",
        "Each line is a scenario minus the reference on the same seeds; a difference inside the grey band is "
        "smaller than worth reporting. A line returning into the grey shows an effect that fades or relapses.",
    ),
    "depends_parameters": ("取决于参数", "depends on the parameters"),
    "depends_seeds": ("取决于随机种子", "depends on the seed"),
    "no_difference": ("无差别", "no difference"),
    "robustness_count": (
        "{n} 个结论中有 {k} 个在整个区间内成立。",
        "{k} of {n} conclusions hold across the band.",
    ),
}


BAND_SOURCES = ("seeds", "plausible", "posterior", "given")


def band_source(source: str, lang: str) -> str:
    """What the spread across replications includes, for ``source`` in BAND_SOURCES."""
    return word(f"band_{source}", lang)


def word(key: str, lang: str, **fields) -> str:
    zh, en = WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text
