"""The model's headline conclusions, each stated with the uncertainty it carries over the posterior.

A *finding* is one conclusion the model draws about the seed report's reforms ("funding that follows
tasks lowers offloading"), defined once, here, as a comparison of two scenarios (or a scenario and a
variant of it with one reform parameter changed) on one metric averaged over a window of months, and
the sign the conclusion claims. ``run.py findings`` runs every scenario the findings read with one
parameter set per replication drawn from a calibration's posterior (the accepted sets of ``run.py
calibrate --fit``, not the prior), replication r of every scenario with the same seed and the same
set, so each replication gives one paired effect per finding. Over these draws it reports the mean
effect, its 95% interval and the 5-95% band of the draws, the share of draws in which the claimed sign
holds, the parameters the effect moves with most (rank correlation over the draws), and a verdict:

* ``robust``: the sign holds in at least ROBUST_SHARE (90%) of the draws, and there are at least MIN_PAIRS
  (10) draws (as a study's report asks of a conclusion that "holds": 6 of 6 agree by chance 1 time in 64
  even when the sign is a coin toss);
* ``reversed``: it holds in fewer than half: the model more often says the opposite;
* ``fragile``: in between. A fragile or reversed finding is not to be stated as a result.

``docs/findings.md`` (and ``findings.zh.md``, ``findings.csv``) are written from these; the workshop
app and its handout read ``findings.csv`` to warn where a scenario's "what to notice" states a finding
that is not robust (``cautions``).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..metrics import METRIC_BY_NAME
from ..parameters import PARAMETERS
from ..scenario import Scenario, load_scenario, with_reform_values
from ..study.comparison import MIN_PAIRS, ROBUST_SHARE, absent_before_first_event

REVERSED_BELOW = 0.5      # a claimed sign holding in fewer than half the draws: the model says the opposite
DRIVERS = 3               # parameters named per finding, the strongest rank correlation first
MIN_DRIVER_DRAWS = MIN_PAIRS   # fewer draws: no rank correlation (6 draws give some of 200 parameters |rho| > 0.9)
VERDICTS = ("robust", "fragile", "reversed")
ROOT = Path(__file__).resolve().parents[2]
FINDINGS_CSV = ROOT / "docs" / "findings.csv"     # what the app and the handout read
DEFAULT_POSTERIOR = ROOT / "docs" / "fit" / "accepted.csv"   # the fit behind the documented findings

# A scenario variant: a scenario of scenarios/ with reform parameters changed, under its own name.
# Renewing the campaign every 12 months is the analysis's choice of "renewed" (the registry's value is 0,
# never); any renewal inside the window would do, a yearly one is the plainest reading of "renewed".
VARIANTS: dict[str, tuple[str, dict[str, float]]] = {
    "burden_reduction_renewed": ("burden_reduction", {"burden_reduction.campaign_renewal_months": 12}),
}


@dataclass(frozen=True)
class Finding:
    """One conclusion: ``scenario`` minus ``reference`` on ``metric``, each replication's mean over the
    months of ``window`` (inclusive); with ``before``, the change from the ``before`` window to ``window``
    in the scenario minus the same change in the reference (a difference in differences). ``sign`` is
    the sign the conclusion claims (+1: higher in the scenario). ``where``: ``district`` (the district
    metric) or ``outside`` (the mean over the communities outside every reform's scope, from the
    per-community series). ``stated_by``: the scenarios whose "what to notice" states it."""

    key: str
    claim_en: str
    claim_zh: str
    scenario: str
    reference: str
    metric: str
    window: tuple[int, int]
    sign: int
    before: tuple[int, int] | None = None
    where: str = "district"
    stated_by: tuple[str, ...] = ()

    @property
    def last_month(self) -> int:
        return max(self.window[1], self.before[1] if self.before else 0)

    def comparison(self, lang: str = "en") -> str:
        """The comparison in words: what is subtracted from what, over which months."""
        w = f"{self.window[0]}–{self.window[1]}"
        outside = {"en": " (communities outside the reformed street)", "zh": "（改革街道以外的社区）"}
        place = outside[lang] if self.where == "outside" else ""
        if lang == "zh":
            text = f"`{self.metric}`{place}，第 {w} 月均值，`{self.scenario}` 减 `{self.reference}`"
            return text + (f"；各自减去第 {self.before[0]}–{self.before[1]} 月均值（双重差分）" if self.before else "")
        text = f"`{self.metric}`{place}, mean of months {w}, `{self.scenario}` minus `{self.reference}`"
        return text + (f"; each minus its mean of months {self.before[0]}–{self.before[1]} (difference in "
                       "differences)" if self.before else "")


FINDINGS: tuple[Finding, ...] = (
    Finding("rebound", "Burden reduction's relief on offloading rebounds: offloading climbs back after the campaign",
            "减负对下派任务的缓解会反弹：运动过后下派任务回升",
            "burden_reduction", "baseline", "offloaded_tasks_per_worker", (72, 96), +1, before=(25, 30),
            stated_by=("burden_reduction", "seed_district_package")),
    Finding("renewal", "Renewing the monitoring campaign keeps offloading lower than a one-off campaign",
            "定期重新开展监督运动，下派任务低于一次性运动",
            "burden_reduction_renewed", "burden_reduction", "offloaded_tasks_per_worker", (72, 96), -1,
            stated_by=("burden_reduction",)),
    Finding("funding", "Funding that follows tasks lowers committees' administrative share (less offloading)",
            "费随事转降低居委会行政事务工时占比（下派减少）",
            "function_transfer_funded", "function_transfer_unfunded", "admin_share", (80, 88), -1,
            stated_by=("function_transfer_funded", "function_transfer_unfunded", "seed_district_package")),
    Finding("elections", "Resident direct elections shift committee hours from administration toward residents",
            "居民直选使居委会工时从行政事务转向居民",
            "direct_election_resident", "baseline", "admin_share", (36, 119), -1,
            stated_by=("direct_election_resident",)),
    Finding("displacement", "A one-street reform displaces offloaded work onto the other streets' committees",
            "单一街道的改革把下派任务转嫁给其他街道的居委会",
            "street_office_reform", "baseline", "offloaded_tasks_per_worker", (36, 119), +1, where="outside",
            stated_by=("street_office_reform",)),
    Finding("package", "The seed report's full package raises the share of requests resolved within 30 days",
            "原报告的整套改革提高 30 天内诉求解决率",
            "seed_district_package", "baseline", "requests_resolved_share", (96, 119), +1,
            stated_by=("seed_district_package",)),
)


def check_findings(findings=FINDINGS) -> None:
    """Every finding names known scenarios and a metric, a sign of +1 or -1 and a known place; keys unique."""
    keys = [f.key for f in findings]
    if len(set(keys)) != len(keys):
        raise ValueError(f"finding keys must be unique: {keys}")
    for f in findings:
        if f.metric not in METRIC_BY_NAME or f.sign not in (1, -1) or f.where not in ("district", "outside"):
            raise ValueError(f"finding {f.key}: metric, sign or place not known")


def scenario(name: str) -> Scenario:
    """A scenario of scenarios/ or a variant (VARIANTS) of one."""
    if name in VARIANTS:
        base, values = VARIANTS[name]
        return replace(with_reform_values(load_scenario(base), values, source=f"finding variant {name}"), name=name,
                       path=None)
    return load_scenario(name)


def scenarios_for(findings=FINDINGS) -> list[Scenario]:
    """The scenarios the findings read, each once, references first."""
    names = list(dict.fromkeys(n for f in findings for n in (f.reference, f.scenario)))
    return [scenario(n) for n in names]


def min_steps(findings=FINDINGS) -> int:
    return max(f.last_month for f in findings) + 1


def check_steps(steps: int, findings=FINDINGS, source: str = "findings", field: str = "steps=") -> None:
    need = min_steps(findings)
    if steps < need:
        raise InputError(source, field, f"at least {need} months, the last month a finding reads plus one", steps)


def _outside(s: Scenario) -> tuple[int, ...] | None:
    """The streets no reform of ``s`` covers (None: a district-wide reform leaves none outside)."""
    covered = set()
    for r in s.reforms:
        if r.scope.district:
            return None
        covered |= set(r.scope.streets) | {street for street, _ in r.scope.communities}
    return tuple(sorted(covered))


def _series(finding: Finding, timeseries: pd.DataFrame, communities: pd.DataFrame | None,
            scenarios: dict[str, Scenario]) -> pd.DataFrame:
    """The finding's metric by scenario, replication and month, where the finding reads it."""
    if finding.where == "district":
        return timeseries[["scenario", "replication", "step", finding.metric]]
    if communities is None:
        raise InputError("findings", "communities", f"per-community series for finding {finding.key}")
    covered = _outside(scenarios[finding.scenario])
    if covered is None:
        raise InputError("findings", finding.key, f"a scenario reformed in some streets only ({finding.scenario} is "
                         "reformed district-wide, so no street is outside)")
    outside = communities[~communities["street"].isin(covered)]
    return outside.groupby(["scenario", "replication", "step"], as_index=False)[finding.metric].mean()


def effects(timeseries: pd.DataFrame, communities: pd.DataFrame | None, findings=FINDINGS,
            scenarios: dict[str, Scenario] | None = None) -> pd.DataFrame:
    """One row per finding and replication: ``finding``, ``replication``, ``effect`` (scenario minus
    reference, paired on the replication: the same seed and parameter set)."""
    scenarios = scenarios or {s.name: s for s in scenarios_for(findings)}
    timeseries = absent_before_first_event(timeseries)
    communities = absent_before_first_event(communities) if communities is not None else None
    rows = []
    for f in findings:
        series = _series(f, timeseries, communities, scenarios)

        def mean(name: str, window: tuple[int, int], series=series, f=f) -> pd.Series:
            s = series[(series["scenario"] == name) & series["step"].between(*window)]
            return s.groupby("replication")[f.metric].mean()

        effect = mean(f.scenario, f.window) - mean(f.reference, f.window)
        if f.before is not None:
            effect = effect - (mean(f.scenario, f.before) - mean(f.reference, f.before))
        for replication, value in effect.items():
            rows.append({"finding": f.key, "replication": int(replication), "effect": float(value)})
    return pd.DataFrame(rows, columns=["finding", "replication", "effect"])


def verdict(share: float, draws: int = MIN_PAIRS) -> str:
    """robust (the claimed sign in at least ROBUST_SHARE of at least MIN_PAIRS draws), reversed (in fewer than
    half), else fragile."""
    if not math.isfinite(share):
        return "fragile"
    if share < REVERSED_BELOW:
        return "reversed"
    return "robust" if share >= ROBUST_SHARE and draws >= MIN_PAIRS else "fragile"


def drivers(values: pd.Series, sets: pd.DataFrame) -> list[tuple[str, float]]:
    """The parameters whose drawn values move most with the effect: Spearman's rho over the draws,
    the DRIVERS largest in size (none with fewer than MIN_DRIVER_DRAWS draws)."""
    from scipy.stats import spearmanr
    ok = values.notna().to_numpy()
    if ok.sum() < MIN_DRIVER_DRAWS or np.ptp(values[ok]) == 0:
        return []
    found = []
    for name in sets.columns:
        x = sets[name].to_numpy(float)[ok]
        if np.ptp(x) == 0:
            continue
        rho = float(spearmanr(x, values.to_numpy(float)[ok]).statistic)
        if math.isfinite(rho):
            found.append((name, rho))
    return sorted(found, key=lambda item: -abs(item[1]))[:DRIVERS]


def summarise(effect_table: pd.DataFrame, sets: pd.DataFrame | None, findings=FINDINGS) -> pd.DataFrame:
    """One row per finding: the claim, the comparison, the number of draws, the mean effect with its 95%
    interval (Student t) and the 5-95% band of the draws, the share of draws in which the claimed sign
    holds, the verdict and the parameters it depends on most. ``sets``: the parameter values of each
    replication (rows in replication order), or None."""
    from ..study.comparison import _t_interval
    rows = []
    for f in findings:
        e = effect_table[effect_table["finding"] == f.key].set_index("replication")["effect"]
        v = e.dropna().to_numpy(float)
        mean, low, high = _t_interval(v, 0.95) if v.size else (math.nan,) * 3
        q05, q95 = (np.quantile(v, [0.05, 0.95]) if v.size else (math.nan, math.nan))
        share = float(np.mean(np.sign(v) == f.sign)) if v.size else math.nan
        found = drivers(e, sets.loc[e.index]) if sets is not None and len(sets) else []
        rows.append({"finding": f.key, "claim_en": f.claim_en, "claim_zh": f.claim_zh, "scenario": f.scenario,
                     "reference": f.reference, "metric": f.metric, "where": f.where,
                     "window": f"{f.window[0]}-{f.window[1]}",
                     "before": f"{f.before[0]}-{f.before[1]}" if f.before else "",
                     "claimed_sign": "+" if f.sign > 0 else "-", "draws": int(v.size), "mean_effect": mean,
                     "ci_low": low, "ci_high": high, "band_low": float(q05), "band_high": float(q95),
                     "sign_share": share, "verdict": verdict(share, int(v.size)),
                     "drivers": "; ".join(f"{n} ({rho:+.2f})" for n, rho in found),
                     "stated_by": " ".join(f.stated_by)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------- documents

WORDS = {
    "title": ("模型结论及其不确定性", "The model's conclusions, with their uncertainty"),
    "intro": (
        "本文件由 `{command}` 生成，请勿手工编辑。每条结论在 `model/research/findings.py` 中定义一次："
        "两个情景（或一个情景与改变了一个改革参数的变体）在一个指标、一段月份上的比较，以及结论所声称的方向。"
        "校准拟合过的参数取自其后验（`calibrate --fit` 接受的参数集 `{posterior}`），其余每个不确定参数取自其合理范围"
        "（拉丁超立方抽样：拟合对它们没有提供信息），共 {draws} 次抽取；"
        "每次抽取在各情景中使用相同的随机种子和相同的参数集，因此每次抽取给出每条结论的一个配对效应。",
        "This file is written by `{command}`; do not edit it by hand. Each conclusion is defined once, in "
        "`model/research/findings.py`: a comparison of two scenarios (or a scenario and a variant of it with one "
        "reform parameter changed) on one metric over a window of months, and the sign the conclusion claims. The "
        "parameters the calibration fitted are drawn from its posterior (the sets accepted by `calibrate --fit`, "
        "`{posterior}`), every other uncertainty parameter from its plausible range (a Latin hypercube: the fit "
        "says nothing about them), {draws} draw(s); each draw runs every scenario with the same seed and the same "
        "parameter set, so it gives one paired effect per conclusion."),
    "verdicts": (
        "判定：至少 {pairs} 次抽取且其中至少 {robust:.0%} 方向成立为**稳健**；"
        "少于一半为**相反**（模型更常给出相反结论）；其余为**脆弱**（包括抽取不足 {pairs} 次的情形）。"
        "脆弱或相反的结论不应作为模型的结果陈述。",
        "Verdict: the claimed sign holds in at least {robust:.0%} of at least {pairs} draws: **robust**; in fewer "
        "than half: **reversed** (the model more often says the opposite); otherwise **fragile** (also when there "
        "are fewer than {pairs} draws). A fragile or reversed conclusion is not to be stated as a result of the "
        "model."),
    "budget": ("运行设置：{steps} 个月，比例 {scale}，主种子 {seed}，{scenarios} 个情景；"
               "模型版本 {commit}。",
               "Run: {steps} months, scale {scale}, master seed {seed}, {scenarios} scenarios; model at {commit}."),
    "drivers_note": (
        "“最相关参数”是各参数抽取值与效应在抽取间的 Spearman 秩相关，取绝对值最大的 {n} 个；"
        "抽取数少时仅作提示。",
        "\"Depends most on\" gives the {n} parameters whose drawn values have the largest rank correlation "
        "(Spearman, over the draws) with the effect; with few draws it is a pointer, not a test."),
    "regenerate": ("模型改动后须重新生成：`{command}`。", "Regenerate after any change to the model: `{command}`."),
    "table": ("| 结论 | 效应均值 [95% 区间] | 抽取的 5–95% 范围 | 方向成立的抽取比例 | 判定 |",
              "| conclusion | mean effect [95% interval] | 5–95% of draws | share of draws with the claimed sign | "
              "verdict |"),
    "comparison": ("比较", "Comparison"),
    "depends": ("最相关参数", "Depends most on"),
    "none": ("（抽取太少，未计算）", "(too few draws to say)"),
    "robust": ("稳健", "robust"), "fragile": ("脆弱", "fragile"), "reversed": ("相反", "reversed"),
    "caution": ("注意：模型结论“{claim}”在 {draws} 次后验抽取中的 {share:.0%} 方向成立（{verdict}：稳健需要至少 "
                "{pairs} 次抽取中至少 {robust:.0%}），不应作为结果陈述；见 docs/findings.md。",
                "Caution: the model's conclusion \"{claim}\" holds in {share:.0%} of {draws} posterior draws "
                "({verdict}: robust needs at least {robust:.0%} of at least {pairs}); it is not a result of the "
                "model. See docs/findings.md."),
}


def word(key: str, lang: str, **fields) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**fields)


def _number(metric: str, value: float) -> str:
    from ..report.i18n import format_value
    return format_value(metric, value, signed=True) if math.isfinite(value) else "–"


def document(table: pd.DataFrame, lang: str, command: str, posterior: str, run: dict) -> str:
    """findings.md (``lang`` en) or findings.zh.md (zh) from the summary table."""
    from ..report.i18n import metric_unit
    draws = int(table["draws"].max()) if len(table) else 0
    lines = [f"# {word('title', lang)}", "", word("intro", lang, command=command, posterior=posterior, draws=draws),
             "", word("verdicts", lang, robust=ROBUST_SHARE, pairs=MIN_PAIRS), "", word("budget", lang, **run), "",
             word("table", lang), "|---|---|---|---|---|"]
    for r in table.itertuples():
        claim = r.claim_zh if lang == "zh" else r.claim_en
        unit = metric_unit(r.metric, lang)
        unit = ("个百分点" if lang == "zh" else "percentage points") if unit == "%" else unit   # a difference of shares
        lines.append(f"| {claim} | {_number(r.metric, r.mean_effect)} [{_number(r.metric, r.ci_low)}, "
                     f"{_number(r.metric, r.ci_high)}] {unit} | {_number(r.metric, r.band_low)} … "
                     f"{_number(r.metric, r.band_high)} | {r.sign_share:.0%} ({r.draws}) | "
                     f"**{word(r.verdict, lang)}** |")
    lines.append("")
    for r, f in zip(table.itertuples(), FINDINGS if len(table) == len(FINDINGS) else [None] * len(table),
                    strict=True):
        claim = r.claim_zh if lang == "zh" else r.claim_en
        lines += [f"## {claim}", ""]
        if f is not None:
            lines.append(f"- {word('comparison', lang)}: {f.comparison(lang)}.")
        lines.append(f"- {word('depends', lang)}: " + (", ".join(f"`{d}`" for d in r.drivers.split("; "))
                                                          if r.drivers else word("none", lang)))
        lines.append("")
    lines += [word("drivers_note", lang, n=DRIVERS), "", word("regenerate", lang, command=command), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- readers

def read_verdicts(path: Path | None = None) -> pd.DataFrame | None:
    """The committed findings table (FINDINGS_CSV, docs/findings.csv, unless ``path`` is given), or None if
    there is none (not yet assessed)."""
    path = Path(path) if path is not None else FINDINGS_CSV
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path, encoding="utf-8-sig", dtype={"stated_by": str}, keep_default_na=False,
                            na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error):
        return None
    need = {"finding", "claim_en", "claim_zh", "sign_share", "verdict", "stated_by"}
    return table if need <= set(table.columns) else None


def cautions(scenario_name: str, lang: str, path: Path | None = None) -> list[str]:
    """One line per finding that ``scenario_name``'s "what to notice" states and that is not robust."""
    table = read_verdicts(path)
    if table is None:
        return []
    lines = []
    for r in table.itertuples():
        stated = str(r.stated_by).split() if isinstance(r.stated_by, str) else []
        if scenario_name in stated and r.verdict != "robust":
            lines.append(word("caution", lang, claim=r.claim_zh if lang == "zh" else r.claim_en,
                              share=float(r.sign_share), verdict=word(r.verdict, lang),
                              draws=int(getattr(r, "draws", 0) or 0), pairs=MIN_PAIRS, robust=ROBUST_SHARE))
    return lines


def parameter_columns(sets_table: pd.DataFrame) -> pd.DataFrame:
    """The drawn parameter values of a parameter_sets table (one row per replication, in order)."""
    names = [c for c in sets_table.columns if c in PARAMETERS]
    return sets_table.set_index("replication")[names]
