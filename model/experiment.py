"""Replications of scenarios: independent seeds from one master seed, serial or parallel,
tidy result tables and final-step summaries with 95% confidence intervals."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

from .governance import GovernanceModel
from .metrics import METRIC_NAMES
from .scenario import Scenario

ID_COLUMNS = ["scenario", "replication", "seed", "step"]


def replication_seeds(master_seed: int, replications: int) -> list[int]:
    """Independent per-replication seeds derived from one master seed (NumPy SeedSequence).

    Replication r gets the same seed in every scenario (common random numbers), so
    scenario differences are not drowned by seed noise.
    """
    children = np.random.SeedSequence(master_seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def run_replication(scenario: Scenario, replication: int, seed: int, steps: int,
                    overrides: dict[str, Any] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run one replication; return (district time series, community time series)."""
    model = GovernanceModel(scenario, rng=seed, overrides=overrides).run(steps)
    frames = []
    for df in (model.district_frame(), model.community_frame()):
        df.insert(0, "seed", seed)
        df.insert(0, "replication", replication)
        df.insert(0, "scenario", scenario.name)
        frames.append(df)
    return frames[0], frames[1]


def _run_job(job: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    return run_replication(*job)


@dataclass
class StudyResult:
    timeseries: pd.DataFrame
    communities: pd.DataFrame
    seeds: list[int]
    scenarios: list[Scenario] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        return summarise(self.timeseries)


def run_study(scenarios: list[Scenario], replications: int = 5, steps: int = 120,
              master_seed: int = 1, workers: int | None = None,
              overrides: dict[str, Any] | None = None, progress: bool = True) -> StudyResult:
    """Run every scenario x replication; results are identical serial or parallel."""
    seeds = replication_seeds(master_seed, replications)
    jobs = [(s, r, seeds[r], steps, overrides) for s in scenarios for r in range(replications)]
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    bar = tqdm(total=len(jobs), desc="runs", unit="run", disable=not progress)
    if workers <= 1:
        results = []
        for job in jobs:
            results.append(_run_job(job))
            bar.update()
    else:
        # forkserver (spawn where there is none): children start clean instead of forking a
        # multi-threaded parent
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = []
            for res in pool.map(_run_job, jobs):   # map keeps the job order
                results.append(res)
                bar.update()
    bar.close()
    timeseries = pd.concat([r[0] for r in results], ignore_index=True)
    communities = pd.concat([r[1] for r in results], ignore_index=True)
    return StudyResult(timeseries, communities, seeds, list(scenarios))


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval; a single value has a zero-width interval."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if values.size < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.5 + level / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return mean, mean - half, mean + half


def summarise(timeseries: pd.DataFrame, step: int | None = None) -> pd.DataFrame:
    """One row per scenario and metric: mean, ci_low, ci_high over replications at ``step``
    (the final step by default)."""
    step = int(timeseries["step"].max()) if step is None else step
    final = timeseries[timeseries["step"] == step]
    rows = []
    for scenario, group in final.groupby("scenario", sort=False):
        for metric in METRIC_NAMES:
            mean, low, high = confidence_interval(group[metric].to_numpy())
            rows.append({"scenario": scenario, "metric": metric, "step": step, "mean": mean,
                         "ci_low": low, "ci_high": high, "replications": len(group)})
    return pd.DataFrame(rows)


def band(timeseries: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per scenario and step: mean and 95% CI of ``metric`` over replications (for plots)."""
    g = timeseries.groupby(["scenario", "step"], sort=False)[metric]
    out = g.agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.975, np.maximum(out["count"] - 1, 1))
    half = np.where(out["count"] > 1, t * out["std"].fillna(0) / np.sqrt(out["count"]), 0.0)
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    return out
