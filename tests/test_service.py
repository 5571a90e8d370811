"""Resident service like a 居委会 (issue 16): residents choose where to take a need from the
success and wait they expect, balk, jockey and use outside options; the committee's counter
does routine matters the same day within its allowance; time is in days. Each mechanism
moves the way it says over several seeds and vanishes when its parameter is zeroed. Small
districts (2 streets x 3 communities); the 240-month stationarity and the capacity sweep are
slow tests (benchmarks/service_checks.py)."""

from __future__ import annotations

import numpy as np
import pytest

from model import GovernanceModel
from model.constants import DAYS_PER_MONTH
from model.services import COUNTER, N_CHANNELS
from model.states import Channel, Need

SMALL = {"n_streets": 2, "communities_per_street": 3, "resident_agents": False, "warmup_months": 0}
SEEDS = (61, 62, 63)
MONTH = 5


def fresh(seed: int, **overrides) -> GovernanceModel:
    """A small district before its first month, nothing pending, everyone aware."""
    m = GovernanceModel(None, rng=seed, overrides={**SMALL, **overrides})
    pop = m.population
    pop.req_age[:] = -1
    pop.aware[:] = True
    return m


def everything_open(m: GovernanceModel, capacity: float = 1e6) -> tuple[np.ndarray, np.ndarray]:
    cap = np.full((N_CHANNELS, m.n_communities), capacity)
    return cap, np.ones_like(cap, dtype=bool)


def committee_only(m: GovernanceModel, capacity: float = 1e6) -> tuple[np.ndarray, np.ndarray]:
    cap = np.zeros((N_CHANNELS, m.n_communities))
    cap[Channel.COMMITTEE] = capacity
    is_open = np.zeros_like(cap, dtype=bool)
    is_open[Channel.COMMITTEE] = True
    return cap, is_open


# ------------------------------------------------------------------ choice: balking
def brought_share(seed: int, remembered_wait: float, **overrides) -> float:
    """Share of new needs brought to the committee when every resident remembers waiting
    ``remembered_wait`` days there."""
    m = fresh(seed, need_rate=0.3, **overrides)
    pop = m.population
    pop.seen_n[:] = 5
    pop.seen_success[:] = 5 * 0.8
    pop.seen_wait[:] = 5 * remembered_wait
    cap, is_open = committee_only(m)
    pop.raise_needs(MONTH, cap, m.services_home, is_open)
    return pop.new_requests.size / pop.new_needs.size


def test_balking_rises_with_the_expected_wait():
    for seed in SEEDS:
        short, long = brought_share(seed, 3.0), brought_share(seed, 90.0)
        assert short - long > 0.15, (short, long)
    # without a cost of waiting the wait changes nothing (same draws, same choices)
    assert brought_share(SEEDS[0], 3.0, wait_cost=0.0) == brought_share(SEEDS[0], 90.0, wait_cost=0.0)


def test_the_wait_residents_see_is_the_queue_over_its_capacity():
    m = fresh(SEEDS[0])
    pop = m.population
    rows = np.arange(pop.start[0], pop.start[0] + 20)
    pop.req_age[rows], pop.req_channel[rows], pop.req_day[rows] = 1, Channel.COMMITTEE, -10.0
    cap, _ = committee_only(m, 10.0)
    seen = pop.visible_waits(cap, m.services_home)
    assert seen[Channel.COMMITTEE, 0] == pytest.approx(20 / 10 * DAYS_PER_MONTH)
    assert seen[Channel.COMMITTEE, 1] == 0.0       # an empty queue shows no wait


# ------------------------------------------------------------------ choice: jockeying
def movers_to_committee(seed: int, labour_capacity: float, **overrides) -> int:
    """Residents waiting at the street's labour office with an employment need who move to
    the committee, with the office's capacity as given."""
    m = fresh(seed, need_rate=0.0, **overrides)
    pop = m.population
    rows = np.flatnonzero(pop.community < 3)[::3][:150]
    pop.need_type[rows] = Need.EMPLOYMENT
    pop.req_age[rows], pop.req_channel[rows] = 1, Channel.LABOUR_OFFICE
    pop.req_day[rows] = MONTH * DAYS_PER_MONTH - 20.0
    cap, is_open = everything_open(m)
    cap[Channel.LABOUR_OFFICE] = labour_capacity
    pop.raise_needs(MONTH, cap, m.services_home, is_open)
    return int(((pop.req_channel[rows] == Channel.COMMITTEE) & (pop.req_age[rows] == 0)).sum())


def test_jockeying_moves_needs_away_from_a_full_channel():
    for seed in SEEDS:
        full, free = movers_to_committee(seed, 1.0), movers_to_committee(seed, 1e6)
        assert full > 20 and full > 3 * free, (full, free)
    # jockeying follows the cost of the wait seen: without it a full office keeps its queue
    assert movers_to_committee(SEEDS[0], 1.0, wait_cost=0.0) == movers_to_committee(SEEDS[0], 1e6, wait_cost=0.0)


# ------------------------------------------------------------------ outside options
def outside_run(seed: int, **overrides) -> tuple[float, float]:
    """(unmet_need_share over months 24-47, committee requests a month) of a small baseline."""
    m = GovernanceModel(None, rng=seed, overrides={**SMALL, "warmup_months": 12, **overrides})
    requests = 0
    for _ in range(48):
        m.step()
        if m.month > 24:
            requests += m.population.new_requests.size
    frame = m.district_frame()
    return float(frame["unmet_need_share"].iloc[24:].mean()), requests / 24


NO_OUTSIDE = {f"outside_success_{k}": 0.0 for k in ("admin", "health", "employment", "elderly_care", "mutual_aid")}


def test_outside_options_lower_unmet_need_without_raising_requests():
    for seed in SEEDS:
        unmet, requests = outside_run(seed)
        unmet_closed, requests_closed = outside_run(seed, **NO_OUTSIDE)
        assert unmet_closed - unmet > 0.08, (unmet, unmet_closed)
        assert requests <= requests_closed * 1.02, (requests, requests_closed)
    frame = GovernanceModel(None, rng=SEEDS[0], overrides={**SMALL, **NO_OUTSIDE}).run(24).district_frame()
    assert (frame["outside_resolved_share"] == 0).all()


# ------------------------------------------------------------------ the counter
def counter_month(seed: int, walkins: int, counter: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Serve ``walkins`` routine walk-ins in community 0 with ``counter`` matters of allowance."""
    m = fresh(seed)
    pop = m.population
    rows = np.arange(pop.start[0], pop.start[0] + walkins)
    start = MONTH * DAYS_PER_MONTH
    pop.need_type[rows], pop.req_routine[rows] = Need.ADMIN, True
    pop.req_age[rows], pop.req_channel[rows] = 0, Channel.COMMITTEE
    pop.req_day[rows] = start + np.linspace(0, DAYS_PER_MONTH - 1, walkins)
    pop.new_requests = pop.new_needs = rows
    cap, is_open = committee_only(m, 0.0)
    pop._is_open = is_open
    counters = np.zeros(m.n_communities)
    counters[0] = counter
    out = pop.serve(MONTH, cap, m.services_home, np.zeros_like(is_open), np.full(m.n_communities, 0.5), counters)
    share = out.same_day[0] / out.routine_walkins[0]
    return share, rows, out


def test_triage_keeps_routine_matters_same_day_until_the_allowance_is_spent():
    for seed in SEEDS:
        ample, rows, out = counter_month(seed, 100, 150.0)
        assert ample == 1.0 and out.resolved_30[0] == 100 and out.wait_days[0] == 0
        spent, rows, out = counter_month(seed, 100, 25.0)
        assert 0.12 < spent < 0.4, spent
        # the rest became casework, waiting for the committee's casework hours
        assert out.concluded[0] == out.same_day[0]
        none, *_ = counter_month(seed, 100, 0.0)
        assert none == 0.0


def test_counter_hours_give_way_to_pushed_down_work_and_can_be_set():
    m = fresh(SEEDS[0])
    cs, every = m.committee_arrays, m.committee_arrays.all
    free = np.full(every.size, 600.0)
    idle = cs.counter_hours(every, free, np.zeros(every.size))
    pressed = cs.counter_hours(every, free, np.full(every.size, 1000.0))
    p = m.values
    assert idle == pytest.approx(p["counter_hours_per_day"] * p["counter_days_per_month"])
    assert pressed == pytest.approx(idle * (1 - p["counter_pressure_weight"]))
    assert (cs.counter_hours(every, np.full(every.size, 10.0), np.zeros(every.size)) == 10.0).all()
    none = fresh(SEEDS[0], counter_pressure_weight=0.0).committee_arrays
    assert none.counter_hours(every, free, np.full(every.size, 1000.0)) == pytest.approx(idle)


def test_counter_allowance_is_a_lever_for_resolution():
    for seed in SEEDS:
        frames = {h: GovernanceModel(None, rng=seed, overrides={**SMALL, "warmup_months": 12,
                                                                "counter_hours_per_day": h}).run(36).district_frame()
                  for h in (0.0, 4.0)}
        closed, kept = (frames[h].iloc[12:] for h in (0.0, 4.0))
        assert (closed["routine_same_day_share"] == 0).all()
        assert kept["requests_resolved_share"].mean() - closed["requests_resolved_share"].mean() > 0.2


# ------------------------------------------------------------------ days and referrals
def test_resolved_within_30_days_counts_days_across_months():
    m = fresh(SEEDS[0])
    pop = m.population
    start = MONTH * DAYS_PER_MONTH
    rows = np.arange(pop.start[0], pop.start[0] + 2)
    pop.need_type[rows] = Need.MUTUAL_AID       # the committee's own casework
    pop.req_age[rows], pop.req_channel[rows] = 1, Channel.COMMITTEE
    pop.req_day[rows] = [start - 5.0, start - 60.0]
    pop.new_requests = pop.new_needs = np.zeros(0, dtype=np.int64)
    cap, is_open = committee_only(m, 1e6)
    pop._is_open = is_open
    served = {}
    for trial in range(20):       # casework succeeds with chance casework_success
        pop.req_age[rows] = 1
        pop.req_day[rows] = [start - 5.0, start - 60.0]
        out = pop.serve(MONTH, cap, m.services_home, np.zeros_like(is_open), np.full(m.n_communities, 0.5))
        served[trial] = (out.served[0], out.resolved_30[0])
    assert all(s == 2 for s, _ in served.values())
    assert max(r for _, r in served.values()) == 1         # only the one that came 5 days ago


def test_referrals_dead_end_more_without_a_local_owner():
    def dead_share(seed: int, **overrides) -> float:
        m = fresh(seed, **overrides)
        pop = m.population
        rows = np.flatnonzero(pop.community == 0)[:300]
        pop.need_type[rows] = Need.HEALTH
        pop.req_age[rows], pop.req_channel[rows], pop.req_day[rows] = 1, Channel.COMMITTEE, MONTH * 30 - 3.0
        pop.new_requests = pop.new_needs = np.zeros(0, dtype=np.int64)
        cap, is_open = committee_only(m, 1e6)
        pop._is_open = is_open
        out = pop.serve(MONTH, cap, m.services_home, np.zeros_like(is_open), np.full(m.n_communities, 0.5))
        return out.dead_end[0] / out.referred[0]
    for seed in SEEDS:
        assert abs(dead_share(seed) - (1 - base_value("referral_success"))) < 0.1
    assert dead_share(SEEDS[0], referral_success=1.0) == 0.0


def base_value(name: str) -> float:
    from model.parameters import PARAMETERS
    return PARAMETERS[name].value


def test_residents_learn_what_the_counter_does():
    m = GovernanceModel(None, rng=SEEDS[0], overrides={**SMALL, "warmup_months": 0}).run(36)
    pop = m.population
    success, wait = pop.expected(np.arange(pop.n))
    assert success[:, COUNTER].mean() > pop.trust.mean() + 0.2     # done on the spot, and they know it
    assert wait[:, COUNTER].mean() < m.values["prior_wait_days"] / 2


# ------------------------------------------------------------------ slow: stationarity and smoothness
@pytest.mark.slow
def test_the_baseline_stands_still_and_responds_smoothly_to_capacity():
    from concurrent.futures import ProcessPoolExecutor

    from benchmarks.service_checks import smoothness, stationarity
    with ProcessPoolExecutor(2) as pool:
        assert stationarity(pool)
        assert smoothness(pool)
