"""Paired comparisons of scenarios against a reference on the same seeds (common random numbers).

Replication k of every scenario runs with the same seed, so the per-replication difference
scenario − reference removes most of the seed noise; its Student-t interval is much narrower than
comparing two per-scenario intervals. ``model.report.document.write_reports`` calls::

    from model.study.comparison import paired_differences
    diffs = paired_differences(result.timeseries, reference="baseline")
    if not diffs.empty:
        diffs.to_csv(out / "differences.csv", index=False, float_format="%.6g")

and passes ``diffs`` on to the report it writes.

With parameter uncertainty (``model.study.uncertainty``), replication k of every scenario also has the
same parameter set, so a pair differs only in the scenario. Whether a conclusion ("the reform
lowers the administrative share") holds across the band is then read from the pairs themselves:
``same_sign_share`` is the share of pairs whose difference has the sign of the mean difference,
and the conclusion is ``robust`` if that share is at least ROBUST_SHARE. It ``holds`` (the word the
report prints) only if, besides, there are at least MIN_PAIRS pairs and the mean difference is at
least the metric's smallest effect worth reporting (``model.metrics.min_effect``); the sign test's
two-sided p-value (``sign_test_p``, scipy's binomial test on the pairs that differ) is printed beside it.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from scipy import stats

from ..metrics import ELECTION_MARKER, METRIC_NAMES, NOT_YET_HELD, min_effect

COLUMNS = ["scenario", "metric", "step", "mean_difference", "ci_low", "ci_high", "replications",
           "same_sign_share", "robust", "sign_test_p", "min_effect", "holds"]
# A conclusion (the sign of a mean difference) is called robust when at least this share of the
# paired replications agree with it: an analysis setting, stated in the report.
ROBUST_SHARE = 0.9
# A conclusion needs at least this many pairs to hold: with fewer, even 100% agreement is weak
# evidence (2 of 2 pairs agree by chance half the time).
MIN_PAIRS = 10
PAIR_KEYS = ("replication", "seed", "parameter_set")     # what makes two replications a pair


def csv_encoding(frame: pd.DataFrame) -> str:
    """"utf-8-sig" (UTF-8 with a BOM, which Excel needs to show Chinese) if any text in ``frame`` is not
    ASCII, else plain "utf-8"."""
    for column in frame.select_dtypes(include=["object", "category", "string"]).columns:
        if not frame[column].astype(str).map(str.isascii).all():
            return "utf-8-sig"
    return "utf-8"


def floats_as_text(frame: pd.DataFrame, float_format: str) -> pd.DataFrame:
    """A copy of ``frame`` whose float columns hold their text in ``float_format`` (NaN as ""), so that
    ``to_csv`` without a float_format writes the bytes ``to_csv(float_format=...)`` would, in about a
    third of the time: each distinct value is formatted once (the default study's communities have
    about one distinct value in eight), where pandas formats every cell."""
    out = {}
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype.kind != "f":
            out[column] = frame[column]
            continue
        codes, distinct = pd.factorize(values)      # NaN gets code -1, the last entry below
        # factorize takes 0.0 and -0.0 for one value: format it as 0.0 and mark the negative zeros apart
        text = np.array([float_format % v for v in (distinct + 0.0).tolist()] + [""], dtype=object)[codes]
        negative_zero = (values == 0) & np.signbit(values)
        if negative_zero.any():
            text[negative_zero] = float_format % -0.0
        out[column] = text
    return pd.DataFrame(out, index=frame.index)


def absent_before_first_event(timeseries: pd.DataFrame, metrics=NOT_YET_HELD,
                              marker: str | None = ELECTION_MARKER) -> pd.DataFrame:
    """A copy in which metrics that do not exist before their first event (turnout, contested and
    lost seats before any election) are NaN until then, per scenario and replication (and community,
    for per-community rows), instead of the model's 0. The event is the first month ``marker`` is not
    0 (turnout: an election was held); without a marker column, each metric's own first non-zero month."""
    out = timeseries.copy()
    keys = [c for c in ("scenario", "replication", "community") if c in out.columns]   # community: per-community rows
    ordered = out.sort_values([*keys, "step"]) if keys else out.sort_values("step")

    def first_seen(column: str) -> pd.Series:
        held = ordered[column].fillna(0).ne(0)
        return held.groupby([ordered[k] for k in keys]).cummax() if keys else held.cummax()

    marked = first_seen(marker) if marker in out.columns else None
    for metric in metrics:
        if metric not in out.columns:
            continue
        seen = marked if marked is not None else first_seen(metric)
        out.loc[seen.index[~seen.to_numpy()], metric] = np.nan
    return out


def paired_differences(timeseries: pd.DataFrame, reference: str = "baseline", *, step: int | None = None,
                       window: tuple[int, int] | None = None, metrics=METRIC_NAMES,
                       level: float = 0.95) -> pd.DataFrame:
    """One row per other scenario and metric: the mean of (scenario − reference) over replications run
    on the same seeds at ``step`` (the final step by default) or averaged over the months of
    ``window`` = (first, last) inclusive, its ``level`` Student-t interval, and the number of pairs;
    the share of pairs with the sign of the mean difference and whether that share reaches
    ROBUST_SHARE (see `same_sign`); the sign test's p-value; the metric's smallest effect worth
    reporting, and whether the conclusion ``holds`` (robust, at least MIN_PAIRS pairs, and an effect at
    least that large). Empty if the reference is not in the study. With one pair the interval and the
    share are NaN. A pair in which either value is absent (NaN, or turnout before any election) is left
    out; in a window, months without a value are left out of a replication's average. The ``step``
    column is the month compared (the window's last month for a window)."""
    timeseries = absent_before_first_event(timeseries)
    if reference not in set(timeseries["scenario"].unique()):
        return pd.DataFrame(columns=COLUMNS)
    keys = [k for k in PAIR_KEYS if k in timeseries.columns]
    metrics = [m for m in metrics if m in timeseries.columns]
    if window is not None:
        first, last = window
        inside = timeseries[timeseries["step"].between(first, last)]
        at = inside.groupby(["scenario", *keys], sort=False)[metrics].mean().reset_index()
        step = last
    else:
        step = int(timeseries["step"].max()) if step is None else step
        at = timeseries[timeseries["step"] == step]
    return _differences(at, reference, keys, metrics, level, by=[], step=step)


def _differences(at: pd.DataFrame, reference: str, keys: list[str], metrics: list[str], level: float, *,
                 by: list[str], step: int | None) -> pd.DataFrame:
    """The rows of `paired_differences` for the values ``at`` (one month, or each replication's
    window average), or with ``by=["step"]`` for every month of ``at`` at once (ordered by month)."""
    ref = at[at["scenario"] == reference]
    others = at[at["scenario"] != reference]
    cols = [*by, "scenario"]
    pairs = others.merge(ref, on=[*keys, *by], how="inner", suffixes=("", "__ref"))
    # every pair's differences at once (pairs x metrics); each group reads its rows by position
    differences = (pairs[metrics].to_numpy(float) - pairs[[f"{m}__ref" for m in metrics]].to_numpy(float)).T
    paired = pairs.groupby(cols, sort=False).indices if len(pairs) else {}
    unpaired = np.zeros(0, dtype=np.intp)
    rows = []
    for key in others.groupby(cols, sort=False).indices:       # a scenario with no pair still gets its rows
        at_rows = paired.get(key, unpaired)
        scenario, month = (key[-1], int(key[0])) if by else (key, step)     # indices' key of one column: a scalar
        for metric, of_metric in zip(metrics, differences, strict=True):
            diff = of_metric[at_rows]
            diff = diff[~np.isnan(diff)]
            mean, low, high = _t_interval(diff, level)
            share, robust = same_sign(diff)
            smallest = min_effect(metric)
            holds = bool(robust and diff.size >= MIN_PAIRS and abs(mean) >= smallest)
            rows.append({"scenario": scenario, "metric": metric, "step": month, "mean_difference": mean,
                         "ci_low": low, "ci_high": high, "replications": int(diff.size),
                         "same_sign_share": share, "robust": robust, "sign_test_p": sign_test(diff),
                         "min_effect": smallest, "holds": holds})
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values("step", kind="stable", ignore_index=True) if by else out


def sign_test(diff: np.ndarray) -> float:
    """Two-sided p-value of the sign test (scipy.stats.binomtest) on the pairs that differ; NaN if none."""
    diff = np.asarray(diff, dtype=float)
    positive, nonzero = int((diff > 0).sum()), int((diff != 0).sum())
    if nonzero == 0:
        return np.nan
    return _sign_test_p(positive, nonzero)


@cache
def _sign_test_p(positive: int, nonzero: int) -> float:
    """The sign test's p-value depends on the two counts only: computed once per pair of counts."""
    return float(stats.binomtest(positive, nonzero, 0.5).pvalue)


def differences_over_time(timeseries: pd.DataFrame, reference: str = "baseline", *, metrics=METRIC_NAMES,
                          level: float = 0.95) -> pd.DataFrame:
    """``paired_differences`` at every month: what the paired-difference-over-time figure draws (the
    same rows as calling it month by month, ordered by month, computed in one pass)."""
    timeseries = absent_before_first_event(timeseries)
    if reference not in set(timeseries["scenario"].unique()):
        return pd.DataFrame(columns=COLUMNS)
    keys = [k for k in PAIR_KEYS if k in timeseries.columns]
    metrics = [m for m in metrics if m in timeseries.columns]
    return _differences(timeseries, reference, keys, metrics, level, by=["step"], step=None)


def same_sign(diff: np.ndarray, threshold: float = ROBUST_SHARE) -> tuple[float, bool]:
    """(share of the paired differences with the sign of their mean, share >= threshold).

    A difference of exactly 0 does not agree with either sign. No share (NaN, not robust) from
    fewer than two pairs, or when the mean difference is 0 (there is no conclusion to hold)."""
    diff = np.asarray(diff, dtype=float)
    if diff.size < 2:
        return np.nan, False
    sign = np.sign(diff.mean())
    if sign == 0:
        return np.nan, False
    share = float(np.mean(np.sign(diff) == sign))
    return share, bool(share >= threshold)


def _t_interval(values: np.ndarray, level: float) -> tuple[float, float, float]:
    if values.size == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if values.size < 2:
        return mean, np.nan, np.nan
    half = _t_quantile(level, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return mean, mean - half, mean + half


@cache
def _t_quantile(level: float, dof: int) -> float:
    """Student's t quantile of a two-sided ``level`` interval: computed once per level and sample size."""
    return float(stats.t.ppf(0.5 + level / 2, dof))
