"""Global sensitivity analysis of a sweep: SALib's Morris screening and Sobol indices.

The sweep (model.research.sweep) ran a Morris or Sobol design drawn by model.study.design; this module turns
its runs into SALib's arrays (`to_salib`), asks SALib for the indices (`indices`) and tabulates
them per outcome and parameter (`analyse`), with a figure (`figure`). The outcome of a design
point is the mean over its replications of the final-month value of a metric (runs.parquet).

Failed runs. A point counts as failed if any of its runs failed (or its outcome is not a
finite number): its mean would be over other seeds than its neighbours'. Morris: every
trajectory that holds a failed point is dropped and the count is reported (the other
trajectories are complete, and mu* is a mean over trajectories). Sobol: refused with a
one-line error, because Saltelli's estimator needs every point of the design; narrow the
ranges (``--vary NAME=LOW:HIGH``) that make runs fail.

The bootstrap behind the confidence intervals draws from its own stream of the master seed,
so the same sweep gives the same table.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..errors import InputError
from ..metrics import METRIC_NAMES
from ..parameters import PARAMETERS
from ..study.design import MORRIS_LEVELS
from ..study.seeds import DEFAULT_SEED, stream_seed

METHODS = ("morris", "sobol")
INDEX_COLUMNS = {"morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
                 "sobol": ("S1", "S1_conf", "ST", "ST_conf")}
# Default design sizes: 10 Morris trajectories is the usual screening size (Campolongo et al.
# 2007); 64 is the smallest power of two that gives Sobol indices with usable intervals for a
# handful of parameters (N x (k + 2) runs).
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
RESAMPLES = 100              # bootstrap resamples behind the confidence intervals (SALib's default)
CONF_LEVEL = 0.95            # confidence level of mu_star_conf, S1_conf and ST_conf
# The outcomes the figure shows when none is named: one per group of the evaluation index.
HEADLINE = ("admin_share", "requests_resolved_share", "satisfaction", "trust", "turnout", "department_cost")
TOP_PARAMETERS = 8           # parameters shown per outcome in the figure
MAX_PANELS = 8               # outcomes shown in the figure at most (the table has them all)

WORDS = {
    "morris_title": ("Morris 筛选：各结果最重要的参数（μ*：平均绝对基本效应；误差线：95% 置信区间）",
                     "Morris screening: the parameters that matter most per outcome\n"
                     "(μ*: mean absolute elementary effect over the plausible range; whiskers: 95% CI)"),
    "sobol_title": ("Sobol 指数：一阶（S1）与总效应（ST），误差线为 95% 置信区间",
                    "Sobol indices: first order (S1) and total (ST), whiskers: 95% CI"),
    "mu_star": ("μ*（{unit}）", "μ* ({unit})"),
    "share_of_variance": ("方差占比", "share of variance"),
    "no_data": ("无数据", "no data"),
    "constant": ("各次运行取值相同：没有参数影响它", "the same in every run: no parameter moves it"),
}


def word(key: str, lang: str, **fields) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**fields)


def indices(method: str, problem: dict, X: np.ndarray, Y: np.ndarray, seed: int | None = None) -> dict[str, np.ndarray]:
    """SALib's indices of one outcome: Morris (the design's MORRIS_LEVELS) -> mu_star,
    mu_star_conf, sigma, mu; Sobol (first and total order, as model.study.design samples it) -> S1,
    S1_conf, ST, ST_conf. One array per index, one value per parameter of ``problem``."""
    Y = np.asarray(Y, dtype=float)
    if method in METHODS and Y.size and np.ptp(Y) == 0:
        # nothing varies (turnout before the first election): no parameter has an effect
        return {c: np.zeros(problem["num_vars"]) for c in INDEX_COLUMNS[method]}
    if method == "morris":
        from SALib.analyze import morris
        found = morris.analyze(problem, np.asarray(X, dtype=float), Y, num_resamples=RESAMPLES,
                               conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS, seed=seed)
    elif method == "sobol":
        from SALib.analyze import sobol
        found = sobol.analyze(problem, Y, calc_second_order=False, num_resamples=RESAMPLES,
                              conf_level=CONF_LEVEL, seed=seed)
    else:
        raise InputError("sensitivity", "method", "one of " + ", ".join(METHODS), method)
    return {c: np.asarray(found[c], dtype=float) for c in INDEX_COLUMNS[method]}


def check_outcomes(names: list[str] | None, source: str = "sensitivity", field: str = "outcomes=") -> list[str]:
    """The metrics named (each a metric of model.metrics), or every metric when none is named."""
    if not names:
        return list(METRIC_NAMES)
    for name in names:
        if name not in METRIC_NAMES:
            raise InputError(source, field, "metric names (" + ", ".join(METRIC_NAMES) + ")", name)
    return list(dict.fromkeys(names))


def _scenario(runs: pd.DataFrame, scenario: str | None) -> str:
    names = list(dict.fromkeys(runs["scenario"]))
    if scenario is None:
        if len(names) != 1:
            raise InputError("sensitivity", "scenario", "one scenario of the sweep (" + ", ".join(names) + ")")
        return names[0]
    if scenario not in names:
        raise InputError("sensitivity", "scenario", "a scenario of the sweep (" + ", ".join(names) + ")", scenario)
    return scenario


def point_outcomes(runs: pd.DataFrame, n_points: int, outcomes: list[str],
                   scenario: str | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The outcome of every design point (rows in design order; mean over replications of the
    final-month value) and which points failed (any failed run; see the module docstring)."""
    runs = runs[runs["scenario"] == _scenario(runs, scenario)]
    failed_runs = runs.loc[runs["status"] != "ok", "point"]
    means = runs[runs["status"] == "ok"].groupby("point")[outcomes].mean().reindex(range(n_points))
    failed = means.isna().any(axis=1).to_numpy() | np.isin(np.arange(n_points), failed_runs.to_numpy())
    return means, failed


@dataclass(frozen=True)
class Arrays:
    """SALib's arrays of one outcome, after the failed-run policy: ``kept`` trajectories (Morris)
    or base samples (Sobol) of ``total``."""

    problem: dict
    X: np.ndarray
    Y: np.ndarray
    kept: int
    total: int


def _arrays(method: str, design, Y: np.ndarray, failed: np.ndarray, outcome: str) -> Arrays:
    """Apply the failed-run policy of ``method`` to one outcome's Y."""
    X = design.points[[f.name for f in design.factors]].to_numpy(float)
    k = len(design.factors)
    bad = failed | ~np.isfinite(Y)
    if method == "morris":
        size = k + 1
        total = len(Y) // size
        keep = ~bad.reshape(total, size).any(axis=1)
        rows = np.repeat(keep, size)
        return Arrays(design.problem, X[rows], Y[rows], int(keep.sum()), total)
    if method == "sobol":
        total = len(Y) // (k + 2)
        if bad.any():
            _refuse_sobol(int(bad.sum()), len(Y), outcome)
        return Arrays(design.problem, X, Y, total, total)
    keep = ~bad
    return Arrays(design.problem, X[keep], Y[keep], int(keep.sum()), len(Y))


def _refuse_sobol(failed: int, points: int, field: str) -> None:
    raise InputError("sensitivity", field, f"every point of the Sobol design to succeed ({failed} of {points} "
                     "failed; Saltelli's estimator needs them all): narrow the ranges that make runs fail "
                     "(--vary NAME=LOW:HIGH), or screen with --method morris")


def to_salib(result, outcome: str, scenario: str | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """SALib's ``(problem, X, Y)`` for one outcome of a sweep: X the design's points, Y the mean
    over replications of the final-month value, after the failed-run policy of the design's
    method (Morris: failed trajectories dropped; Sobol: refused; other designs: failed points dropped)."""
    check_outcomes([outcome], "to_salib", "outcome")
    design = result.design
    means, failed = point_outcomes(result.runs, len(design.points), [outcome], scenario)
    a = _arrays(design.method, design, means[outcome].to_numpy(float), failed, outcome)
    return a.problem, a.X, a.Y


def analyse(result, method: str | None = None, outcomes: list[str] | None = None, master_seed: int = DEFAULT_SEED,
            scenario: str | None = None) -> pd.DataFrame:
    """Sensitivity indices of a sweep: one row per outcome and parameter, columns ``outcome,
    parameter``, the method's index columns (INDEX_COLUMNS), ``trajectories`` (Morris) or
    ``base_samples`` (Sobol) used, and the parameter's ``label_en``/``label_zh``.

    ``method`` defaults to the design's; the design must be of that method. Failed runs: see
    the module docstring (Morris drops trajectories, Sobol refuses). Every outcome by default."""
    design = result.design
    method = method or design.method
    if method not in METHODS:
        raise InputError("sensitivity", "method", "one of " + ", ".join(METHODS), method)
    if design.method != method:
        raise InputError("sensitivity", "design", f"a {method} design for the {method} method", design.method)
    outcomes = check_outcomes(outcomes, "sensitivity", "outcomes")
    means, failed = point_outcomes(result.runs, len(design.points), outcomes, scenario)
    if method == "sobol" and failed.any():
        _refuse_sobol(int(failed.sum()), len(failed), "runs")
    names = [f.name for f in design.factors]
    count = "trajectories" if method == "morris" else "base_samples"
    frames = []
    for i, outcome in enumerate(outcomes):
        a = _arrays(method, design, means[outcome].to_numpy(float), failed, outcome)
        if a.kept == 0:
            found = {c: np.full(len(names), np.nan) for c in INDEX_COLUMNS[method]}
        else:
            found = indices(method, a.problem, a.X, a.Y, seed=stream_seed(master_seed, "sensitivity", i))
        frames.append(pd.DataFrame({"outcome": outcome, "parameter": names, **found, count: a.kept}))
    table = pd.concat(frames, ignore_index=True)
    table["label_en"] = [PARAMETERS[n].label_en for n in table["parameter"]]
    table["label_zh"] = [PARAMETERS[n].label_zh for n in table["parameter"]]
    return table


def dropped_trajectories(result, scenario: str | None = None) -> tuple[int, int]:
    """(dropped, total) Morris trajectories of a sweep because of failed runs."""
    design = result.design
    _, failed = point_outcomes(result.runs, len(design.points), [], scenario)
    size = len(design.factors) + 1
    total = len(failed) // size
    return int(failed.reshape(total, size).any(axis=1).sum()), total


# ---------------------------------------------------------------------------------------- figure
def mu_sigma_figure(table: pd.DataFrame, outcomes: list[str] | None = None, lang: str = "en") -> Figure:
    """Morris's μ*–σ plot, one panel per outcome: each parameter at (μ*, σ); far right matters, high up
    acts non-linearly or through interactions. The grey line is σ = μ* (above it, interactions dominate)."""
    from ..report.figures import A4_WIDTH_IN, _title, panels, style
    from ..report.i18n import check_lang, metric_factor
    check_lang(lang)
    outcomes = shown(table, outcomes)
    cols = 2
    rows = max(1, math.ceil(len(outcomes) / cols))
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(A4_WIDTH_IN, min(rows * 3.0 + 0.4, 9.8)), layout="constrained")
        for ax, outcome in zip(panels(fig, len(outcomes), cols), outcomes, strict=True):
            t = table[table["outcome"] == outcome]
            factor = metric_factor(outcome)
            x, y = t["mu_star"].to_numpy(float) * factor, t["sigma"].to_numpy(float) * factor
            ax.scatter(x, y, s=10, color="#0072B2", zorder=3)
            top = np.argsort(-np.nan_to_num(x))[:TOP_PARAMETERS]
            for i in top:
                ax.annotate(t["parameter"].iloc[i], (x[i], y[i]), fontsize=5.5, xytext=(2, 2),
                            textcoords="offset points")
            high = float(np.nanmax(np.r_[x, y, 0])) or 1.0
            ax.plot([0, high], [0, high], color="#999999", lw=0.7, ls="--", zorder=1)
            ax.set_title(_title(outcome, lang, 40, 20), loc="left")
            ax.set_xlabel("μ*")
            ax.set_ylabel("σ")
    return fig


def figure(table: pd.DataFrame, method: str, outcomes: list[str] | None = None, lang: str = "en") -> Figure:
    """One panel per outcome (HEADLINE by default), its TOP_PARAMETERS parameters as horizontal
    bars: Morris mu_star with its confidence interval; Sobol S1 and ST with theirs."""
    from ..report.figures import A4_WIDTH_IN, COLOURS, _title, _wrap, bar_axes, panels, style
    from ..report.i18n import check_lang, metric_factor, metric_unit
    check_lang(lang)
    outcomes = shown(table, outcomes)
    cols = 2
    rows = max(1, math.ceil(len(outcomes) / cols))
    top = min(TOP_PARAMETERS, table["parameter"].nunique())
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(A4_WIDTH_IN, rows * (0.22 * top + 0.9) + 0.5), layout="constrained")
        for ax, outcome in zip(panels(fig, len(outcomes), cols), outcomes, strict=True):
            t = table[table["outcome"] == outcome]
            key = "mu_star" if method == "morris" else "ST"
            t = t.sort_values(key, ascending=False, na_position="last").head(top)
            y = np.arange(len(t))
            labels = [_wrap(PARAMETERS[n].label(lang), lang, 34, 16) for n in t["parameter"]]
            if t[key].isna().all() or (t[key] == 0).all():
                what = "no_data" if t[key].isna().all() else "constant"
                ax.text(0.5, 0.5, _wrap(word(what, lang), lang, 40, 20), ha="center", va="center",
                        transform=ax.transAxes, color="#555555")
                ax.set_xticks([])
            elif method == "morris":
                factor = metric_factor(outcome)
                ax.barh(y, t["mu_star"] * factor, xerr=t["mu_star_conf"].fillna(0) * factor, height=0.7,
                        color=COLOURS[3], capsize=1.5, error_kw={"lw": 0.7})
                ax.set_xlabel(word("mu_star", lang, unit=metric_unit(outcome, lang)))
            else:
                h = 0.38
                ax.barh(y - h / 2, t["S1"], xerr=t["S1_conf"].fillna(0), height=h, color=COLOURS[1], label="S1",
                        capsize=1.5, error_kw={"lw": 0.7})
                ax.barh(y + h / 2, t["ST"], xerr=t["ST_conf"].fillna(0), height=h, color=COLOURS[4], label="ST",
                        capsize=1.5, error_kw={"lw": 0.7})
                ax.set_xlabel(word("share_of_variance", lang))
                if outcome == outcomes[0]:
                    ax.legend(loc="lower right", frameon=False)
            ax.set_yticks(y, labels, fontsize=6)
            bar_axes(ax, len(t))
            ax.set_title(_title(outcome, lang, 40, 20), loc="left")
        fig.suptitle(word(f"{method}_title", lang))
    return fig


def summary_lines(table: pd.DataFrame, method: str, outcomes: list[str]) -> list[str]:
    """One line per outcome: its most influential parameters, for the terminal."""
    key = "mu_star" if method == "morris" else "ST"
    lines = []
    for outcome in outcomes:
        t = table[table["outcome"] == outcome].sort_values(key, ascending=False).head(3)
        if (t[key] == 0).all():
            lines.append(f"  {outcome}: {word('constant', 'en')}")
        elif t[key].notna().any():
            lines.append(f"  {outcome}: " + ", ".join(f"{r.parameter} ({key} {r[key]:.3g})"
                                                       for _, r in t.iterrows()))
    return lines


def shown(table: pd.DataFrame, outcomes: list[str] | None) -> list[str]:
    """The outcomes a figure or summary shows: those named, else the headline ones analysed."""
    present = list(dict.fromkeys(table["outcome"]))
    return ([m for m in (outcomes or HEADLINE) if m in present] or present)[:MAX_PANELS]


def report(table: pd.DataFrame, method: str, outcomes: list[str] | None, dropped: tuple[int, int] | None) -> None:
    """Print what the terminal user needs: dropped trajectories and the top parameters."""
    if dropped and dropped[0]:
        print(f"warning: {dropped[0]} of {dropped[1]} Morris trajectories held a failed run and were dropped",
              file=sys.stderr)
    for line in summary_lines(table, method, shown(table, outcomes)):
        print(line, file=sys.stderr)
