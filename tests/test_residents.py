"""The residents' side: elections with candidates, an agenda residents set, typed needs served
by the channels that exist. Each mechanism moves the way it says over several seeds and
vanishes when its parameter is zeroed. Small districts (2 streets x 3 communities)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL

from model import GovernanceModel, Reform, Scenario
from model.parameters import base_defaults, reform_defaults
from model.services import home_queues
from model.states import Channel, Need

SEEDS = (31, 32, 33)


def scenario(*reforms: tuple[str, dict]) -> Scenario:
    """Baseline values with the given reforms from month 0 (their registry defaults, then ``params``)."""
    return Scenario(name="test", parameters=base_defaults(),
                    reforms=[Reform(kind, 0, reform_defaults(kind) | params) for kind, params in reforms])


def run(scen: Scenario, seed: int, steps: int = 48, **overrides) -> GovernanceModel:
    return GovernanceModel(scen, rng=seed, overrides={**SMALL, **overrides}).run(steps)


def election(**params) -> Scenario:
    return scenario(("election", {"election_mode": "resident", "proxy_voting": False, "term_months": 12, **params}))


# ------------------------------------------------------------------ elections
def test_street_slate_without_contested_seats_never_loses_and_leans_like_an_appointment():
    for seed in SEEDS:
        m = run(election(nomination="street", contested_seats=0.0), seed)
        f = m.district_frame()
        assert (f["incumbent_loss_share"] == 0).all() and (f["contested_seat_share"] == 0).all()
        assert f["turnout"].iloc[-1] > 0.5                  # elections were held
        appointed = GovernanceModel(None, rng=seed, overrides=SMALL)
        assert [m.elections.orientation(c) for c in range(6)] == pytest.approx(
            [appointed.elections.orientation(c) for c in range(6)])


def test_contested_seats_cost_dissatisfying_incumbents_their_seats():
    """Where voters lean against the incumbents (support_intercept -1), every elected seat open
    to contest, nomination open and challengers standing at any dissatisfaction
    (challenger_threshold 0), incumbents lose many seats; the loss vanishes with no seats open
    to contest, and with the default lean toward incumbents it is smaller."""
    for seed in SEEDS:
        fed_up = {"support_intercept": -1.0, "challenger_threshold": 0.0}
        contested = run(election(nomination="open", contested_seats=1.0), seed, **fed_up).district_frame()
        quiet = run(election(nomination="open", contested_seats=0.0), seed, **fed_up).district_frame()
        usual = run(election(nomination="open", contested_seats=1.0), seed).district_frame()
        after = slice(13, None)
        assert contested["contested_seat_share"].iloc[after].mean() > 0.95
        assert contested["incumbent_loss_share"].iloc[after].mean() > 0.3
        assert (quiet["incumbent_loss_share"] == 0).all()
        # default voters lose patience too as service falls, but later and less
        assert (usual["incumbent_loss_share"].iloc[after].mean()
                < contested["incumbent_loss_share"].iloc[after].mean() - 0.1)


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_responsiveness_follows_contest_not_mode():
    """Before dissatisfied voters (no counter hours), a contested election moves the committee
    toward residents (its weight on them, and fewer hours on admin work) more than an
    uncontested slate under the same mode; before satisfied voters the move is small. Under
    pressure from above growing 1% a year: with the default still volume the move before
    satisfied voters is up to 0.29 against 0.47 (docs/ODD.md §10)."""
    gains, shifts, calm = [], [], []
    growing = {"task_growth_per_year": 0.01}
    for seed in SEEDS:
        hot = run(election(nomination="open", contested_seats=1.0), seed, counter_hours_per_day=0.0, **growing)
        cold = run(election(nomination="street", contested_seats=0.0), seed, counter_hours_per_day=0.0, **growing)
        shifts.append(np.mean([hot.elections.orientation(c) - cold.elections.orientation(c) for c in range(6)]))
        gains.append(cold.district_frame()["admin_share"].iloc[-24:].mean()
                     - hot.district_frame()["admin_share"].iloc[-24:].mean())
        hot, cold = (run(election(nomination="open", contested_seats=1.0), seed, **growing),
                     run(election(nomination="street", contested_seats=0.0), seed, **growing))
        calm.append(np.mean([hot.elections.orientation(c) - cold.elections.orientation(c) for c in range(6)]))
    assert min(shifts) > 0.15, shifts
    assert min(gains) > 0, gains                 # hours follow, though little (docs/ODD.md §10)
    # paired by seed (the same residents before satisfied and dissatisfied voters): seeds 1-3 give
    # 0.20 / 0.18 / 0.25 against 0.57 / 0.48 / 0.60 since the slate's bonus goes only to voters who
    # do not know the committee (docs/ODD.md §10)
    assert all(c < s / 2 for c, s in zip(calm, shifts, strict=True)), (calm, shifts)


def test_orientation_rises_with_the_expected_loss_an_elected_director_and_newcomers():
    """The elected members' weight on residents: the appointed weight plus what they expect to
    lose, a really elected director and members who beat an incumbent (not turnout or the
    contest lever as such)."""
    m = run(election(nomination="street", contested_seats=0.3), SEEDS[0], steps=14)
    e = m.elections
    e.expected_loss[0], e.elected_director[0], e.lost[0] = 0.1, False, 0.0
    low = e.orientation(0)
    e.personal_turnout[0], e.support[0] = 0.9, 0.5
    assert e.orientation(0) == pytest.approx(low)
    e.expected_loss[0] = 0.3
    assert e.orientation(0) == pytest.approx(low + 0.2 * m.values["orientation_loss_weight"])
    before = e.orientation(0)
    e.elected_director[0] = True
    assert e.orientation(0) == pytest.approx(before + m.values["orientation_elected_director"])
    e.lost[0] = 0.5
    assert e.orientation(0) > before + m.values["orientation_elected_director"]
    e.expected_loss[0] = 0.0
    e.elected_director[0] = False
    e.lost[0] = 0.0
    assert e.orientation(0) == pytest.approx(GovernanceModel(None, rng=1, overrides=SMALL).elections.orientation(0))


def test_open_nomination_makes_the_director_elected():
    m = run(election(nomination="open", contested_seats=0.0), SEEDS[0], steps=14)
    assert m.elections.elected_director.all()
    m = run(election(nomination="street", contested_seats=0.0), SEEDS[0], steps=14)
    assert not m.elections.elected_director.any()


# ------------------------------------------------------------------ agenda
def test_resident_items_come_from_attendees_who_raise_them():
    hearings = scenario(("deliberation", {"open_affairs": False, "resident_appraisal": False}))
    for seed in SEEDS:
        attended = run(hearings, seed, steps=36)
        empty = run(hearings, seed, steps=36, deliberation_intercept=-10.0)
        silent = run(hearings, seed, steps=36, agenda_raise_with_need=0.0, agenda_raise_without_need=0.0)
        share = {k: m.district_frame()["resident_agenda_share"].iloc[-12:].mean()
                 for k, m in (("attended", attended), ("empty", empty), ("silent", silent))}
        assert empty.district_frame()["deliberation_participation"].max() < 0.005     # next to nobody attends
        assert not silent.population.raised_items.any()
        assert share["attended"] > share["empty"] + 0.05, share
        assert share["attended"] > share["silent"] + 0.05, share


def test_an_event_nobody_attends_adds_no_resident_item():
    m = GovernanceModel(None, rng=7, overrides={**SMALL, "representative_turnout": 0.0})
    arrays, first = m.committee_arrays, np.array([0])
    c = m.committees[0]

    def count_agenda():
        arrays.count_agenda(first, np.array([arrays.assembly_meetings(0)]))

    agenda = []
    for events in (0, 5):
        c.agenda_residents = 0.0
        c.deliberation_events = events
        m.population.raised_items[:] = 0.0
        count_agenda()
        agenda.append(c.agenda_residents)
    assert agenda[0] == agenda[1]
    m.population.raised_items[0] = 10.0
    count_agenda()
    assert c.agenda_residents > agenda[1]


def test_what_attendees_raise_follows_their_needs():
    """The old need elderly care far more than the young: among items residents raise about
    their own needs, elderly care is a larger share where attendees are old."""
    hearings = scenario(("deliberation", {"forums_per_year": 24.0}))
    shares = []
    for share_old in (0.05, 0.6):
        # raised_needs holds one month's items: add them up over every month of the run
        raised = sum(raised_every_month(hearings, s, 36, share_old=share_old) for s in (*SEEDS, 34, 35, 36))
        assert raised.sum() > 150, raised
        shares.append(raised[Need.ELDERLY_CARE] / raised.sum())
    assert shares[1] > shares[0] + 0.05, shares


def raised_every_month(scen: Scenario, seed: int, steps: int, **overrides) -> np.ndarray:
    """Items attendees raised about needs of their own, by need type, summed over the run."""
    model = GovernanceModel(scen, rng=seed, overrides={**SMALL, **overrides})
    total = np.zeros(len(Need))
    for _ in range(steps):
        model.step()
        total += model.population.raised_needs.sum(axis=1)
    return total


def test_attendees_with_a_need_raise_more():
    hearings = scenario(("deliberation", {"forums_per_year": 24.0}))
    # summed over every month (a month's count is a handful of items)
    needs_only = [raised_every_month(hearings, s, 24, agenda_raise_without_need=0.0).sum() for s in SEEDS]
    others_only = [run(hearings, s, steps=24, agenda_raise_with_need=0.0).population.raised_items.sum()
                   for s in SEEDS]
    assert sum(needs_only) > 0 and sum(others_only) > 0
    # with equal chances the split follows who has a need; with the defaults (0.5 vs 0.1)
    # those with a need raise the bulk of the items relative to their number
    equal = [raised_every_month(hearings, s, 24, agenda_raise_with_need=0.1, agenda_raise_without_need=0.0).sum()
             for s in SEEDS]
    assert sum(needs_only) > 3 * sum(equal)


def test_assembly_reports_count_only_when_the_assembly_meets():
    m = GovernanceModel(None, rng=5, overrides=SMALL)
    assert sum(m.committee_arrays.assembly_meetings(0) for _ in range(240)) > 0
    m = GovernanceModel(None, rng=5, overrides={**SMALL, "representative_turnout": 0.0})
    assert sum(m.committee_arrays.assembly_meetings(0) for _ in range(240)) == 0


# ------------------------------------------------------------------ services
def test_queues_take_cases_in_no_fixed_order_unless_the_vulnerable_go_first():
    """A queue serves about N(1 - exp(-capacity/N)) of its N cases in a month, whatever their
    age; where priority holds the vulnerable are served first."""
    m = GovernanceModel(None, rng=3, overrides={**SMALL, "warmup_months": 0})
    pop = m.population
    rows = np.arange(pop.start[0], pop.start[1])[:100]
    month = 7

    def pending():
        pop.req_age[:] = -1
        pop.req_age[rows] = 1 + np.arange(100) % 3
        pop.req_day[rows] = month * 30 - 30.0 * pop.req_age[rows]
        pop.req_channel[rows] = Channel.COMMITTEE
        pop.need_type[rows] = Need.MUTUAL_AID
        pop.new_requests = pop.new_needs = pop.unmet = np.zeros(0, dtype=np.int64)

    pending()
    capacity = np.zeros((len(Channel), m.n_communities))
    capacity[Channel.COMMITTEE, 0] = 30
    first = np.zeros_like(capacity, dtype=bool)
    ages = pop.req_age[rows].copy()
    out = pop.serve(month, capacity, m.services_home, first, np.full(m.n_communities, 0.5))
    served = pop.last_contact[rows] == month
    assert 15 <= out.served[0] == served.sum() <= 37          # expected 100 (1 - e^-0.3) = 26
    assert ages[served].min() < ages[~served].max()           # not oldest first
    # vulnerable first
    pending()
    first[Channel.COMMITTEE] = True
    pop.serve(month + 1, capacity, m.services_home, first, np.full(m.n_communities, 0.5))
    served = pop.last_contact[rows] == month + 1
    vulnerable = pop.vulnerable[rows]
    assert 0 < vulnerable.sum() < 30 and served[vulnerable].mean() > 0.5 > served[~vulnerable].mean()


def test_labour_offices_serve_a_whole_street_and_the_centre_the_district():
    home = home_queues(2, 3)
    assert home[Channel.LABOUR_OFFICE].tolist() == [0, 0, 0, 3, 3, 3]
    assert home[Channel.CENTRE].tolist() == [0] * 6
    assert home[Channel.COMMITTEE].tolist() == list(range(6))


def test_health_stations_meet_health_needs_and_vanish_without_capacity():
    # where residents have no other route for a health need (no hospital or clinic outside the
    # channels); with one, the stations lower unmet need by about 0.02 (docs/ODD.md §10)
    stations = scenario(("health_stations", {}))
    for seed in SEEDS:
        base = run(Scenario(name="b"), seed, steps=36, outside_success_health=0.0).district_frame()
        with_ = run(stations, seed, steps=36, outside_success_health=0.0).district_frame()
        base, with_ = (f["unmet_need_share"].iloc[-12:].mean() for f in (base, with_))
        assert base - with_ > 0.05, (base, with_)
    a = run(stations, SEEDS[0], steps=24, health_station_capacity_per_1000=0.0).district_frame()
    b = run(Scenario(name="b"), SEEDS[0], steps=24).district_frame()
    cols = ["unmet_need_share", "satisfaction", "requests_resolved_share"]
    assert np.allclose(a[cols].to_numpy(), b[cols].to_numpy())


def test_priority_for_the_vulnerable_closes_their_resolution_gap():
    # where queues bind (no counter hours: every matter is casework; pressure from above growing
    # 1% a year), serving the vulnerable first resolves more of what they bring: the resolution
    # gap (others minus vulnerable) falls by 0.16-0.25 in seeds 1-3. Their unmet need, which
    # counts the needs never brought, no longer moves since the committee splits its hours by
    # its weight on residents (docs/ODD.md §10)
    priority = scenario(("service_brands", {"service_brands": False, "priority_vulnerable": True}))
    binding = {"counter_hours_per_day": 0.0, "task_growth_per_year": 0.01}
    for seed in SEEDS:
        base = run(Scenario(name="b"), seed, steps=36, **binding).district_frame()
        first = run(priority, seed, steps=36, **binding).district_frame()
        base, first = (f["service_equity_gap"].iloc[-12:].mean() for f in (base, first))
        assert base - first > 0.1, (base, first)


def test_service_brands_serve_the_vulnerable_through_social_organisations_and_volunteers():
    # under pressure from above growing 1% a year; with the default still volume the direction
    # fails in one seed of three (docs/ODD.md §10)
    orgs = scenario(("social_organizations", {}))
    brands = scenario(("social_organizations", {}), ("service_brands", {}))
    narrowed = []
    for seed in SEEDS:
        o = run(orgs, seed, steps=36, task_growth_per_year=0.01).district_frame().iloc[-12:]
        b = run(brands, seed, steps=36, task_growth_per_year=0.01).district_frame().iloc[-12:]
        narrowed.append(o["vulnerable_unmet_gap"].mean() - b["vulnerable_unmet_gap"].mean())
        assert narrowed[-1] > 0, narrowed                 # the direction holds in every seed
        assert b["unmet_need_share"].mean() < o["unmet_need_share"].mean()
    assert np.mean(narrowed) > 0.03, narrowed            # the size, over the seeds
    # without capacity of their own the brands only reorder the social organisations' queue:
    # unmet need barely moves
    none = run(brands, SEEDS[0], steps=36, needs_per_volunteer_month=0.0, brand_capacity_boost=0.0)
    full = run(brands, SEEDS[0], steps=36)
    unmet = {k: m.district_frame()["unmet_need_share"].iloc[-12:].mean()
             for k, m in (("none", none), ("full", full), ("orgs", run(orgs, SEEDS[0], steps=36)))}
    assert abs(unmet["none"] - unmet["orgs"]) < 0.04 and unmet["full"] < unmet["none"] - 0.05, unmet


# ------------------------------------------------------------------ the seed timeline
def test_seed_timeline_places_the_levers_where_the_report_does_and_does_not_saturate():
    m = GovernanceModel("seed_timeline", rng=41, overrides={"scale": 0.005}).run(120)
    v = m.values
    assert int(v["health_station"].sum()) == 37 and v["labour_office"].all()
    assert list(np.flatnonzero(v["acceptance_centre"])) == list(range(6))                  # street 淮海路
    assert v["hearings_per_year"][6:12].min() > 0 and v["hearings_per_year"][12:].max() == 0  # street 止马营
    assert v["forums_per_year"][12] > 0 and np.count_nonzero(v["forums_per_year"]) == 1     # 致和街
    assert m.real_sizes[18] == 3000
    assert v.at("election_mode", 40, 18) == "resident" and v.at("election_mode", 40, 0) == "appointed"
    assert (v["election_mode"] == "household").all()
    f = m.district_frame()
    assert f["requests_resolved_share"].max() < 0.95
    assert f["contested_seat_share"].iloc[-1] > 0 and np.isfinite(f.drop(columns="step").to_numpy()).all()


def test_open_affairs_and_resident_appraisal_each_give_half_the_procedural_trust():
    every = np.arange(2)
    bonus = {}
    for oa, ra in [(False, False), (True, False), (False, True), (True, True)]:
        m = GovernanceModel("baseline", rng=1, n_streets=1, communities_per_street=2, scale=0.005,
                            open_affairs=oa, resident_appraisal=ra)
        bonus[oa, ra] = m.committee_arrays.procedural_trust(every)
    full = base_defaults()["procedural_trust"]
    assert (bonus[False, False] == 0).all()
    assert np.allclose(bonus[True, False], full / 2) and np.allclose(bonus[False, True], full / 2)
    assert np.allclose(bonus[True, True], full)          # both together: the whole bonus, not half


# ------------------------------------------------------------------ the neighbour network (SF18)
@pytest.mark.parametrize("mean_ties", [3.0, 1.5])
def test_isolated_share_is_the_share_with_no_tie_and_follows_the_binomial_network(mean_ties):
    """`isolated_share` counts residents who know no neighbour. With ties ~ Binomial(6, mean_ties/6) it
    is about (1 - mean_ties/6)^6: 0.016 at the default 3, 0.18 at the plausible floor 1.5 (ODD §10, SF18:
    the survey's 0.28 is out of reach of the binomial network), and none when everyone knows six."""
    expected = (1 - mean_ties / 6) ** 6
    for seed in SEEDS:
        model = run(scenario(), seed, steps=2, mean_ties=mean_ties)
        share = model.district_frame()["isolated_share"]
        assert share.nunique() == 1                      # the network is fixed
        n = model.population.n
        assert abs(share.iloc[0] - expected) < 4 * np.sqrt(expected * (1 - expected) / n) + 1e-9
    full = run(scenario(), SEEDS[0], steps=2, mean_ties=6.0).district_frame()["isolated_share"]
    assert (full == 0).all()
