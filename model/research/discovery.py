"""Scenario discovery: which ranges of the uncertain parameters make a strategy miss a target.

A Latin-hypercube sweep over the uncertainty parameters (model.study.design, model.research.sweep) gives one
case per run; a case *misses* when its final-month outcome is on the wrong side of a threshold
(``below``: value < threshold is a miss, for outcomes where more is better; ``above``: value >
threshold, for costs). PRIM from the EMA Workbench (Friedman & Fisher 1999; Bryant & Lempert
2010) peels the parameter space down to a box where misses are dense. Along its peeling
trajectory, coverage (the share of all misses inside the box) falls as density (the share of
runs inside the box that miss) rises; we take the box with the highest coverage among those
whose density reaches the target (ties: the denser), or the densest box if none reaches it.
Extra-trees feature scores (EMA Workbench) rank the parameters by how well they predict a miss.

Failed runs are left out of the cases, and their number is reported.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure

from ..errors import InputError
from ..parameters import PARAMETERS
from ..report.i18n import metric_label
from ..study.seeds import DEFAULT_SEED, stream_seed
from .sensitivity import check_outcomes

MISS = ("below", "above")
DEFAULT_SAMPLES = 200        # Latin-hypercube points: enough cases for PRIM to peel in steps of 5%
DEFAULT_DENSITY = 0.9        # a box where 9 in 10 runs miss reads as "the strategy misses here"
PEEL_ALPHA = 0.05            # share of cases peeled per step (EMA Workbench's default)
MASS_MIN = 0.05              # smallest box, as a share of all cases (EMA Workbench's default)
BOX_COLUMNS = ["parameter", "low", "high", "range_low", "range_high", "qp_low", "qp_high",
               "coverage", "density", "mass", "box", "label_en", "label_zh"]

WORDS = {
    "tradeoff_title": ("PRIM 剥离轨迹：覆盖率与密度的权衡", "PRIM peeling trajectory: coverage against density"),
    "coverage": ("覆盖率（框内未达标占全部未达标的比例）", "coverage (share of all misses inside the box)"),
    "density": ("密度（框内运行中未达标的比例）", "density (share of runs in the box that miss)"),
    "restricted": ("受限参数个数", "restricted parameters"),
    "chosen": ("所选框", "chosen box"),
    "target": ("目标密度 {d:.0%}", "density target {d:.0%}"),
    "box_title": ("所选框的参数范围（灰：抽样范围；彩：框内）",
                  "The chosen box (grey: the range sampled; colour: inside the box)"),
    "box_stats": ("{label}：覆盖率 {coverage:.0%}，密度 {density:.0%}，质量 {mass:.0%}",
                  "{label}: coverage {coverage:.0%}, density {density:.0%}, mass {mass:.0%}"),
    "no_restriction": ("所选框不限制任何参数", "the chosen box restricts no parameter"),
}


def word(key: str, lang: str, **fields) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**fields)


def check_miss(miss: str, source: str = "discover") -> str:
    if miss not in MISS:
        raise InputError(source, "miss=", "one of " + ", ".join(MISS), miss)
    return miss


def check_density(density: float, source: str = "discover") -> float:
    if not (isinstance(density, int | float) and 0 < density <= 1):
        raise InputError(source, "density=", "a number in (0, 1]", density)
    return float(density)


@dataclass
class Discovery:
    """What PRIM found: the cases, the peeling trajectory, the chosen box and the feature scores.
    ``message`` is set (and the rest empty) when no run misses, or every run does."""

    outcome: str
    threshold: float
    miss: str
    density_target: float
    cases: int
    misses: int
    failed: int
    trajectory: pd.DataFrame
    chosen: int | None
    box: pd.DataFrame
    scores: pd.DataFrame
    message: str | None = None

    @property
    def stats(self) -> dict[str, float]:
        if self.chosen is None:
            return {}
        row = self.trajectory.iloc[self.chosen]
        return {k: float(row[k]) for k in ("coverage", "density", "mass")} | {"res_dim": int(row["res_dim"])}


@contextmanager
def _quiet():
    """The EMA Workbench 3.0 still calls pandas with ``inplace=``, which pandas deprecates; that is
    its business, not the user's."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword", category=DeprecationWarning)
        yield


def misses_of(values: np.ndarray, threshold: float, miss: str) -> np.ndarray:
    """True where a value misses the threshold (``below``: value < threshold; ``above``: value > threshold)."""
    return values < threshold if miss == "below" else values > threshold


def choose(trajectory: pd.DataFrame, density: float) -> int:
    """The box with the highest coverage among those of at least ``density`` (ties: the denser,
    then the earlier); the densest box if none reaches it."""
    reach = trajectory[trajectory["density"] >= density]
    if reach.empty:
        return int(trajectory["density"].to_numpy().argmax())
    best = reach.sort_values(["coverage", "density", "id"], ascending=[False, False, True], kind="stable")
    return int(best.index[0])


def discover(result, outcome: str, threshold: float, miss: str = "below", density: float = DEFAULT_DENSITY,
             master_seed: int = DEFAULT_SEED, scenario: str | None = None) -> Discovery:
    """PRIM (and feature scores) on the runs of a sweep: see the module docstring."""
    from .ema import workbench
    workbench()
    from ema_workbench.analysis import prim
    check_outcomes([outcome], "discover", "outcome=")
    check_miss(miss, "discover")
    density = check_density(density, "discover")
    runs = result.runs
    names = list(dict.fromkeys(runs["scenario"]))
    scenario = scenario or names[0]
    runs = runs[runs["scenario"] == scenario]
    ok = runs[(runs["status"] == "ok") & np.isfinite(runs[outcome])]
    factors = [f.name for f in result.design.factors]
    # as floats: PRIM pastes limits such as 4.5 into a box, and an integer parameter's int64 column refuses them
    x = ok[factors].astype(float).reset_index(drop=True)
    y = misses_of(ok[outcome].to_numpy(float), threshold, miss)
    empty = Discovery(outcome, threshold, miss, density, len(y), int(y.sum()), len(runs) - len(ok), pd.DataFrame(),
                      None, pd.DataFrame(columns=BOX_COLUMNS), pd.DataFrame(columns=["parameter", "score"]))
    if len(y) == 0 or y.all() or not y.any():
        side = "<" if miss == "below" else ">"
        what = "no run misses" if not y.any() else "every run misses"
        empty.message = (f"{what} ({outcome} {side} {threshold:g} in {int(y.sum())} of {len(y)} run(s)): "
                         "there is no region to discover; try another threshold")
        return empty
    with _quiet():
        found = prim.Prim(x, y, peel_alpha=PEEL_ALPHA, mass_min=MASS_MIN)
        box = found.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    i = choose(trajectory, density)
    limits, init = box.box_lims[i], found.box_init
    qp = box.p_values[i] if i < len(box.p_values) else {}
    ranges = {f.name: (f.low, f.high) for f in result.design.factors}
    rows = []
    for name in factors:
        low, high = float(limits[name].iloc[0]), float(limits[name].iloc[1])
        cut_low, cut_high = low > float(init[name].iloc[0]), high < float(init[name].iloc[1])
        if not (cut_low or cut_high):
            continue
        # a side PRIM did not cut is the sampled range's bound, not the extreme case drawn
        low, high = (low if cut_low else ranges[name][0]), (high if cut_high else ranges[name][1])
        q = [v if v >= 0 else math.nan for v in qp.get(name, [-1, -1])]      # -1: that side is not restricted
        rows.append({"parameter": name, "low": low, "high": high, "range_low": ranges[name][0],
                     "range_high": ranges[name][1], "qp_low": q[0], "qp_high": q[1]})
    table = pd.DataFrame(rows, columns=BOX_COLUMNS[:7])
    for k in ("coverage", "density", "mass"):
        table[k] = float(trajectory.loc[i, k])
    table["box"] = i
    table["label_en"] = [PARAMETERS[n].label_en for n in table["parameter"]]
    table["label_zh"] = [PARAMETERS[n].label_zh for n in table["parameter"]]
    return Discovery(outcome, threshold, miss, density, len(y), int(y.sum()), len(runs) - len(ok), trajectory, i,
                     table, feature_scores(x, y, master_seed))


def feature_scores(x: pd.DataFrame, y: np.ndarray, master_seed: int) -> pd.DataFrame:
    """Extra-trees feature scores (EMA Workbench) of each parameter for predicting a miss."""
    from ema_workbench.analysis import feature_scoring
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    with _quiet():
        scores, _ = feature_scoring.get_ex_feature_scores(x, y.astype(int), mode=RuleInductionType.CLASSIFICATION,
                                                          random_state=stream_seed(master_seed, "discovery"))
    scores = scores.iloc[:, 0].rename("score").rename_axis("parameter").reset_index()
    return scores.sort_values(["score", "parameter"], ascending=[False, True], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------- figures
def tradeoff_figure(d: Discovery, lang: str = "en") -> Figure:
    """Coverage (x) against density (y) along the peeling trajectory, coloured by the number of
    restricted parameters; the chosen box ringed, the density target dashed."""
    from ..report.figures import A4_WIDTH_IN, REFERENCE_COLOUR, style
    t = d.trajectory
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(A4_WIDTH_IN * 0.7, A4_WIDTH_IN * 0.55), layout="constrained")
        ax = fig.subplots()
        top = int(t["res_dim"].max())
        norm = BoundaryNorm(np.arange(-0.5, top + 1.5), 256)      # one colour per whole number of restrictions
        dots = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", norm=norm, s=14, zorder=3)
        ax.plot(t["coverage"], t["density"], color="#999999", lw=0.6, zorder=2)
        c = t.iloc[d.chosen]
        ax.scatter([c["coverage"]], [c["density"]], s=90, facecolors="none", edgecolors=REFERENCE_COLOUR, lw=1.2,
                   zorder=4, label=f"{word('chosen', lang)} ({d.chosen})")
        ax.axhline(d.density_target, color=REFERENCE_COLOUR, ls=(0, (3, 2)), lw=0.7,
                   label=word("target", lang, d=d.density_target))
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(word("coverage", lang))
        ax.set_ylabel(word("density", lang))
        fig.colorbar(dots, ax=ax, label=word("restricted", lang), ticks=range(top + 1) if top < 12 else None)
        ax.legend(loc="lower left", frameon=False)
        fig.suptitle(word("tradeoff_title", lang))
    return fig


def box_figure(d: Discovery, lang: str = "en") -> Figure:
    """Each restricted parameter: the range sampled (grey, scaled to 0-1) and the box (colour),
    with the values written at the ends."""
    from ..report.figures import A4_WIDTH_IN, COLOURS, _wrap, style
    box = d.box
    n = max(1, len(box))
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(A4_WIDTH_IN, 0.45 * n + 1.1), layout="constrained")
        ax = fig.subplots()
        if box.empty:
            ax.text(0.5, 0.5, word("no_restriction", lang), ha="center", va="center", transform=ax.transAxes)
        for y, r in enumerate(box.itertuples()):
            span = r.range_high - r.range_low
            lo, hi = (r.low - r.range_low) / span, (r.high - r.range_low) / span
            ax.barh(y, 1, left=0, height=0.55, color="#dddddd")
            ax.barh(y, hi - lo, left=lo, height=0.55, color=COLOURS[4])
            ax.text(lo, y + 0.42, f"{r.low:.3g}", ha="center", va="center", fontsize=6.5)
            ax.text(hi, y + 0.42, f"{r.high:.3g}", ha="center", va="center", fontsize=6.5)
            ax.text(1.01, y, f"[{r.range_low:g}, {r.range_high:g}]", ha="left", va="center", fontsize=6.5,
                    color="#555555")
        ax.set_yticks(range(len(box)), [_wrap(PARAMETERS[name].label(lang), lang, 40, 20) for name in box["parameter"]],
                      fontsize=7)
        ax.set_ylim(n - 0.4, -0.7)
        ax.set_xlim(0, 1.18)
        ax.set_xticks([0, 0.5, 1], ["low", "", "high"] if lang != "zh" else ["下限", "", "上限"])
        ax.grid(axis="y", visible=False)
        fig.suptitle(_wrap(word("box_title", lang), lang, 90, 45) + "\n"
                     + word("box_stats", lang, label=metric_label(d.outcome, lang), **d.stats))
    return fig


# ---------------------------------------------------------------------------------------- summary
def summary(d: Discovery, scenario: str, runs: int, factors: int, steps: int, replications: int) -> str:
    """discovery.md: which uncertainty ranges make the strategy miss, in plain words."""
    side = "below" if d.miss == "below" else "above"
    label = metric_label(d.outcome, "en")
    lines = [f"# Scenario discovery: when does `{scenario}` miss?", "",
             f"A miss is a run whose final-month **{label}** (`{d.outcome}`) is {side} {d.threshold:g}. "
             f"The runs: a Latin hypercube of {runs} run(s) over {factors} parameter(s) (at their plausible ranges "
             f"unless `--vary` gave others), {replications} replication(s), {steps} months."
             + (f" {d.failed} failed run(s) are left out." if d.failed else ""), ""]
    if d.message:
        return "\n".join([*lines, d.message[0].upper() + d.message[1:] + ".", ""])
    s = d.stats
    base = d.misses / d.cases
    lines += [f"{d.misses} of {d.cases} run(s) miss ({base:.0%}).", "",
              f"PRIM finds a box of the parameter space in which {s['density']:.0%} of runs miss, against {base:.0%} "
              f"overall. It holds {s['coverage']:.0%} of all misses (coverage) and {s['mass']:.0%} of all runs "
              f"(mass). It is box {d.chosen} of the peeling trajectory: the one with the highest coverage among "
              f"those with a density of at least {d.density_target:.0%}"
              + ("" if s["density"] >= d.density_target else " (none reaches it, so the densest)") + ".", ""]
    if d.box.empty:
        lines += ["The box restricts no parameter: misses are spread over the whole space.", ""]
    else:
        lines += ["The strategy tends to miss when:", ""]
        for r in d.box.itertuples():
            if r.low > r.range_low and r.high < r.range_high:
                where = f"between {r.low:.3g} and {r.high:.3g}"
            elif r.low > r.range_low:
                where = f"above {r.low:.3g}"
            else:
                where = f"below {r.high:.3g}"
            qp = max(r.qp_low if not math.isnan(r.qp_low) else 0, r.qp_high if not math.isnan(r.qp_high) else 0)
            lines.append(f"- **{r.label_en}** (`{r.parameter}`) is {where} (range sampled "
                         f"{r.range_low:g}–{r.range_high:g}; quasi-p {qp:.2g})")
        lines += ["", "A quasi-p value above 0.05 means that restriction may be chance. Every other parameter "
                  "is unrestricted: within its plausible range it does not decide the miss.", ""]
    if not d.scores.empty:
        top = d.scores.head(5)
        lines += ["Parameters that best predict a miss (extra-trees feature scores, EMA Workbench): "
                  + ", ".join(f"`{r.parameter}` ({r.score:.2f})" for r in top.itertuples()) + ".", ""]
    lines += ["Files: `prim_boxes.csv` (the box), `prim_tradeoff.png` (coverage against density), `prim_box.png` "
              "(the box against the ranges), `feature_scores.csv`, `runs.parquet` (every run).", ""]
    return "\n".join(lines)
