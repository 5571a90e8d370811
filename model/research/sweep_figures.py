"""Figures of a sweep: an outcome against each varied parameter, and one strategy minus another across
the design.

A point of the design is drawn as the mean over its replications of a metric's final-month value
(``runs.parquet``), as ``model.research.sensitivity`` reads it. Two strategies are compared run by run
on the same design point and seed (common random numbers), so a difference is the strategies', not
the seeds'::

    from model.research.sweep import load_sweep
    from model.research.sweep_figures import difference_figure, outcome_figure, write_sweep_figures

    result = load_sweep("results/my_sweep")
    outcome_figure(result, "admin_share", lang="zh")               # a matplotlib Figure
    difference_figure(result, "admin_share", "burden_reduction")    # minus baseline (or the first strategy)
    write_sweep_figures("results/my_sweep", ["admin_share", "trust"])   # the PNG files into the folder

``run.py sweep`` writes ``sweep_<metric>.png`` and, with two strategies or more,
``sweep_<metric>_difference.png`` (every other strategy minus baseline, or minus the first strategy
named) for each metric of ``--outcomes`` (default: the headline metrics).
With more varied parameters than a page holds, the panels show the MAX_PARAMETERS with the strongest
rank correlation with what is drawn, strongest first, and the title says how many were varied.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from ..errors import InputError
from ..metrics import METRIC_NAMES, min_effect
from ..parameters import PARAMETERS
from ..report.figures import (
    A4_WIDTH_IN,
    BAND_GREY,
    PAGE_HEIGHT_IN,
    REFERENCE_COLOUR,
    _styles,
    _title,
    _wrap,
    panels,
    plain_axis,
    save,
    style,
)
from ..report.i18n import check_lang, metric_factor, metric_label, metric_unit

COLS = 3
MAX_PARAMETERS = 12          # panels per figure: four rows of three on an A4 page
TREND_BINS = 5               # the trend line: mean of the points in each fifth of a parameter's values
MIN_TREND_POINTS = 10        # fewer points than this get no trend line
REFERENCE = "baseline"       # the strategy others are compared with, if the sweep has it

WORDS = {
    "outcome_title": ("扫描：{label} 与各个变化参数（每点为一个设计点各次重复的均值，最后一个月）",
                      "Sweep: {label} against each varied parameter (a dot per design point: mean over "
                      "its replications, final month)"),
    "difference_title": ("扫描：{a} 减 {b}（相同设计点与随机种子），{label}",
                         "Sweep: {a} minus {b} on the same design points and seeds, {label}"),
    "strongest": ("（{total} 个变化参数中与之秩相关最强的 {shown} 个）",
                  " (the {shown} of {total} varied parameters with the strongest rank correlation)"),
    "across": ("{a}：{share:.0%} 的设计点更高", "{a}: higher at {share:.0%} of the points"),
    "distribution": ("差值在整个设计中的分布", "the difference across the design"),
    "each_strategy": ("各策略", "each strategy"),
    "points": ("设计点数", "design points"),
    "trend": ("分段均值", "mean per fifth of the range"),
    "min_effect": ("灰色：小于值得报告的幅度", "grey: smaller than worth reporting"),
    "no_runs": ("没有成功的运行", "no successful run"),
}


def word(key: str, lang: str, **fields) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**fields)


def _parameter_label(name: str, lang: str) -> str:
    param = PARAMETERS.get(name)
    if param is None:
        return name
    label = param.label(lang) or name
    return f"{label} ({param.unit})" if param.unit and param.unit not in ("flag", "-") else label


def _check(result, outcome: str) -> list[str]:
    """The varied parameters of ``result``; a one-line InputError for an unknown outcome."""
    if outcome not in METRIC_NAMES:
        raise InputError("sweep figure", "outcome", "a metric name (run.py sensitivity --help lists them)", outcome)
    return [f.name for f in result.design.factors if f.name in result.runs.columns]


def _ok_runs(result) -> pd.DataFrame:
    """The successful runs as one consolidated frame: a sweep over the default factors has some 200
    parameter columns, and a frame read column by column makes pandas warn of fragmentation at
    every column added."""
    return result.runs[result.runs["status"] == "ok"].copy()


def point_means(result, outcome: str) -> pd.DataFrame:
    """One row per strategy and design point: the varied parameters and the mean of ``outcome`` over the
    point's successful replications (a point with none is left out)."""
    names = _check(result, outcome)
    runs = _ok_runs(result)
    means = runs.groupby(["scenario", "point"], sort=False)[outcome].mean().rename("value")
    values = runs.groupby(["scenario", "point"], sort=False)[names].first()
    return values.join(means).reset_index().dropna(subset=["value"])


def point_differences(result, outcome: str, strategy: str, reference: str) -> pd.DataFrame:
    """One row per design point: the varied parameters and the mean over replications of ``strategy``
    minus ``reference`` on the same point and seed (pairs with a failed run are left out)."""
    names = _check(result, outcome)
    known = list(dict.fromkeys(result.runs["scenario"]))
    for field, name in (("strategy", strategy), ("reference", reference)):
        if name not in known:
            raise InputError("sweep figure", field, "a strategy of the sweep (" + ", ".join(known) + ")", name)
    runs = _ok_runs(result)
    keys = ["point", "replication"]
    a = runs[runs["scenario"] == strategy][[*keys, *names, outcome]]
    b = runs[runs["scenario"] == reference][[*keys, outcome]]
    pairs = a.merge(b, on=keys, suffixes=("", "__ref"))
    pairs["value"] = pairs[outcome] - pairs[f"{outcome}__ref"]
    grouped = pairs.groupby("point", sort=True)     # not agg({name: ...}): it adds a column at a time
    out = pd.concat([grouped[names].first(), grouped["value"].mean()], axis=1).reset_index()
    return out.dropna(subset=["value"])


def strongest(frame: pd.DataFrame, names: list[str], limit: int = MAX_PARAMETERS) -> list[str]:
    """The parameters in design order if at most ``limit``, else the ``limit`` with the largest absolute
    Spearman correlation with ``value`` in any strategy, strongest first."""
    if len(names) <= limit:
        return list(names)
    groups = [g for _, g in frame.groupby("scenario")] if "scenario" in frame else [frame]

    def strength(name: str) -> float:
        rhos = [abs(stats.spearmanr(g[name], g["value"]).statistic) for g in groups
                if g[name].nunique() > 1 and g["value"].nunique() > 1]
        rhos = [r for r in rhos if np.isfinite(r)]
        return max(rhos, default=0.0)

    return sorted(names, key=lambda n: -strength(n))[:limit]


def _trend(ax, x: np.ndarray, y: np.ndarray, **look) -> None:
    """The mean of y in each fifth of x's values, as a line (nothing for few points or a constant x)."""
    if len(x) < MIN_TREND_POINTS or np.unique(x).size < 2:
        return
    edges = np.unique(np.quantile(x, np.linspace(0, 1, TREND_BINS + 1)))
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    centres = [x[which == i].mean() for i in range(len(edges) - 1) if (which == i).any()]
    means = [y[which == i].mean() for i in range(len(edges) - 1) if (which == i).any()]
    ax.plot(centres, means, **look)


def _figure(count: int, extra: int = 0) -> tuple[Figure, np.ndarray]:
    rows = max(1, -(-(count + extra) // COLS))
    fig = Figure(figsize=(A4_WIDTH_IN, min(2.0 * rows + 1.0, PAGE_HEIGHT_IN)), layout="constrained")
    return fig, panels(fig, count + extra, COLS)


def _no_runs(lang: str) -> Figure:
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(A4_WIDTH_IN, 2.0), layout="constrained")
        fig.text(0.5, 0.5, word("no_runs", lang), ha="center", va="center")
    return fig


def outcome_figure(result, outcome: str, *, lang: str = "en", reference: str = REFERENCE) -> Figure:
    """``outcome`` against each varied parameter (or the MAX_PARAMETERS with the strongest rank
    correlation): a dot per design point and strategy, in the study figures' colours (the reference
    black), and a line through the mean of each fifth of the parameter's values."""
    check_lang(lang)
    names = _check(result, outcome)
    means = point_means(result, outcome)
    if means.empty or not names:
        return _no_runs(lang)
    shown = strongest(means, names)
    strategies = list(dict.fromkeys(means["scenario"]))
    looks = _styles(strategies, reference)
    factor = metric_factor(outcome)
    with matplotlib.rc_context(style()):
        fig, axes = _figure(len(shown))
        for ax, name in zip(axes, shown, strict=True):
            for strategy in strategies:
                s = means[means["scenario"] == strategy]
                x, y = s[name].to_numpy(float), s["value"].to_numpy(float) * factor
                look = looks[strategy]
                ax.scatter(x, y, s=6, color=look["color"], alpha=0.6, lw=0, zorder=look["zorder"],
                           label=strategy)
                _trend(ax, x, y, color=look["color"], lw=1.2, zorder=look["zorder"] + 1)
            ax.set_xlabel(_wrap(_parameter_label(name, lang), lang, 40, 20))
            ax.set_ylabel(metric_unit(outcome, lang))
            plain_axis(ax.xaxis, 4)
            plain_axis(ax.yaxis, 5)
        handles, labels = axes[0].get_legend_handles_labels()
        if len(strategies) > 1:
            fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4), frameon=False,
                       markerscale=2)
        title = word("outcome_title", lang, label=_title(outcome, lang, 60, 30).replace("\n", " "))
        if len(shown) < len(names):
            title += word("strongest", lang, shown=len(shown), total=len(names))
        fig.suptitle(_wrap(title, lang, 100, 50))
    return fig


def difference_figure(result, outcome: str, strategies=None, reference: str | None = None, *,
                      lang: str = "en") -> Figure:
    """Each of ``strategies`` (a name or a list; default: every strategy but the reference) minus
    ``reference`` (default: baseline if the sweep has it, else its first strategy) on the same design
    points and seeds: first how the difference is spread across the design (a histogram per strategy,
    its legend saying at what share of the points the strategy is higher), then the difference against
    each varied parameter (or the MAX_PARAMETERS with the strongest rank correlation). Zero is a black
    line; grey is the metric's smallest effect worth reporting either side of it."""
    check_lang(lang)
    known = list(dict.fromkeys(result.runs["scenario"]))
    reference = reference or (REFERENCE if REFERENCE in known else known[0])
    if strategies is None:
        strategies = [s for s in known if s != reference]
    elif isinstance(strategies, str):
        strategies = [strategies]
    names = _check(result, outcome)
    frames = [point_differences(result, outcome, s, reference).assign(scenario=s) for s in strategies]
    diff = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if diff.empty or not names:
        return _no_runs(lang)
    shown = strongest(diff, names)
    factor = metric_factor(outcome)
    smallest = min_effect(outcome) * factor
    looks = _styles([reference, *strategies], reference)
    unit = metric_unit(outcome, lang, difference=True)
    with matplotlib.rc_context(style()):
        fig, axes = _figure(len(shown), extra=1)
        first, rest = axes[0], axes[1:]
        first.axvspan(-smallest, smallest, color=BAND_GREY, alpha=0.25, lw=0, zorder=0)
        bins = np.histogram_bin_edges(diff["value"].to_numpy(float) * factor, bins=min(30, max(5, len(diff) // 3)))
        for strategy in strategies:
            y = diff.loc[diff["scenario"] == strategy, "value"].to_numpy(float) * factor
            if y.size:
                first.hist(y, bins=bins, color=looks[strategy]["color"], histtype="step", lw=1.2, zorder=2,
                           label=_wrap(word("across", lang, a=strategy, share=float((y > 0).mean())), lang, 60, 40))
        first.axvline(0, color=REFERENCE_COLOUR, lw=0.8, zorder=3)
        first.set_title(word("distribution", lang), loc="left")
        first.set_xlabel(unit)
        first.set_ylabel(word("points", lang))
        plain_axis(first.xaxis, 4)
        for ax, name in zip(rest, shown, strict=True):
            ax.axhspan(-smallest, smallest, color=BAND_GREY, alpha=0.25, lw=0, zorder=0)
            ax.axhline(0, color=REFERENCE_COLOUR, lw=0.8, zorder=1)
            for strategy in strategies:
                d = diff[diff["scenario"] == strategy]
                x, y = d[name].to_numpy(float), d["value"].to_numpy(float) * factor
                colour = looks[strategy]["color"]
                ax.scatter(x, y, s=6, color=colour, alpha=0.6, lw=0, zorder=3)
                _trend(ax, x, y, color=colour, lw=1.2, zorder=4)
            ax.set_xlabel(_wrap(_parameter_label(name, lang), lang, 40, 20))
            ax.set_ylabel(unit)
            plain_axis(ax.xaxis, 4)
            plain_axis(ax.yaxis, 5)
        handles, labels = first.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3), frameon=False)
        a = strategies[0] if len(strategies) == 1 else word("each_strategy", lang)
        title = word("difference_title", lang, a=a, b=reference,
                     label=metric_label(outcome, lang)) + ("；" if lang == "zh" else "; ") + word("min_effect", lang)
        if len(shown) < len(names):
            title += word("strongest", lang, shown=len(shown), total=len(names))
        fig.suptitle(_wrap(title, lang, 100, 50))
    return fig


def figure_names(outcome: str) -> tuple[str, str]:
    """The file names of an outcome's two sweep figures."""
    return f"sweep_{outcome}.png", f"sweep_{outcome}_difference.png"


def sweep_figures(result, outcomes, lang: str = "en", reference: str | None = None) -> dict[str, Figure]:
    """File name (``figure_names``) -> figure for each outcome: the outcome against the parameters and,
    with two strategies or more, every other strategy minus the reference."""
    several = result.runs["scenario"].nunique() > 1
    drawn = {}
    for outcome in outcomes:
        plain, difference = figure_names(outcome)
        drawn[plain] = outcome_figure(result, outcome, lang=lang, reference=reference or REFERENCE)
        if several:
            drawn[difference] = difference_figure(result, outcome, reference=reference, lang=lang)
    return drawn


def write_sweep_figures(folder, outcomes=None, lang: str = "en", reference: str | None = None,
                        out=None) -> list[Path]:
    """Draw the sweep figures of a complete sweep folder (``load_sweep``) into ``out`` (default: the folder)
    and return their paths; ``outcomes`` defaults to the headline metrics of the sensitivity figure."""
    from .sensitivity import HEADLINE
    from .sweep import load_sweep
    result = load_sweep(Path(folder))
    target = Path(out) if out is not None else Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    return [save(fig, target / name) for name, fig in
            sweep_figures(result, outcomes or HEADLINE, lang, reference).items()]
