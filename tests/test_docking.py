"""Docking: the vectorised residents and the classic per-agent reference agree.

``model.population.Population`` runs the resident rules as array operations;
``benchmarks/reference.py`` (``ReferencePopulation``) runs the same equations the classic
Mesa way, one ``ClassicResident`` agent at a time under ``shuffle_do``, with its own draws.
The two cannot agree bit for bit, so the test asks for distributional equivalence
(Axtell et al. 1996, "docking"):

Design. Three scenarios with every resident rule exercised: the seed district's full
package (acceptance centre, service points, deliberation, household election with proxies),
the baseline (committee queues bind, so waits and the 30-day share vary) and the resident
direct election; reform start months are divided by 4 so that every reform is on within
the run. A small district (1 street x 4 communities x 300 simulated residents), 12 warm-up
months plus 36 recorded months, 8 seeds per implementation. For a given seed both
implementations start from the very same residents (the reference builds its population
with ``Population.__init__``).

Statistic and tolerance. For each metric in METRICS, each run gives the mean over its last
12 recorded months. With m_v, m_r the means over the 8 seeds and s_v, s_r the standard
deviations across seeds, the implementations dock on that metric when

    |m_v - m_r| <= max(FLOOR, 4 * sqrt(s_v**2 / 8 + s_r**2 / 8))

i.e. within 4 Welch standard errors (two-sided, about 0.1% per metric under equivalence,
so a few percent for the ~40 comparisons), with an absolute floor of 0.005 (0.25 days for
mean_wait_days) for metrics that barely vary between seeds. At these sizes that resolves
differences of about 0.01-0.02 in trust, satisfaction and awareness and 0.02-0.05 in
participation and turnout. ``test_docking_detects_a_changed_coefficient`` shows that the
check fails when one coefficient of the reference's rules differs (event_intercept one lower).
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pandas as pd
import pytest

from benchmarks.reference import ClassicResident, ReferencePopulation
from model import GovernanceModel
from model.population import Population
from model.scenario import load_scenario

pytestmark = pytest.mark.slow   # per-agent reference runs

SEEDS = tuple(range(101, 109))
DOCKED = {"n_streets": 1, "communities_per_street": 4, "residents_per_community": 3000, "scale": 0.1,
         "resident_agents": False}
STEPS = 36
WINDOW = 12
SCENARIOS = ("seed_district_package", "baseline", "direct_election_resident")
METRICS = ("requests_resolved_share", "mean_wait_days", "vulnerable_coverage", "satisfaction", "trust", "awareness",
           "participation_any", "volunteer_rate", "deliberation_participation", "admin_share",
           "resident_agenda_share", "turnout", "personal_turnout", "participation_age_gap", "unmet_need_share",
           "committee_request_share", "outside_resolved_share", "routine_same_day_share")
FLOOR = {m: 0.005 for m in METRICS} | {"mean_wait_days": 0.25}
Z = 4.0


class EventInterceptLowered(ReferencePopulation):
    """The reference with one coefficient of the resident rules changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.p["event_intercept"] -= 1.0


IMPLEMENTATIONS = {"vectorised": Population, "reference": ReferencePopulation,
                   "event_intercept_lowered": EventInterceptLowered}


@cache
def compressed(name: str):
    """The scenario with reform start months divided by 4 (every reform on within the run)."""
    s = load_scenario(name)
    return dataclasses.replace(s, reforms=[dataclasses.replace(r, start_month=r.start_month // 4)
                                           for r in s.reforms])


@cache
def final_means(name: str, impl: str, seed: int) -> pd.Series:
    model = GovernanceModel(compressed(name), rng=seed, overrides=DOCKED, population_cls=IMPLEMENTATIONS[impl])
    frame = model.run(STEPS).district_frame()
    return frame.tail(WINDOW)[list(METRICS)].mean()


def dock(name: str, impl: str) -> pd.DataFrame:
    """Per metric: seed means of both implementations, difference, tolerance, verdict."""
    a = pd.DataFrame([final_means(name, "vectorised", s) for s in SEEDS])
    b = pd.DataFrame([final_means(name, impl, s) for s in SEEDS])
    se = np.sqrt(a.var() / len(SEEDS) + b.var() / len(SEEDS))
    table = pd.DataFrame({"vectorised": a.mean(), impl: b.mean(), "diff": a.mean() - b.mean(), "se": se})
    table["tolerance"] = np.maximum(pd.Series(FLOOR), Z * se)
    table["ok"] = table["diff"].abs() <= table["tolerance"]
    return table


@pytest.mark.parametrize("name", SCENARIOS)
def test_reference_docks_with_vectorised(name):
    table = dock(name, "reference")
    assert table["ok"].all(), f"{name}: metrics that do not dock\n{table[~table['ok']].to_string()}"


def test_docking_detects_a_changed_coefficient():
    table = dock("baseline", "event_intercept_lowered")
    assert not table.loc["participation_any", "ok"], table.to_string()


def test_reference_is_a_classic_mesa_population_starting_from_the_same_residents():
    overrides = {**DOCKED, "warmup_months": 0}
    vec = GovernanceModel(compressed("baseline"), rng=7, overrides=overrides)
    ref = GovernanceModel(compressed("baseline"), rng=7, overrides=overrides, population_cls=ReferencePopulation)
    for field in ("community", "household", "age_group", "vulnerable", "registered", "trust", "habit", "aware",
                  "neighbours", "ties"):
        np.testing.assert_array_equal(getattr(vec.population, field), getattr(ref.population, field))
    agents = ref.agents_by_type[ClassicResident]
    assert len(agents) == ref.population.n
    first = ref.population.agents_in_order[0]
    assert first.trust == pytest.approx(float(vec.population.trust[0]))
    ref.run(3)
    # the agents' state is what the population arrays (read by the metrics) report
    assert [a.trust for a in ref.population.agents_in_order] == pytest.approx(ref.population.trust.tolist(), abs=1e-6)
    assert [a.aware for a in ref.population.agents_in_order] == ref.population.aware.tolist()
