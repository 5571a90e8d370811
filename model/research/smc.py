"""Sequential calibration: ABC-SMC (pyabc) against the stylized facts' target ranges.

``run.py calibrate --fit --method smc`` replaces the one-shot rejection of a Latin hypercube
(``model.research.fitting``) by a sequence of populations (Del Moral et al. 2012's adaptive ABC-SMC as
pyabc implements it): the first population is drawn from the prior (uniform over the varied parameters'
plausible ranges), each later one by perturbing the particles accepted in the one before, with a
tolerance that shrinks to the median distance of the last population, until every particle lands inside
every target range (distance 0) or the populations run out. The distance of a particle is that of
``fitting``: per pattern 0 inside the range, else the distance to the nearest bound, here divided by the
range's width (every check is two-sided, so the width is finite; a one-sided pattern counts its
distance unscaled); Euclidean over patterns.

A particle is one parameter set run through every scenario the patterns read, for one replication with
replication 0's seed of the master seed (common random numbers, as the Latin-hypercube fit). pyabc keeps
every population in a SQLite database (``smc.db`` in the results folder): the same command after an
interrupt loads it and continues from the last finished population. Particles run on the local process
pool (``--workers``; pyabc's multicore sampler) or serially with one worker.

Over ten parameters this importance-weighted proposal lets the weights collapse (docs/fit/README.md);
``model.research.smc_mcmc`` moves particles by Metropolis steps instead and keeps them equally weighted.

Random numbers: pyabc draws its proposals from NumPy's global generator, which is seeded from the
master seed's ``smc`` stream (model.study.seeds) before each call; with more than one worker the order in
which particles finish differs between runs, so a fit is reproducible exactly only with ``--workers 1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..governance import GovernanceModel
from ..scenario import Scenario, used_values
from ..study.design import Factor
from ..study.seeds import replication_seeds, stream, stream_seed
from .fitting import ALPHA, Pattern, _adjust, pattern_names, rank_correlation

DB = "smc.db"
QUANTILES = (0.05, 0.5, 0.95)
IDENTIFIED_SHRINKAGE = 0.5   # identified: the posterior 90% range at most half the prior's (issue 19)
PRIOR_90 = 0.9               # a uniform prior's 90% range is 0.9 of its width
# The perturbation kernel's covariance is estimated from the last population: with too few particles for the
# parameters it is singular, a proposal's kernel density underflows to 0 and pyabc's weights become NaN (a fit of
# 12 particles over 12 parameters failed so in its third population). An analysis setting, not a source.
PARTICLES_PER_PARAMETER = 3


def distance(values: dict, patterns: Sequence[Pattern], names: Sequence[str]) -> float:
    """0 when every pattern lies in its range; else the Euclidean norm of the per-pattern distances to
    the nearest bound, each over the range's width (unscaled for a one-sided range). NaN: infinitely far."""
    total = 0.0
    for name, p in zip(names, patterns, strict=True):
        v = float(values.get(name, math.nan))
        if not math.isfinite(v):
            return math.inf
        outside = max(p.low - v, 0.0) + max(v - p.high, 0.0)
        width = p.high - p.low if math.isfinite(p.high - p.low) and p.high > p.low else 1.0
        total += (outside / width) ** 2
    return math.sqrt(total)


@dataclass(frozen=True)
class ScenarioRuns:
    """A parameter set -> each scenario's district frame, or None if a run fails (picklable: module level, and
    without the patterns, whose ``read`` functions are lambdas, so that it can go to a worker process).
    ``steps``: months of every run, or one number per scenario (a run need not go past the last month read)."""

    factors: tuple[Factor, ...]
    scenarios: tuple[Scenario, ...]
    steps: int | tuple[int, ...]
    seed: int

    def __call__(self, params) -> dict[str, pd.DataFrame] | None:
        values = {f.name: (int(round(float(params[f.name]))) if f.integer else float(params[f.name]))
                  for f in self.factors}
        frames = {}
        steps = self.steps if isinstance(self.steps, tuple) else (self.steps,) * len(self.scenarios)
        for s, months in zip(self.scenarios, steps, strict=True):
            try:
                model = GovernanceModel(s, rng=self.seed, overrides={**used_values(s, values),
                                                                     "resident_agents": False}).run(months)
            except Exception:  # noqa: BLE001 - a failed run is a particle infinitely far from the facts
                return None
            frames[s.name] = model.district_frame()
        return frames


def read_patterns(frames: dict[str, pd.DataFrame] | None, patterns: Sequence[Pattern], names: Sequence[str]) -> dict:
    """Each pattern's value off the runs' frames; NaN where it cannot be read or the runs failed."""
    out = {}
    for n, p in zip(names, patterns, strict=True):
        try:
            out[n] = math.nan if frames is None else float(p.read(lambda name: frames[name]))
        except (KeyError, ZeroDivisionError):
            out[n] = math.nan
    return out


@dataclass(frozen=True)
class Simulator:
    """The model as pyabc calls it: a parameter set -> each pattern's value (picklable: module level)."""

    runs: ScenarioRuns
    patterns: tuple
    names: tuple[str, ...]

    def __call__(self, params) -> dict:
        return read_patterns(self.runs(params), self.patterns, self.names)


@dataclass(frozen=True)
class Distance:
    patterns: tuple
    names: tuple[str, ...]

    def __call__(self, x: dict, x0: dict | None = None) -> float:
        return distance(x, self.patterns, self.names)


@dataclass
class SmcFit:
    """The last population, resampled to equal weights (``accepted``), the per-parameter table
    (``posterior``), the tolerance and acceptance of each population (``populations``), and which
    pattern tells about which parameter (``identification``)."""

    accepted: pd.DataFrame
    posterior: pd.DataFrame
    populations: pd.DataFrame
    names: list[str]
    identification: pd.DataFrame


def check_population(population: int, factors: Sequence[Factor], source: str = "run_smc",
                     field: str = "population=") -> None:
    from ..errors import InputError
    need = PARTICLES_PER_PARAMETER * len(factors)
    if population < need:
        raise InputError(source, field, f"at least {need} particles ({PARTICLES_PER_PARAMETER} per varied parameter, "
                         f"{len(factors)} varied), or fewer parameters (--vary)", population)


def run_smc(factors: Sequence[Factor], scenarios: Sequence[Scenario], patterns: Sequence[Pattern], folder: Path,
            population: int = 20, generations: int = 4, steps: int = 120, master_seed: int = 0,
            workers: int = 1) -> SmcFit:
    """Run (or continue, if ``folder`` holds smc.db from the same fit) ABC-SMC and return the fit."""
    import pyabc
    from pyabc.sampler import MulticoreEvalParallelSampler, SingleCoreSampler
    check_population(population, factors)
    names = pattern_names(patterns)
    seed = replication_seeds(master_seed, 1)[0]
    simulate = Simulator(ScenarioRuns(tuple(factors), tuple(scenarios), steps, seed), tuple(patterns), tuple(names))
    prior = pyabc.Distribution(**{f.name: pyabc.RV("uniform", f.low, f.high - f.low) for f in factors})
    sampler = SingleCoreSampler() if workers <= 1 else MulticoreEvalParallelSampler(n_procs=workers)
    abc = pyabc.ABCSMC(simulate, prior, Distance(tuple(patterns), tuple(names)), population_size=population,
                       sampler=sampler, eps=pyabc.epsilon.QuantileEpsilon(alpha=0.5))
    db = "sqlite:///" + str((Path(folder) / DB).resolve())
    done = 0
    np.random.seed(stream_seed(master_seed, "smc"))
    if (Path(folder) / DB).exists():
        history = abc.load(db, 1)
        done = history.max_t + 1 if history.max_t is not None and history.max_t >= 0 else 0
    else:
        abc.new(db, {n: 0.5 * (p.low + p.high) if math.isfinite(p.high) else p.low for n, p in zip(names, patterns,
                                                                                                 strict=True)})
    if done < generations:
        np.random.seed(stream_seed(master_seed, "smc", done))
        history = abc.run(minimum_epsilon=0.0, max_nr_populations=generations - done)
    else:
        history = abc.history
    return summarise(history, factors, master_seed, population, names, patterns)


def summarise(history, factors: Sequence[Factor], master_seed: int, population: int, names: list[str],
              patterns: Sequence[Pattern]) -> SmcFit:
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame[[f.name for f in factors]]
    weights = np.asarray(weights, dtype=float) / float(np.sum(weights))
    rng = np.random.default_rng(stream(master_seed, "smc", 0))
    rows = rng.choice(len(frame), size=population, replace=True, p=weights)
    accepted = integers_rounded(frame.iloc[rows].reset_index(drop=True), factors)
    posterior = posterior_table(frame, weights, factors)
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0][["t", "epsilon", "samples"]].reset_index(drop=True)
    populations["effective_sample_size"] = [effective_sample_size(history.get_distribution(m=0, t=int(t))[1])
                                            for t in populations["t"]]
    first = history.get_population_extended(m=0, t=0)
    final = history.get_population_extended(m=0, t=history.max_t)
    return SmcFit(accepted, posterior, populations, names,
                  identification_table(first, final, factors, patterns, names, posterior))


def integers_rounded(frame: pd.DataFrame, factors: Sequence[Factor]) -> pd.DataFrame:
    """The accepted sets as a run reads them: an integer parameter's particles rounded to whole numbers."""
    for f in factors:
        if f.integer:
            frame[f.name] = np.rint(frame[f.name]).astype(int)
    return frame


def posterior_table(frame: pd.DataFrame, weights: np.ndarray, factors: Sequence[Factor]) -> pd.DataFrame:
    """Per parameter: prior range, weighted 5%, 50% and 95% quantiles, shrinkage of the 90% range against the
    prior's, and whether that makes it identified; most narrowed first."""
    table = []
    for f in factors:
        order = np.argsort(frame[f.name].to_numpy(float))
        x, w = frame[f.name].to_numpy(float)[order], weights[order]
        cdf = np.cumsum(w) - w / 2
        q = np.interp(QUANTILES, cdf, x)
        shrink = 1 - (q[2] - q[0]) / (PRIOR_90 * (f.high - f.low))
        table.append({"parameter": f.name, "prior_low": f.low, "prior_high": f.high, "q05": q[0], "median": q[1],
                      "q95": q[2], "shrinkage": shrink, "identified": bool(shrink >= IDENTIFIED_SHRINKAGE)})
    return pd.DataFrame(table).sort_values("shrinkage", ascending=False, kind="stable").reset_index(drop=True)


def effective_sample_size(weights) -> float:
    """Kish's effective sample size of a weighted population: (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.square(w).sum())


def identification_table(first: pd.DataFrame, final: pd.DataFrame, factors: Sequence[Factor],
                         patterns: Sequence[Pattern], names: Sequence[str], posterior: pd.DataFrame) -> pd.DataFrame:
    """Pattern x parameter, the columns of the rejection fit's identification.csv (model.research.fitting):
    ``passing`` particles of the last population inside the pattern's range; ``ks`` the last population's
    distance from the uniform prior (the same for every pattern: the fit moves on all patterns at once);
    ``median_shift`` its median from the prior's, over the prior's width; ``spearman`` the rank correlation of
    the parameter with the pattern's value over the first population, drawn from the prior (``informs``:
    adjusted p below ALPHA) — which pattern carries the information; later populations are not used for it,
    since the fit's own selection correlates their parameters; and the posterior's ``shrinkage`` and
    ``identified``."""
    from scipy.stats import kstest
    shrink = posterior.set_index("parameter")
    moved = {f.name: kstest(final[f"par_{f.name}"].to_numpy(dtype=float), "uniform", args=(f.low, f.high - f.low))
             for f in factors}     # the same for every pattern: the fit moves on all patterns at once
    rows = []
    for n, pattern in zip(names, patterns, strict=True):
        values = first[f"sumstat_{n}"].to_numpy(dtype=float)
        inside = final[f"sumstat_{n}"].between(pattern.low, pattern.high)
        for f in factors:
            kept = final[f"par_{f.name}"].to_numpy(dtype=float)
            rho, rho_p = rank_correlation(first[f"par_{f.name}"].to_numpy(dtype=float), values)
            rows.append({"pattern": n, "parameter": f.name, "passing": int(inside.sum()),
                         "ks": float(moved[f.name].statistic), "ks_p": float(moved[f.name].pvalue),
                         "median_shift": (float(np.median(kept)) - 0.5 * (f.low + f.high)) / (f.high - f.low),
                         "spearman": rho, "spearman_p": rho_p,
                         "shrinkage": float(shrink.loc[f.name, "shrinkage"]),
                         "identified": bool(shrink.loc[f.name, "identified"])})
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("ks_p") + 1, "ks_p_adjusted", _adjust(out["ks_p"]))
    out.insert(out.columns.get_loc("spearman_p") + 1, "spearman_p_adjusted", _adjust(out["spearman_p"]))
    out["identifies"] = out["ks_p_adjusted"] < ALPHA
    out["informs"] = out["spearman_p_adjusted"] < ALPHA
    return out


def report(fit: SmcFit, population: int, generations: int, steps: int, moves: int | None = None) -> str:
    """fit_report.md: populations, tolerances, what is identified (``moves``: the fit of model.research.smc_mcmc)."""
    method = ("smc" if moves is None else "smc-mcmc")
    how = ("ABC-SMC (pyabc), each population drawn from a kernel density of the last and weighted by prior over "
           "proposal," if moves is None else
           f"ABC-SMC with Metropolis moves (Del Moral, Doucet & Jasra 2012; {moves} moves a population), every "
           "particle weighted alike,")
    lines = [f"# Sequential calibration (`run.py calibrate --fit --method {method}`)", "",
             f"{how} {population} particles a population, up to {generations} populations, runs of "
             f"{steps} months. Distance: per pattern 0 inside its target range, else the distance to the nearest "
             "bound over the range's width; Euclidean over the patterns "
             f"({', '.join(fit.names)}). The tolerance of each population is the median distance of the one before."]
    if moves is None:
        lines += ["", "| population | tolerance | simulations | effective sample size |", "|---|---|---|---|"]
        lines += [f"| {int(r.t)} | {r.epsilon:.4g} | {int(r.samples)} | {r.effective_sample_size:.1f} |"
                  for r in fit.populations.itertuples()]
    else:
        lines += ["", "| population | tolerance | simulations | distinct particles | steps taken |",
                  "|---|---|---|---|---|"]
        lines += [f"| {int(r.t)} | {r.epsilon:.4g} | {int(r.samples)} | {int(r.distinct)} | "
                  + ("" if not math.isfinite(r.steps_taken) else f"{r.steps_taken:.0%}") + " |"
                  for r in fit.populations.itertuples()]
    ident = fit.posterior[fit.posterior["identified"]]
    ess = float(fit.populations["effective_sample_size" if moves is None else "distinct"].iloc[-1])
    lines += ["", f"A parameter counts as identified when its posterior 90% range is at most "
              f"{1 - IDENTIFIED_SHRINKAGE:.0%} of its plausible range (shrinkage at least {IDENTIFIED_SHRINKAGE:.0%}). "
              f"Identified: {len(ident)} of {len(fit.posterior)}."]
    if ess < len(fit.posterior):
        held = (f"weights leave an effective sample size of {ess:.1f}" if moves is None
                else f"particles are only {ess:.0f} distinct parameter sets")
        lines += ["", f"**Caution:** the last population's {held}, fewer "
                  "than the parameters varied: its quantiles rest on a handful of particles, so a narrow "
                  "range here is not yet an identification. A larger population, or more populations, is needed."]
    lines += ["", "The last column names the patterns whose value moves with the parameter over the first population, "
              "drawn from the prior (Spearman, Benjamini-Hochberg adjusted p below 0.05; identification.csv): the "
              "patterns that carry the information about it.", "",
              "| parameter | prior | posterior median [90% range] | shrinkage | patterns that inform it |",
              "|---|---|---|---|---|"]
    informing = (fit.identification[fit.identification["informs"]].groupby("parameter")["pattern"]
                 .agg(lambda p: ", ".join(p)))
    lines += [f"| `{r.parameter}` | [{r.prior_low:g}, {r.prior_high:g}] | {r.median:.4g} [{r.q05:.4g}, {r.q95:.4g}] "
              f"| {r.shrinkage:.0%} | {informing.get(r.parameter, 'none')} |" for r in fit.posterior.itertuples()]
    return "\n".join(lines) + "\n"
