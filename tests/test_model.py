"""Structure, reproducibility, the Resident view agent and community-level output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL

from model import METRIC_NAMES, GovernanceModel, Reform, Scenario
from model.agents import AcceptanceCentre, Committee, Department, Resident, StreetOffice
from model.scenario import load_scenario
from model.study.experiment import run_study, summarise
from model.study.seeds import replication_seeds


def test_default_structure_follows_sf2_and_sf3():
    m = GovernanceModel(rng=1, overrides={"warmup_months": 0})
    assert len(m.agents_by_type[StreetOffice]) == 10
    assert len(m.agents_by_type[Committee]) == 60
    assert len(m.agents_by_type[Department]) == 13      # the 10 pilots and 3 that receive street functions
    assert sum(d.weight > 0 for d in m.agents_by_type[Department]) == 10
    assert all(c.skill.size == 6 for c in m.committees)
    assert (m.population.sizes == round(10000 * m.p["scale"])).all()
    assert len(m.agents_by_type[Resident]) == m.population.n
    assert AcceptanceCentre not in m.agents_by_type
    # households nest in communities, residents in households
    pop = m.population
    assert (np.diff(pop.household) >= 0).all()
    assert (pop.hh_community[pop.household] == pop.community).all()


def test_acceptance_centre_appears_only_when_a_reform_creates_it():
    m = GovernanceModel("seed_district_package", rng=3, overrides=SMALL).run(50)
    assert len(m.agents_by_type[AcceptanceCentre]) == 1
    assert m.task_ledger()["transferred"] > 0
    assert {(c.month, c.kind) for c in m.values.changes if c.kind == "function_transfer"} == {
        (48, "function_transfer")}
    assert all(c.month >= 0 for c in m.values.changes)


def test_acceptance_centre_processes_no_more_than_its_task_capacity():
    from model.parameters import PARAMETERS

    m = GovernanceModel("seed_district_package", rng=3, overrides=SMALL).run(72)
    room = PARAMETERS["centre_task_capacity"].default * m.n_communities
    months_open = 72 - 48
    transferred = m.task_ledger()["transferred"]
    assert 0.5 * room * months_open < transferred <= room * months_open


def test_ending_economic_activity_frees_hours_but_costs_event_seats():
    from model import Reform, Scenario, load_scenario

    base = load_scenario("baseline")
    reform = Scenario(name="no_econ", parameters=dict(base.parameters),
                      reforms=[Reform("no_economic_activity", 0, {"economic_activity": False})])
    # one month: both runs have drawn the same inspections and tasks so far
    b = GovernanceModel(base, rng=8, overrides=SMALL).run(1)
    r = GovernanceModel(reform, rng=8, overrides=SMALL).run(1)
    assert r.committees[0].inspections == b.committees[0].inspections
    assert r.committees[0].hours["economy"] == 0 < b.committees[0].hours["economy"]
    assert r.committees[0].hours["service"] > b.committees[0].hours["service"]
    seats = [np.mean(m.committee_arrays.event_seats(m.committee_arrays.all, m.population.sizes)) for m in (b, r)]
    assert seats[1] < 0.9 * seats[0]


def test_resident_agent_is_a_view_onto_the_arrays():
    m = GovernanceModel(rng=2, overrides=SMALL)
    r = m.agents_by_type[Resident].select(lambda a: a.row == 7).to_list()[0]
    assert r.trust == pytest.approx(float(m.population.trust[7]))
    r.trust = 0.99
    assert m.population.trust[7] == pytest.approx(0.99)
    mean_trust = np.mean(m.agents_by_type[Resident].get("trust"))
    assert mean_trust == pytest.approx(float(m.population.trust.mean()), rel=1e-5)


def test_same_seed_same_result_and_different_seed_differs():
    a = GovernanceModel("burden_reduction", rng=5, overrides=SMALL).run(36)
    b = GovernanceModel("burden_reduction", rng=5, overrides=SMALL).run(36)
    c = GovernanceModel("burden_reduction", rng=6, overrides=SMALL).run(36)
    pd.testing.assert_frame_equal(a.district_frame(), b.district_frame())
    pd.testing.assert_frame_equal(a.community_frame(), b.community_frame())
    assert not a.district_frame().equals(c.district_frame())


def test_serial_and_parallel_studies_are_identical():
    base = load_scenario("baseline")
    early = Scenario("early_deliberation", parameters=dict(base.parameters), reforms=[Reform("deliberation", 3)])
    scenarios = [base, early]
    serial = run_study(scenarios, replications=2, steps=12, master_seed=9, workers=1,
                       overrides=SMALL, progress=False)
    parallel = run_study(scenarios, replications=2, steps=12, master_seed=9, workers=2,
                         overrides=SMALL, progress=False)
    pd.testing.assert_frame_equal(serial.timeseries, parallel.timeseries)
    pd.testing.assert_frame_equal(serial.communities, parallel.communities)


def test_replication_seeds_are_independent_and_reproducible():
    seeds = replication_seeds(42, 10)
    assert seeds == replication_seeds(42, 10)
    assert len(set(seeds)) == 10
    assert seeds[:3] == replication_seeds(42, 3)
    assert seeds != replication_seeds(43, 10)


def test_community_frame_has_every_metric_for_every_community_every_tick():
    m = GovernanceModel("direct_election_household", rng=4, overrides=SMALL).run(30)
    cf = m.community_frame()
    assert len(cf) == 30 * 6
    assert list(cf.columns) == ["step", "street", "community", *METRIC_NAMES]
    assert np.isfinite(cf[list(METRIC_NAMES)].to_numpy()).all()
    last = cf[cf["step"] == 29]
    district = m.district_frame().iloc[-1]
    # committee-level metrics average the committees; per-resident shares pool the residents
    assert district["admin_share"] == pytest.approx(last["admin_share"].mean())
    assert last["turnout"].min() <= district["turnout"] <= last["turnout"].max()
    assert district["trust"] == pytest.approx(m.population.trust.mean(), rel=1e-5)


def test_snapshots_only_at_requested_months():
    m = GovernanceModel(rng=1, overrides=SMALL, snapshot_months=[5, 10]).run(12)
    assert sorted(m.snapshots) == [5, 10]
    assert len(m.snapshots[5]) == m.population.n


def test_summary_ci_brackets_the_mean():
    scenarios = [load_scenario("baseline")]
    result = run_study(scenarios, replications=3, steps=6, master_seed=1, workers=1,
                       overrides=SMALL, progress=False)
    s = summarise(result.timeseries)
    assert set(s["metric"]) == set(METRIC_NAMES)
    assert (s["ci_low"] <= s["mean"] + 1e-12).all() and (s["mean"] <= s["ci_high"] + 1e-12).all()
    admin = s[s["metric"] == "admin_share"].iloc[0]
    finals = result.timeseries[result.timeseries["step"] == 5]["admin_share"]
    assert admin["mean"] == pytest.approx(finals.mean())
    assert admin["ci_high"] > admin["ci_low"]


def test_keyword_construction_and_mesa_batch_run():
    import mesa

    m = GovernanceModel(rng=1, n_streets=1, communities_per_street=2, resident_agents=False).run(3)
    assert m.n_communities == 2
    frame = m.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == ["month", *METRIC_NAMES] and len(frame) == 3
    assert list(frame["month"]) == [0, 1, 2]
    pd.testing.assert_frame_equal(frame[list(METRIC_NAMES)].reset_index(drop=True),
                                  m.district_frame()[list(METRIC_NAMES)],
                                  check_names=False)
    rows = mesa.batch_run(GovernanceModel, parameters={"n_streets": 1, "communities_per_street": 2,
                                                       "resident_agents": False, "ledgers": [72, 6]},
                          rng=[1, 2], max_steps=4, number_processes=1, display_progress=False)
    assert len(rows) == 4
    assert {r["ledgers"] for r in rows} == {72, 6}
    # Mesa counts steps from 1; "month" is the model's own month of the row (the last of 0..3)
    assert all(0 <= r["admin_share"] <= 1 and r["Step"] == 4 and r["month"] == 3 for r in rows)
    by_ledgers = {r["ledgers"]: r["admin_share"] for r in rows if r["iteration"] == 0}
    assert by_ledgers[6] < by_ledgers[72]
