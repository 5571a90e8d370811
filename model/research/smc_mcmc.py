"""Sequential calibration whose particles move by Metropolis steps and keep equal weights.

``run.py calibrate --fit --method smc-mcmc``. pyabc's ABC-SMC (``model.research.smc``) moves its particles
by importance sampling: a new particle is weighted by prior over proposal density, a kernel density of
the last population. In ten dimensions that density varies over orders of magnitude inside the region
every pattern accepts, and the weights collapse (an effective sample size of 5 of 30 and 9.8 of 100 in
the fits docs/fit/README.md records). Here, as in the adaptive ABC-SMC of Del Moral, Doucet & Jasra
(2012, *Statistics and Computing* 22: 1009-1020), a population is moved instead by Metropolis steps that
leave the ABC posterior at the current tolerance unchanged, so every particle keeps weight 1:

1. population 0 draws ``population`` particles from the prior (uniform over each varied parameter's
   plausible range);
2. each later population sets the tolerance to the median distance of the last (0 once half of it lies
   inside every target range), drops the particles farther than that, resamples the rest back to
   ``population``, and moves every particle ``moves`` times: a normal step with the population's
   covariance times ``scale``^2, taken if it stays inside the prior's ranges and lands within the
   tolerance (the Metropolis rule for a uniform prior and an all-or-nothing ABC kernel).

The step's ``scale`` starts at 2.38 / sqrt(d), the optimal scaling of a random-walk Metropolis step for
d parameters (Roberts & Rosenthal 2001, *Statistical Science* 16: 351-367), and is widened or narrowed
after each move by the share of steps taken.

Every random number (prior draws, resampling, steps) is drawn in this process from the master seed's
``smc-mcmc`` stream, child t for population t (model.study.seeds); the model runs of a move go to the
local process pool or a given executor (a Dask client) and come back in order, so a seed gives one fit,
serial or parallel. Each finished population is written to ``smc_mcmc/`` in the results folder; the same
command after an interrupt continues from the last one (at most the moves of one population are redone).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import Scenario
from ..study.design import Factor
from ..study.runner import run_jobs
from ..study.seeds import replication_seeds, stream
from .fitting import Pattern, pattern_names, scenarios_read
from .smc import (
    ScenarioRuns,
    SmcFit,
    check_population,
    distance,
    identification_table,
    integers_rounded,
    posterior_table,
    read_patterns,
)

FOLDER = "smc_mcmc"
TOLERANCE_QUANTILE = 0.5     # each tolerance is this quantile of the last population's distances (pyabc's default)
OPTIMAL_SCALE = 2.38         # Roberts & Rosenthal (2001): a random-walk step of 2.38/sqrt(d) standard deviations
# The step's scale is widened when more than TAKEN_HIGH of a move's steps are taken and narrowed when fewer than
# TAKEN_LOW are, by SCALE_CHANGE: numerical settings of the sampler (near the optimal 0.234 of Roberts & Rosenthal),
# not sources.
TAKEN_LOW, TAKEN_HIGH, SCALE_CHANGE = 0.15, 0.35, 1.5
# Each parameter's step spread is at least this share of its range, so that a population whose particles all sit
# at one value (or copies of few) still moves: a numerical setting, not a source.
MIN_SPREAD = 1e-3


def _par_columns(factors: Sequence[Factor]) -> list[str]:
    """The columns of a population file that hold the particles' parameter values."""
    return [f"par_{f.name}" for f in factors]


def _population_path(folder: Path, t: int) -> Path:
    return Path(folder) / FOLDER / f"population_{t:03d}.csv"


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Write whole or not at all: an interrupt leaves the last finished population readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    frame.to_csv(part, index=False, float_format="%.17g")
    os.replace(part, path)


def _simulate(runs: ScenarioRuns, points: np.ndarray, factors: Sequence[Factor], patterns: Sequence[Pattern],
              names: Sequence[str], workers: int, executor: Executor | None, desc: str) -> list[dict]:
    """Each row of ``points`` through every scenario (on the workers), its patterns read here; in the rows'
    order."""
    jobs = [{f.name: float(v) for f, v in zip(factors, row, strict=True)} for row in points]
    out: list[dict | None] = [None] * len(jobs)

    def keep(i: int, frames) -> None:
        out[i] = read_patterns(frames, patterns, names)
    run_jobs(runs, jobs, workers, keep, label=lambda job: f"particle {job}", desc=desc, executor=executor)
    return out  # type: ignore[return-value]


def _frame(points: np.ndarray, values: list[dict], factors: Sequence[Factor], names: Sequence[str],
           patterns: Sequence[Pattern], t: int, epsilon: float, samples: int, taken: float,
           scale: float) -> pd.DataFrame:
    frame = pd.DataFrame({f"par_{f.name}": points[:, i] for i, f in enumerate(factors)})
    for n in names:
        frame[f"sumstat_{n}"] = [v[n] for v in values]
    frame["distance"] = [distance(v, patterns, names) for v in values]
    frame["t"], frame["epsilon"], frame["samples"], frame["taken"], frame["scale"] = t, epsilon, samples, taken, scale
    return frame


def _values(frame: pd.DataFrame, names: Sequence[str]) -> list[dict]:
    """Each particle's pattern values, as ``read_patterns`` gives them."""
    return frame[[f"sumstat_{n}" for n in names]].set_axis(list(names), axis=1).astype(float).to_dict("records")


def _bounds(factors: Sequence[Factor]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([f.low for f in factors]), np.array([f.high for f in factors])


def _move(frame: pd.DataFrame, runs: ScenarioRuns, factors: Sequence[Factor], patterns: Sequence[Pattern],
          names: Sequence[str], population: int, moves: int, scale: float, t: int, master_seed: int, workers: int,
          executor: Executor | None) -> pd.DataFrame:
    """Population t from population t-1: tolerance, resampling, ``moves`` Metropolis steps."""
    rng = np.random.default_rng(stream(master_seed, "smc-mcmc", t))
    lows, highs = _bounds(factors)
    d = frame["distance"].to_numpy(float)
    epsilon = max(float(np.quantile(d[np.isfinite(d)], TOLERANCE_QUANTILE)) if np.isfinite(d).any() else math.inf, 0.0)
    alive = np.flatnonzero(d <= epsilon)
    # each surviving particle once, the rest drawn among them: every survivor's expected count is the same, as
    # in multinomial resampling, with fewer copies (none when all survive)
    rows = np.concatenate([alive, rng.choice(alive, size=population - len(alive), replace=True)])
    points = frame[_par_columns(factors)].to_numpy(float)[rows]
    before = _values(frame, names)
    values = [before[i] for i in rows]
    # the step's covariance: the surviving particles', widened by MIN_SPREAD of each range
    spread = np.cov(points, rowvar=False).reshape(len(factors), len(factors))
    spread += np.diag((MIN_SPREAD * (highs - lows)) ** 2)
    chol = np.linalg.cholesky(spread)
    samples, taken_total, proposed_total = 0, 0, 0
    for m in range(moves):
        proposals = points + scale * rng.standard_normal(points.shape) @ chol.T
        inside = np.all((proposals >= lows) & (proposals <= highs), axis=1)
        moved = _simulate(runs, proposals[inside], factors, patterns, names, workers, executor,
                          f"population {t}, move {m + 1} of {moves}") if inside.any() else []
        samples += len(moved)
        taken = 0
        for k, i in enumerate(np.flatnonzero(inside)):
            if distance(moved[k], patterns, names) <= epsilon:
                points[i], values[i] = proposals[i], moved[k]
                taken += 1
        share = taken / population
        taken_total, proposed_total = taken_total + taken, proposed_total + population
        scale = scale * SCALE_CHANGE if share > TAKEN_HIGH else scale / SCALE_CHANGE if share < TAKEN_LOW else scale
    return _frame(points, values, factors, names, patterns, t, epsilon, samples, taken_total / proposed_total, scale)


def months_read(scenarios: Sequence[Scenario], patterns: Sequence[Pattern], steps: int) -> tuple[int, ...]:
    """Per scenario, the months a run needs: up to the last one a pattern reads (at most ``steps``); a month
    later than that changes none of the values read, and skipping it saves an eighth of a fit's runs."""
    last = {s.name: 0 for s in scenarios}
    for p in patterns:
        for name in scenarios_read([p]):
            if name in last:
                last[name] = max(last[name], int(p.months[1]) + 1)
    return tuple(min(steps, last[s.name]) if last[s.name] else steps for s in scenarios)


def run_smc_mcmc(factors: Sequence[Factor], scenarios: Sequence[Scenario], patterns: Sequence[Pattern], folder: Path,
                 population: int = 40, generations: int = 6, steps: int = 120, master_seed: int = 0, workers: int = 1,
                 moves: int = 2, executor: Executor | None = None) -> SmcFit:
    """Run (or continue, if ``folder`` holds finished populations of the same fit) and return the fit."""
    check_population(population, factors)
    names = pattern_names(patterns)
    runs = ScenarioRuns(tuple(factors), tuple(scenarios), months_read(scenarios, patterns, steps),
                        replication_seeds(master_seed, 1)[0])
    done = 0                                     # the stored populations, an unbroken run from 0
    while done < generations and _population_path(folder, done).is_file():
        done += 1
    if not done:
        rng = np.random.default_rng(stream(master_seed, "smc-mcmc", 0))
        lows, highs = _bounds(factors)
        points = lows + rng.random((population, len(factors))) * (highs - lows)
        values = _simulate(runs, points, factors, patterns, names, workers, executor, "population 0, from the prior")
        first = _frame(points, values, factors, names, patterns, 0, math.inf, population, math.nan,
                       OPTIMAL_SCALE / math.sqrt(len(factors)))
        _write(first, _population_path(folder, 0))
        done = 1
    frames = [pd.read_csv(_population_path(folder, t)) for t in range(done)]
    for t in range(len(frames), generations):
        last = frames[-1]
        frame = _move(last, runs, factors, patterns, names, population, moves, float(last["scale"].iloc[0]), t,
                      master_seed, workers, executor)
        _write(frame, _population_path(folder, t))
        frames.append(frame)
    return summarise(frames, factors, names, patterns)


def summarise(frames: list[pd.DataFrame], factors: Sequence[Factor], names: list[str],
              patterns: Sequence[Pattern]) -> SmcFit:
    """The fit from its populations: the last, every particle weighted alike."""
    final = frames[-1]
    frame = final[_par_columns(factors)].set_axis([f.name for f in factors], axis=1)
    accepted = integers_rounded(frame.copy().reset_index(drop=True), factors)
    posterior = posterior_table(frame, np.full(len(frame), 1.0 / len(frame)), factors)
    populations = pd.DataFrame([{"t": int(p["t"].iloc[0]), "epsilon": float(p["epsilon"].iloc[0]),
                                 "samples": int(p["samples"].iloc[0]), "effective_sample_size": float(len(p)),
                                 "distinct": int(p[_par_columns(factors)].drop_duplicates().shape[0]),
                                 "steps_taken": float(p["taken"].iloc[0])} for p in frames])
    return SmcFit(accepted, posterior, populations, names,
                  identification_table(frames[0], final, factors, patterns, names, posterior))
