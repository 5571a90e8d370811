"""How close the model lands to the stylized facts (docs/evidence.md), as one table.

Each check runs a scenario over several seeds, reads one number off the district time
series, and compares its mean with the fact's target range. ``run.py calibrate`` prints
the table; docs/ODD.md §10 quotes it. These are the only definitions of the targets: the
tests read them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

from ..constants import DAYS_PER_MONTH
from ..governance import GovernanceModel
from ..parameters import PARAMETERS
from ..scenario import load_scenario
from ..study.experiment import confidence_interval
from ..study.seeds import DEFAULT_SEED, replication_seeds

Runs = Callable[[str], pd.DataFrame]   # scenario name -> district frame, for one seed


def _mean(runs: Runs, scenario: str, metric: str, first: int, last: int) -> float:
    f = runs(scenario)
    return float(f.loc[f["step"].between(first, last), metric].mean())


@dataclass(frozen=True)
class Check:
    key: str
    fact: str
    measure: str
    low: float
    high: float
    read: Callable[[Runs], float]
    months: tuple[int, int]     # first and last month any of its windows reads; a fit needs runs past the last


CHECKS: tuple[Check, ...] = (
    Check("SF6", "about five work items a day per community",
          "baseline: offloaded tasks per committee per day, months 0-59", 3.5, 6.5,
          lambda r: (_mean(r, "baseline", "offloaded_tasks_per_worker", 0, 59)
                     * PARAMETERS["workers_per_committee"].value / DAYS_PER_MONTH),
          months=(0, 59)),
    Check("SF7", "administrative work dominates committee hours (73-97% of items)",
          "baseline: admin_share, months 0-59", 0.70, 0.97,
          lambda r: _mean(r, "baseline", "admin_share", 0, 59),
          months=(0, 59)),
    Check("SF9", "nearly one fifth of workers quit over the workload",
          "baseline: worker_turnover per year, months 12-59", 0.15, 0.25,
          lambda r: _mean(r, "baseline", "worker_turnover", 12, 59),
          months=(12, 59)),
    Check("SF4", "resident direct election: 855 of 1,071 voted (80%)",
          "direct_election_resident: turnout, months 24-119", 0.75, 0.85,
          lambda r: _mean(r, "direct_election_resident", "turnout", 24, 119),
          months=(24, 119)),
    Check("SF4", "household and proxy voting: turnout often above 90%",
          "direct_election_household: turnout, months 24-119", 0.90, 1.00,
          lambda r: _mean(r, "direct_election_household", "turnout", 24, 119),
          months=(24, 119)),
    Check("SF10", "offloading rebounds after burden reduction unless funding follows: the relief is lost again",
          "share of burden reduction's relief on offloading lost by months 72-96: (offloaded per worker, months "
          "72-96 minus months 25-30, burden_reduction minus baseline) over (baseline minus burden_reduction, "
          "months 25-30)", 0.25, 1.0,
          lambda r: _relief_lost(r), months=(25, 96)),
    Check("SF10", "funding following tasks keeps the relief",
          "admin_share months 80-88, function_transfer_unfunded minus _funded", 0.15, 0.6,
          lambda r: (_mean(r, "function_transfer_unfunded", "admin_share", 80, 88)
                     - _mean(r, "function_transfer_funded", "admin_share", 80, 88)),
          months=(80, 88)),
    # The resident side and the time path (docs/evidence.md SF14-SF18): no parameter was set from or tuned to them.
    Check("SF14", "residents who say they voted in the committee election: 47.89% (Shanghai, 2017)",
          "direct_election_household: personal_turnout, months 24-119", 0.35, 0.60,
          lambda r: _mean(r, "direct_election_household", "personal_turnout", 24, 119),
          months=(24, 119)),
    Check("SF15", "voting rises with age: 13.77% of residents aged 18-29 voted, 77.74% of those aged 70-79",
          "direct_election_household: vote_age_gap (old minus young, voted in person), months 24-119", 0.35, 0.80,
          lambda r: _mean(r, "direct_election_household", "vote_age_gap", 24, 119),
          months=(24, 119)),
    Check("SF16", "seven in ten residents do not know the committee's director",
          "baseline: awareness, months 0-59", 0.20, 0.45,
          lambda r: _mean(r, "baseline", "awareness", 0, 59),
          months=(0, 59)),
    Check("SF17", "a decade after the cut to '5+1', Nanjing committees kept 30 and more ledgers again (one 243)",
          "burden_reduction: ledgers practised, months 108-119", 30.0, 243.0,
          lambda r: _mean(r, "burden_reduction", "ledgers", 108, 119),
          months=(108, 119)),
    Check("SF18", "27.52% of residents almost never talked with or visited a neighbour in a year (Shanghai, 2017)",
          "baseline: isolated_share (residents who know no neighbour), months 0-59", 0.20, 0.35,
          lambda r: _mean(r, "baseline", "isolated_share", 0, 59),
          months=(0, 59)),
)


def _relief_lost(r: Runs) -> float:
    """SF10's rebound as a share of the relief: the rise of offloading per worker from months 25-30 to
    months 72-96 under burden reduction, net of the baseline's, over the relief burden reduction gave in
    months 25-30 (baseline minus burden reduction). 1: the relief is lost entirely; 0: none of it. With
    no relief (the reform did not lower offloading) there is nothing to lose: NaN, which no range holds."""
    def offloaded(name: str, first: int, last: int) -> float:
        return _mean(r, name, "offloaded_tasks_per_worker", first, last)
    relief = offloaded("baseline", 25, 30) - offloaded("burden_reduction", 25, 30)
    rebound = ((offloaded("burden_reduction", 72, 96) - offloaded("burden_reduction", 25, 30))
               - (offloaded("baseline", 72, 96) - offloaded("baseline", 25, 30)))
    return rebound / relief if relief > 0 else float("nan")


def calibrate(replications: int = 5, master_seed: int = DEFAULT_SEED, steps: int = 120,
              progress: bool = True) -> pd.DataFrame:
    """Run every check; one row per check with mean, 95% CI and whether the mean is in range."""
    cache: dict[tuple[str, int], pd.DataFrame] = {}

    def runs_for(seed: int) -> Runs:
        def run(name: str) -> pd.DataFrame:
            if (name, seed) not in cache:
                model = GovernanceModel(load_scenario(name), rng=seed).run(steps)
                cache[(name, seed)] = model.district_frame()
            return cache[(name, seed)]
        return run

    seeds = replication_seeds(master_seed, replications)
    rows = []
    for check in tqdm(CHECKS, desc="stylized-fact checks", unit="check", disable=not progress):
        mean, low, high = confidence_interval([check.read(runs_for(s)) for s in seeds])
        rows.append({"key": check.key, "fact": check.fact, "measure": check.measure,
                     "target": f"[{check.low:g}, {check.high:g}]", "mean": mean, "ci_low": low,
                     "ci_high": high, "in_range": bool(check.low <= mean <= check.high)})
    return pd.DataFrame(rows)
