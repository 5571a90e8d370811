"""The report's structural reform (docs/ODD.md §7.1-7.2): the street office's functions as a typed,
counted list; 57 administrative and enforcement functions move to 13 departments with their staff
and budget (权随责走), social and mass work to the community, with or without money."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL

from model import GovernanceModel, Reform, Scenario, load_scenario
from model.agents import DEPARTMENT_CATALOGUE, ENFORCEMENT_DEPARTMENTS, apportion, street_functions
from model.parameters import PARAMETERS, base_defaults, reform_defaults
from model.scenario import Scope
from model.work import Work

SEEDS = (1, 2, 3)
ARRAYS = {**SMALL, "resident_agents": False}
START, STEPS = 24, 60


def street_reform(seed: int, overrides: dict | None = None, **values) -> GovernanceModel:
    """A function transfer in street 0 at month 24 (values by registry name); None: the baseline."""
    reforms = [Reform("function_transfer", START, reform_defaults("function_transfer") | {"transfer_share": 0.0}
                      | values, Scope(streets=(0,)))]
    scenario = Scenario(name="street", parameters=base_defaults(), reforms=reforms if values else [])
    return GovernanceModel(scenario, rng=seed, **ARRAYS, **(overrides or {})).run(STEPS)


def street0(model: GovernanceModel, metric: str, first: int = 36) -> float:
    cf = model.community_frame()
    return float(cf[(cf["step"] >= first) & (cf["street"] == 0)][metric].mean())


def test_the_street_holds_57_typed_functions_and_the_district_13_departments():
    functions = street_functions(base_defaults())
    kinds = [f.kind for f in functions]
    assert sum(f.government for f in functions) == PARAMETERS["street_government_functions"].value == 57
    assert set(kinds) == set(Work)
    assert kinds.count(Work.SOCIAL) + kinds.count(Work.MASS) == 12
    assert len(DEPARTMENT_CATALOGUE) == 13
    assert {f.department for f in functions if f.government} == {k for k, _ in DEPARTMENT_CATALOGUE}
    assert all((f.kind == Work.ENFORCEMENT) == (f.department in ENFORCEMENT_DEPARTMENTS) for f in functions
               if f.government)
    volume = sum(f.volume for f in functions)
    assert volume == pytest.approx(PARAMETERS["street_tasks_per_community_month"].value)
    assert apportion(57, np.array([1.0, 1.0, 1.0])).tolist() == [19, 19, 19]
    assert apportion(5, np.array([0.0, 0.0])).tolist() == [3, 2]


@pytest.mark.parametrize("name", ["seed_timeline", "seed_pilots"])
def test_the_seed_scenarios_move_all_57_functions_of_street_0_and_its_social_work(name):
    s = load_scenario(name)
    moves = [r for r in s.reforms if r.kind == "function_transfer"]
    assert len(moves) == 1 and moves[0].scope.streets == (0,)
    assert moves[0].params["street_functions_to_departments"] == 1.0
    assert moves[0].params["social_work_to_community"] == 1.0
    m = GovernanceModel(s, rng=1, resident_agents=False, scale=0.01).run(moves[0].start_month + 1)
    moved = m.functions_moved()
    street0 = np.arange(m.n_communities) < m.values["communities_per_street"]
    assert moved[:, street0].all() and not moved[:, ~street0].any()
    assert m.streets[0].base_volume().sum() == 0 < m.streets[1].base_volume().sum()
    assert sum(len(d.functions) for d in m.departments) == 57


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_moving_functions_with_staff_lowers_the_streets_load_and_raises_the_departments():
    for s in SEEDS:
        base = street_reform(s)
        funded = street_reform(s, street_functions_to_departments=1.0, funding_follows_tasks=True)
        unstaffed = street_reform(s, overrides={"street_budget_moved_share": 0.0},
                                  street_functions_to_departments=1.0, funding_follows_tasks=True)
        moved = 0.6 * 0.5 * 40 * 3 * (1 - 0.25)     # budget moved x capacity share x volume x communities
        assert base.streets[0].capacity - funded.streets[0].capacity == pytest.approx(moved, rel=0.05)
        gained = sum(d.capacity for d in funded.departments) - sum(d.capacity for d in base.departments)
        assert gained > 0.8 * moved
        # the street keeps only its social and mass work; the departments' volume grows by the rest
        held = funded.streets[0].base_volume().sum()
        assert held == pytest.approx(0.25 * base.streets[0].base_volume().sum())
        taken = sum(d.base_volume().sum() for d in funded.departments) - sum(d.base_volume().sum()
                                                                            for d in base.departments)
        assert taken == pytest.approx(base.streets[0].base_volume().sum() - held)
        # the three added departments hold staff only where the functions' budget came with them
        added = [d for d in funded.departments if d.weight == 0]
        assert all(d.capacity > 0 for d in added)
        assert all(d.capacity == 0 for d in unstaffed.departments if d.weight == 0)
        assert unstaffed.streets[0].budget_ceiling == pytest.approx(base.streets[0].budget_ceiling)


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_unfunded_social_work_raises_the_communitys_admin_share_and_money_takes_it_away():
    """The street pushed about 70% of its social and mass work down before the move, so taking
    over the rest (10 tasks a month, 4 hours each) adds about 0.3 x 40 / 1,008 = 0.012 to the
    admin share; funded, the street's staff budget for the work (60 yuan a task) buys 协管员 hours
    worth more than the work takes. Nothing moves when the street has no such work."""
    rises, funded, zeroed = [], [], []
    for s in (1, 2, 3, 4, 5):
        base = street0(street_reform(s, social_work_to_community=0.0), "admin_share")
        rises.append(street0(street_reform(s, social_work_to_community=1.0), "admin_share") - base)
        funded.append(street0(street_reform(s, social_work_to_community=1.0, social_work_funded=True),
                              "admin_share") - base)
        none = {"street_community_work_share": 0.0}
        zeroed.append(street0(street_reform(s, none, social_work_to_community=1.0), "admin_share")
                      - street0(street_reform(s, none, social_work_to_community=0.0), "admin_share"))
    assert 0.005 < np.mean(rises) < 0.04 and min(rises) > -0.02, rises
    assert all(f < r - 0.02 for f, r in zip(funded, rises, strict=True)), (funded, rises)
    assert zeroed == [0.0] * 5, zeroed


def displaced(seed: int, **overrides) -> np.ndarray:
    """Displaced tasks per worker in street 0 and street 1, months 36-71 of the street-office reform."""
    m = GovernanceModel("street_office_reform", rng=seed, overrides={**ARRAYS, **overrides}).run(72)
    cf = m.community_frame()
    return cf[cf["step"] >= 36].groupby("street")["displaced_tasks_per_worker"].mean().to_numpy()


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_displacement_appears_under_pressure_and_vanishes_when_capacity_is_ample():
    """After 淮海路's functions move, departments under pressure push moved work and more of their own
    onto committees, in street 0 and in the other street; with ample staff for the moved work and
    room at the centre the displacement all but vanishes. Nothing is displaced without a move."""
    ample = {"department_capacity_share": 2.0, "street_capacity_share": 2.0, "street_budget_moved_share": 1.0,
             "centre_task_capacity": 1000.0}
    for s in SEEDS:
        pressed, relaxed = displaced(s), displaced(s, **ample)
        assert pressed[0] > 4 and pressed[1] > 2, pressed
        assert (relaxed < 0.5).all() and (relaxed < 0.1 * pressed).all(), (relaxed, pressed)
        base = GovernanceModel(None, rng=s, **ARRAYS).run(24).district_frame()
        assert (base["displaced_tasks_per_worker"] == 0).all()


def test_pressed_departments_bypass_the_acceptance_centre():
    """With room at the centre, what departments still push down in street 0 comes from their
    pressure turning them from the centre: without that weight they route more through it."""
    for s in SEEDS:
        routed = displaced(s, centre_task_capacity=1000.0)
        unpressed = displaced(s, centre_task_capacity=1000.0, route_pressure_weight=0.0)
        assert unpressed[0] < 0.7 * routed[0], (unpressed, routed)
