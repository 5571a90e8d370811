"""Paired comparisons of scenarios against a reference on the same seeds (common random numbers).

Replication k of every scenario runs with the same seed, so the per-replication difference
scenario − reference removes most of the seed noise; its Student-t interval is much narrower than
comparing two per-scenario intervals. The command line calls::

    from model.comparison import paired_differences
    diffs = paired_differences(result.timeseries, reference="baseline")
    if not diffs.empty:
        diffs.to_csv(out / "differences.csv", index=False, float_format="%.6g")

and passes ``diffs`` on to ``model.report.write_reports``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .i18n import NOT_YET_HELD
from .metrics import METRIC_NAMES

COLUMNS = ["scenario", "metric", "step", "mean_difference", "ci_low", "ci_high", "replications"]


def absent_before_first_event(timeseries: pd.DataFrame, metrics=NOT_YET_HELD) -> pd.DataFrame:
    """A copy in which metrics that do not exist before their first event (turnout before any
    election) are NaN until then, per scenario and replication, instead of the model's 0."""
    out = timeseries.copy()
    keys = [c for c in ("scenario", "replication") if c in out.columns]
    ordered = out.sort_values([*keys, "step"]) if keys else out.sort_values("step")
    for metric in metrics:
        if metric not in out.columns:
            continue
        held = ordered[metric].fillna(0).ne(0)
        seen = held.groupby([ordered[k] for k in keys]).cummax() if keys else held.cummax()
        out.loc[seen.index[~seen.to_numpy()], metric] = np.nan
    return out


def paired_differences(timeseries: pd.DataFrame, reference: str = "baseline", *, step: int | None = None,
                       metrics=METRIC_NAMES, level: float = 0.95) -> pd.DataFrame:
    """One row per other scenario and metric: the mean of (scenario − reference) over replications run
    on the same seeds at ``step`` (the final step by default), its ``level`` Student-t interval, and the
    number of pairs. Empty if the reference is not in the study. With one pair the interval is NaN.
    A pair in which either value is absent (NaN, or turnout before any election) is left out."""
    timeseries = absent_before_first_event(timeseries)
    if reference not in set(timeseries["scenario"]):
        return pd.DataFrame(columns=COLUMNS)
    step = int(timeseries["step"].max()) if step is None else step
    at = timeseries[timeseries["step"] == step]
    ref = at[at["scenario"] == reference]
    rows = []
    for scenario, group in at[at["scenario"] != reference].groupby("scenario", sort=False):
        pairs = group.merge(ref, on=["replication", "seed"], how="inner", suffixes=("", "__ref"))
        for metric in metrics:
            diff = (pairs[metric] - pairs[f"{metric}__ref"]).dropna().to_numpy(float)
            mean, low, high = _t_interval(diff, level)
            rows.append({"scenario": scenario, "metric": metric, "step": step, "mean_difference": mean,
                         "ci_low": low, "ci_high": high, "replications": int(diff.size)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _t_interval(values: np.ndarray, level: float) -> tuple[float, float, float]:
    if values.size == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if values.size < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + level / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return mean, mean - half, mean + half
