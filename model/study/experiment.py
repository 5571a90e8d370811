"""Replications of scenarios: independent seeds from one master seed (and, with parameter
uncertainty, one parameter set per replication), serial or parallel, tidy result tables and
final-step summaries with 95% confidence intervals of the mean and a 5-95% band of the spread."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError
from ..governance import GovernanceModel
from ..metrics import METRIC_BY_NAME, METRIC_NAMES
from ..scenario import (
    BASE_BYTES,
    Scenario,
    check_memory,
    check_run_length,
    check_unique_names,
    check_values_used,
    memory_needed,
    plain,
    simulated_residents,
    used_values,
    validate_parameters,
)
from .runner import run_jobs
from .seeds import DEFAULT_SEED, replication_seeds
from .store import ResultStore
from .uncertainty import ParameterSets

# The band of the spread across replications (a prediction band): 5th to 95th percentile. Not the
# interval of the mean, which narrows with more replications; this one does not.
BAND_QUANTILES = (0.05, 0.95)
# A study's runs return their frames and nothing else, so no Mesa view agent is built per resident
# (the setting changes no result; the views are for the app and for inspecting a model in hand).
NO_VIEWS = {"resident_agents": False}


def run_replication(scenario: Scenario, replication: int, seed: int, steps: int,
                    overrides: dict[str, Any] | None = None, parameter_set: int | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run one replication; return (district time series, community time series). With a
    ``parameter_set`` (the draw its overrides came from), the frames say which."""
    values = {**used_values(scenario, overrides or {}), **NO_VIEWS}
    model = GovernanceModel(scenario, rng=seed, overrides=values).run(steps)
    frames = []
    for df in (model.district_frame(), model.community_frame()):
        if parameter_set is not None:
            df.insert(0, "parameter_set", parameter_set)
        df.insert(0, "seed", seed)
        df.insert(0, "replication", replication)
        df.insert(0, "scenario", scenario.name)
        frames.append(df)
    return frames[0], frames[1]


def _run_job(job: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    return run_replication(*job)


def _job_label(job: tuple) -> str:
    return f"scenario {job[0].name}, replication {job[1]}"


@dataclass
class StudyResult:
    timeseries: pd.DataFrame
    communities: pd.DataFrame
    seeds: list[int]
    scenarios: list[Scenario] = field(default_factory=list)
    parameter_sets: ParameterSets | None = None

    def summary(self) -> pd.DataFrame:
        return summarise(self.timeseries)


def check_study(scenarios: list[Scenario], replications: int, steps: int, workers: int,
                overrides: dict[str, Any] | None, source: str = "run_study",
                parameter_sets: ParameterSets | list[dict] | None = None) -> None:
    """Everything about a study that can be checked before it runs, in one-line InputErrors:
    the arguments, unique scenario names, reforms within the run, parameter sets (one per
    replication, each valid on every scenario), and memory."""
    for name, value, low in (("replications", replications, 1), ("steps", steps, 1)):
        value = plain(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InputError(source, name, f"an integer >= {low}", value)
    if not isinstance(scenarios, (list, tuple)) or not scenarios:
        raise InputError(source, "scenarios", "a non-empty list of Scenario", scenarios)
    for i, s in enumerate(scenarios):
        if not isinstance(s, Scenario):
            raise InputError(source, f"scenarios[{i}]", "a Scenario (see load_scenario)", s)
    check_unique_names(list(scenarios))
    check_run_length(list(scenarios), plain(steps))
    if parameter_sets is not None:
        sets = list(parameter_sets.sets if isinstance(parameter_sets, ParameterSets) else parameter_sets)
        if len(sets) != plain(replications) or not all(isinstance(x, dict) for x in sets):
            raise InputError(source, "parameter_sets", f"one dict of parameter values per replication "
                             f"({replications})", f"{len(sets)} item(s)")
        given = getattr(parameter_sets, "file", None)      # a posterior file: blame its columns
        check_values_used(list(scenarios), sorted({k for x in sets for k in x}), given or source,
                          "column" if given else "parameter_sets")
        distinct = {repr(sorted(s.parameters.items())): s for s in scenarios}.values()   # most share them
        for r, values in enumerate(sets):
            base = {k: v for k, v in values.items() if "." not in k}
            for s in distinct:
                validate_parameters({**s.parameters, **(overrides or {}), **base},
                                    f"{source} (parameter set of replication {r})", prefix="")
    copies = max(1, min(workers, len(scenarios) * replications))
    params = [validate_parameters({**s.parameters, **(overrides or {})}, s.path or source, prefix="")
              for s in scenarios]
    per_model, biggest = max((memory_needed({**p, **NO_VIEWS}), i) for i, p in enumerate(params))
    # one model alone too big: the scenario's fault, with its resident count
    check_memory(per_model - BASE_BYTES, scenarios[biggest].path or source, "parameters",
                 f"{simulated_residents(params[biggest]):,} simulated residents")
    communities = sum(p["n_streets"] * p["communities_per_street"] for p in params)
    # the tables kept in this process: (communities + district) x steps x columns x 8 bytes, twice
    tables = 2 * 8 * (len(METRIC_NAMES) + 6) * plain(steps) * replications * (communities + len(scenarios))
    check_memory(copies * per_model + tables, source, "workers, replications and steps",
                 f"{copies} model(s) at once and {replications} replication(s) of {steps} months")


def replication_keys(scenarios: list[Scenario], replications: int) -> list[str]:
    """The names a study's replications are stored under in its folder's replications/."""
    return [f"{s.name}-r{r:04d}" for s in scenarios for r in range(replications)]


def run_study(scenarios: list[Scenario], replications: int = 5, steps: int = 120,
              master_seed: int = DEFAULT_SEED, workers: int | None = None,
              overrides: dict[str, Any] | None = None, progress: bool = True,
              store: ResultStore | None = None,
              parameter_sets: ParameterSets | list[dict] | None = None) -> StudyResult:
    """Run every scenario x replication; results are identical serial or parallel.

    With ``parameter_sets`` (one dict of parameter values per replication, or a
    ``model.study.uncertainty.ParameterSets``), replication r of every scenario runs with
    ``parameter_sets[r]`` on top of ``overrides`` and the scenario, and with the same seed: the
    pairs stay paired. The time series then carry a ``parameter_set`` column (the draw).

    With a ``store``, each replication is saved as it finishes and one saved by an earlier,
    interrupted run of the same study is reused instead of run again. Interrupts and worker
    failures are handled by model.study.runner (hold runner.stop_on_signals around the call).
    """
    workers = max(1, workers if workers and workers > 0 else os.cpu_count() or 1)
    check_study(scenarios, replications, steps, workers, overrides, parameter_sets=parameter_sets)
    steps, replications = plain(steps), plain(replications)
    seeds = replication_seeds(master_seed, replications)
    if parameter_sets is not None and not isinstance(parameter_sets, ParameterSets):
        parameter_sets = ParameterSets("given", tuple(range(replications)), tuple(dict(x) for x in parameter_sets))
    if parameter_sets is None:
        jobs = [(s, r, seeds[r], steps, overrides) for s in scenarios for r in range(replications)]
    else:
        jobs = [(s, r, seeds[r], steps, {**(overrides or {}), **parameter_sets.sets[r]}, parameter_sets.draws[r])
                for s in scenarios for r in range(replications)]
    results: list[Any] = [None] * len(jobs)
    keys = replication_keys(scenarios, replications)
    if store is not None:
        store.clean_temporary("replications")
        for i, key in enumerate(keys):
            results[i] = store.load_replication(key, jobs[i][0].name, jobs[i][1])
    todo = [i for i, r in enumerate(results) if r is None]

    def finished(k: int, result: tuple) -> None:
        i = todo[k]
        if store is not None:
            store.save_replication(keys[i], result)
        results[i] = result

    run_jobs(_run_job, [jobs[i] for i in todo], workers, finished, label=_job_label, progress=progress)
    timeseries = pd.concat([r[0] for r in results], ignore_index=True)
    communities = pd.concat([r[1] for r in results], ignore_index=True)
    return StudyResult(timeseries, communities, seeds, list(scenarios), parameter_sets)


def metric_bounds(metric: str) -> tuple[float, float]:
    """The range a metric's values can take, from its unit: shares and 0-1 indices lie in [0, 1],
    the equity gaps (a share minus a share) in [-1, 1], everything else (counts, days, yuan,
    rates) is non-negative but for a net (signed) count. Unknown columns are unbounded."""
    m = METRIC_BY_NAME.get(metric)
    if m is None or m.signed:
        return -np.inf, np.inf
    if m.group == "equity":
        return -1.0, 1.0
    if m.unit in ("share", "index 0-1"):
        return 0.0, 1.0
    return 0.0, np.inf


def interval(mean, sd, n, low: float = -np.inf, high: float = np.inf, level: float = 0.95):
    """95% interval of a mean over n replications that stays inside the metric's range.

    The Student-t half-width is taken on the logit scale for bounded metrics and on the log
    scale for non-negative ones (delta method), then mapped back, so a share's interval stays in
    [0, 1] and a cost's above 0; unbounded metrics get the plain t-interval. Fewer than two
    replications give no interval (NaN): one run says nothing about the spread.
    """
    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        if np.isfinite(low) and np.isfinite(high):
            width = high - low
            position = np.clip((mean - low) / width, 1e-12, 1 - 1e-12)     # the mean's place in the range
            h = half / (width * position * (1 - position))
            centre = np.log(position / (1 - position))
            lo = low + width / (1 + np.exp(-(centre - h)))
            hi = low + width / (1 + np.exp(-(centre + h)))
        elif np.isfinite(low):
            d = np.maximum(mean - low, 1e-300)
            lo, hi = low + d * np.exp(-half / d), low + d * np.exp(half / d)
        else:
            lo, hi = mean - half, mean + half
    flat = (sd == 0) | ~np.isfinite(sd)
    lo, hi = np.where(flat, mean, lo), np.where(flat, mean, hi)
    none = n < 2
    return np.where(none, np.nan, lo), np.where(none, np.nan, hi)


def confidence_interval(values: np.ndarray, level: float = 0.95, bounds: tuple[float, float] = (-np.inf, np.inf)
                        ) -> tuple[float, float, float]:
    """Mean and 95% interval (see `interval`); a single value has no interval (NaN)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if values.size > 1 else np.nan
    lo, hi = interval(mean, sd, values.size, *bounds, level=level)
    return mean, float(lo), float(hi)


def summarise(timeseries: pd.DataFrame, step: int | None = None,
              window: tuple[int, int] | None = None) -> pd.DataFrame:
    """One row per scenario and metric at ``step`` (the final step by default), or of each
    replication's average over the months of ``window`` = (first, last) inclusive: the mean over
    replications with its 95% interval (ci_low, ci_high; NaN from a single replication), and the
    band of the replications themselves (band_low, band_high: the BAND_QUANTILES), which with
    parameter uncertainty shows how far the parameters move the result. ``step`` is the month
    summarised (the window's last month for a window)."""
    if not isinstance(timeseries, pd.DataFrame) or timeseries.empty or "step" not in timeseries:
        raise InputError("summarise", "timeseries", "a study's time series with at least one month",
                         "an empty table")
    if window is not None:
        first, step = window
        inside = timeseries[timeseries["step"].between(first, step)]
        keys = [k for k in ("scenario", "replication", "seed", "parameter_set") if k in inside.columns]
        final = inside.groupby(keys, sort=False)[[m for m in METRIC_NAMES if m in inside]].mean().reset_index()
    else:
        step = int(timeseries["step"].max()) if step is None else step
        final = timeseries[timeseries["step"] == step]
    rows = []
    for scenario, group in final.groupby("scenario", sort=False):
        for metric in METRIC_NAMES:
            values = group[metric].to_numpy(dtype=float)
            mean, low, high = confidence_interval(values, bounds=metric_bounds(metric))
            band_low, band_high = spread(values)
            rows.append({"scenario": scenario, "metric": metric, "step": step, "mean": mean,
                         "ci_low": low, "ci_high": high, "replications": len(group),
                         "band_low": band_low, "band_high": band_high})
    return pd.DataFrame(rows)


def spread(values: np.ndarray) -> tuple[float, float]:
    """The BAND_QUANTILES of the values (NaN left out); NaN for fewer than two values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size < 2:
        return np.nan, np.nan
    low, high = np.quantile(values, BAND_QUANTILES)
    return float(low), float(high)


def band(timeseries: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per scenario and step: mean and 95% interval of ``metric`` over replications, and the
    band of the replications (band_low, band_high; see `summarise`), for plots."""
    g = timeseries.groupby(["scenario", "step"], sort=False)[metric]
    out = g.agg(["mean", "std", "count"]).reset_index()
    out["ci_low"], out["ci_high"] = interval(out["mean"], out["std"], out["count"], *metric_bounds(metric))
    low, high = BAND_QUANTILES
    q = g.quantile([low, high]).unstack()
    out["band_low"] = q[low].to_numpy()
    out["band_high"] = q[high].to_numpy()
    few = out["count"] < 2
    out.loc[few, ["band_low", "band_high"]] = np.nan
    return out
