"""Resident state as NumPy arrays, and the vectorised monthly resident rules.

Residents are stored community by community (community ``c`` owns the contiguous rows
``start[c]:start[c+1]``) and household by household, so per-community sums are
``np.add.reduceat`` over slices. Each rule below is a few array operations and one
equation in docs/ODD.md; the Resident agent in agents.py is a view onto one row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEVER = -100_000          # month stamp for "never happened"
MAX_TIES = 6              # neighbour slots per resident
YOUNG, MIDDLE, OLD = 0, 1, 2
EMPLOYED, LAID_OFF, RETIRED = 0, 1, 2
COMMITTEE, CENTRE, SERVICE_POINT = 0, 1, 2
F = np.float32


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class ServiceOutcome:
    """What happened to requests in one month, per community (simulated residents)."""

    new: np.ndarray              # new requests raised
    resolved_30: np.ndarray      # new requests resolved within 30 days
    served: np.ndarray           # requests served (any age)
    wait_days: np.ndarray        # summed wait of served requests, days


class Population:
    """All residents of the district: attributes, attitudes, requests, participation."""

    def __init__(self, p: dict, rng: np.random.Generator, n_communities: int, model=None):
        """``model`` is the owning model, for implementations that create agents of their own
        (the per-agent reference in benchmarks/); the vectorised rules do not need it."""
        self.p, self.rng, self.C = p, rng, n_communities
        size = max(20, int(round(p["residents_per_community"] * p["scale"])))
        self.size = size
        n = self.n = size * n_communities
        self.start = np.arange(n_communities + 1, dtype=np.int64) * size
        self.community = np.repeat(np.arange(n_communities, dtype=np.int32), size)

        # Households: a resident opens a new household with chance 1/household_size
        # (geometric sizes); each community's first resident always opens one.
        opens = rng.random(n) < 1.0 / p["household_size"]
        opens[self.start[:-1]] = True
        self.household = np.cumsum(opens, dtype=np.int64).astype(np.int32) - 1
        self.n_households = int(self.household[-1]) + 1
        self.hh_start = np.flatnonzero(opens)
        self.hh_community = self.community[self.hh_start]
        self.hh_comm_start = np.searchsorted(self.hh_community, np.arange(n_communities + 1))
        self.hh_vulnerable = rng.random(self.n_households) < p["vulnerable_household_share"]
        self.vulnerable = self.hh_vulnerable[self.household]
        self.vulnerable_households = self.per_community_hh(self.hh_vulnerable)   # fixed
        self.hh_last_contact = np.full(self.n_households, NEVER, dtype=np.int32)

        # Who the residents are.
        u = rng.random(n)
        self.age_group = np.where(u < p["share_young"], YOUNG,
                                  np.where(u < 1 - p["share_old"], MIDDLE, OLD)).astype(np.int8)
        laid_off = rng.random(n) < p["laid_off_share"]
        self.employment = np.where(self.age_group == OLD, RETIRED,
                                   np.where(laid_off, LAID_OFF, EMPLOYED)).astype(np.int8)
        self.is_old, self.is_young = self.age_group == OLD, self.age_group == YOUNG
        # residents per community and age group (fixed): denominators of age-group shares
        self.n_community_age = np.bincount(self.community.astype(np.intp) * 3 + self.age_group,
                                           minlength=3 * n_communities).reshape(-1, 3)
        self.registered = rng.random(n) < p["registered_share"]
        self.heterogeneity = rng.uniform(p["heterogeneity_low"], p["heterogeneity_high"],
                                         n_communities).astype(F)
        h = self.heterogeneity[self.community]
        ses = np.clip(rng.normal(0.5, 0.05 + 0.3 * h) - 0.2 * (self.employment == LAID_OFF), 0, 1)
        self.civic_skill = np.clip(0.2 + 0.6 * ses + rng.normal(0, 0.1, n), 0, 1).astype(F)
        base_time = np.array([0.3, 0.75, 0.8], dtype=F)[self.employment]
        self.free_time = np.clip(base_time + rng.normal(0, 0.1, n), 0, 1).astype(F)

        # Neighbour network: each resident knows `ties` of MAX_TIES nearby residents of the
        # same community (rows are ordered by household, so nearby rows are nearby flats).
        self.ties = rng.binomial(MAX_TIES, p["mean_ties"] / MAX_TIES, n).astype(np.int8)
        local = np.arange(n, dtype=np.int64) - self.start[self.community]
        reach = max(1, min(40, size // 2))
        offset = rng.integers(1, reach + 1, (n, MAX_TIES)) * rng.choice([-1, 1], (n, MAX_TIES))
        self.neighbours = (self.start[self.community][:, None]
                           + (local[:, None] + offset) % size).astype(np.int32)
        self.tie_mask = np.arange(MAX_TIES)[None, :] < self.ties[:, None]
        self.ties_safe = np.maximum(self.ties, 1).astype(F)
        # The same slots column by column, unknown slots pointing at row n of a scratch flag
        # buffer that is always False (see neighbour_share; the network is fixed from here).
        self._nbr_cols = np.ascontiguousarray(np.where(self.tie_mask, self.neighbours, n).T, dtype=np.intp)
        self._flag_buf = np.zeros(n + 1, dtype=bool)

        # Attitudes.
        self.trust = np.clip(rng.normal(p["initial_trust"], 0.15, n), 0, 1).astype(F)
        self.efficacy = np.clip(rng.normal(0.3, 0.1, n), 0, 1).astype(F)
        self.habit = np.clip(rng.normal(0.2, 0.1, n) + 0.1 * (self.age_group == OLD), 0, 1).astype(F)
        self.satisfaction = np.full(n, 0.5, dtype=F)
        self.aware = rng.random(n) < p["initial_awareness"]

        # Requests and participation history (month stamps).
        self.req_age = np.full(n, -1, dtype=np.int16)
        self.req_channel = np.zeros(n, dtype=np.int8)
        self.last_event = np.full(n, NEVER, dtype=np.int32)
        self.last_volunteer = np.full(n, NEVER, dtype=np.int32)
        self.last_deliberation = np.full(n, NEVER, dtype=np.int32)
        self.last_vote = np.full(n, NEVER, dtype=np.int32)
        self.last_contact = np.full(n, NEVER, dtype=np.int32)
        self.active_last_month = np.zeros(n, dtype=bool)

        # Fixed parts of the choice equations (parameters do not change during a run).
        mult = np.where(self.age_group == OLD, p["need_old_multiplier"], 1.0)
        mult = mult * np.where(self.vulnerable, p["need_vulnerable_multiplier"], 1.0)
        self.need_prob = np.clip(p["need_rate"] * mult, 0, 1).astype(F)
        age_shift = np.array([p["young_weight"], 0.0, p["old_weight"]], dtype=F)[self.age_group]
        self.resources = ((self.free_time + self.civic_skill) / 2).astype(F)
        self.static_logit = (p["resources_weight"] * self.resources + age_shift
                             - p["heterogeneity_weight"] * h).astype(F)

        # Rolling 12-month request counters by community, for the equity gap.
        self.eq_req = np.zeros((2, n_communities))      # [others, vulnerable]
        self.eq_res = np.zeros((2, n_communities))

    # ---------------------------------------------------------------- helpers
    def per_community(self, values) -> np.ndarray:
        """Sum of a per-resident array within each community (counts for a boolean array)."""
        values = np.asarray(values)
        if values.dtype == bool:
            return np.count_nonzero(values.reshape(self.C, self.size), axis=1).astype(np.float64)
        return np.add.reduceat(values.astype(np.float64, copy=False), self.start[:-1])

    def per_community_hh(self, values) -> np.ndarray:
        """Sum of a per-household array within each community."""
        return np.add.reduceat(np.asarray(values, dtype=np.float64), self.hh_comm_start[:-1])

    def counts(self, idx: np.ndarray) -> np.ndarray:
        """How many of the residents ``idx`` live in each community."""
        return np.bincount(self.community[idx], minlength=self.C).astype(np.float64)

    def count_in_group(self, flags: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Per community: residents for whom both ``flags`` and ``group`` hold."""
        return np.count_nonzero((flags & group).reshape(self.C, self.size), axis=1).astype(np.float64)

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Per-community values, one per resident (``values[self.community]``, faster)."""
        return np.repeat(values, self.size)

    def in_communities(self, values: np.ndarray, held: np.ndarray) -> np.ndarray:
        """The rows of communities ``held`` (ascending) of a per-resident array, block by block."""
        return values.reshape(self.C, self.size)[held].ravel()

    def neighbour_share(self, flags: np.ndarray) -> np.ndarray:
        """Share of each resident's known neighbours for whom ``flags`` is true."""
        buf = self._flag_buf
        buf[:-1] = flags
        buf = buf.view(np.uint8)
        hits = buf[self._nbr_cols[0]]
        for col in self._nbr_cols[1:]:
            hits += buf[col]
        return hits.astype(F) / self.ties_safe

    # ---------------------------------------------------------------- (4) needs
    def raise_needs(self, centre_open: bool, points_open: bool) -> tuple[np.ndarray, np.ndarray]:
        """Needs arise; each resident takes a new need to a channel or leaves it unmet.

        Returns the indices of new requests and of unmet needs.
        """
        p, rng = self.p, self.rng
        free = self.req_age < 0
        new = np.flatnonzero(free & (rng.random(self.n, dtype=F) < self.need_prob))
        admin = rng.random(new.size) < p["admin_need_share"]
        bring = self.aware[new] & (rng.random(new.size) < sigmoid(
            p["bring_intercept"] + p["bring_trust_weight"] * (self.trust[new] - 0.5)))
        channel = np.full(new.size, -1, dtype=np.int8)
        channel[bring] = COMMITTEE
        if centre_open:
            channel[admin] = CENTRE
        elif points_open:
            channel[admin] = SERVICE_POINT
        taken = channel >= 0
        requests, unmet = new[taken], new[~taken]
        self.req_age[requests] = 0
        self.req_channel[requests] = channel[taken]
        return requests, unmet

    def committee_queue(self) -> np.ndarray:
        """Pending committee requests per community (simulated residents)."""
        pending = np.flatnonzero((self.req_age >= 0) & (self.req_channel == COMMITTEE))
        return self.counts(pending)

    # ---------------------------------------------------------------- (5) service
    def serve(self, month: int, committee_capacity: np.ndarray, centre_capacity: float,
              point_capacity: np.ndarray, unmet: np.ndarray, new_requests: np.ndarray,
              quality: np.ndarray) -> ServiceOutcome:
        """Serve pending requests in random order within each channel's capacity.

        A request is served with chance min(1, capacity / queue) of its channel; unserved
        requests age a month and are abandoned after max_wait_months. Satisfaction moves
        toward the experience (served, waiting, abandoned, unmet) or, for residents with
        nothing pending, toward the community's service level ``quality``.
        """
        p, rng, C = self.p, self.rng, self.C
        pending = np.flatnonzero(self.req_age >= 0)
        ch = self.req_channel[pending].astype(np.int64)
        comm = self.community[pending].astype(np.int64)
        key = np.where(ch == CENTRE, 2 * C, np.where(ch == SERVICE_POINT, C + comm, comm))  # centre: district-wide
        queue = np.bincount(key, minlength=2 * C + 1).astype(np.float64)
        capacity = np.concatenate([committee_capacity, point_capacity, [centre_capacity]])
        chance = np.minimum(1.0, capacity / np.maximum(queue, 1e-9))
        served_mask = rng.random(pending.size) < chance[key]
        served = pending[served_mask]
        waiting = pending[~served_mask]
        age_served = self.req_age[served].astype(np.float64)
        fresh = served[age_served == 0]

        n_new = self.counts(new_requests)
        resolved_30 = self.counts(fresh)
        outcome = ServiceOutcome(
            new=n_new, resolved_30=resolved_30, served=self.counts(served),
            wait_days=np.bincount(self.community[served], weights=30.0 * age_served + 15.0,
                                  minlength=C),
        )
        # Equity counters (rolling 12 months).
        decay = 11.0 / 12.0
        vul_new = self.vulnerable[new_requests]
        vul_fresh = self.vulnerable[fresh]
        for g, (reqs, res) in enumerate(((new_requests[~vul_new], fresh[~vul_fresh]),
                                         (new_requests[vul_new], fresh[vul_fresh]))):
            self.eq_req[g] = decay * self.eq_req[g] + self.counts(reqs)
            self.eq_res[g] = decay * self.eq_res[g] + self.counts(res)

        self.req_age[served] = -1
        self.req_age[waiting] += 1
        dropped = waiting[self.req_age[waiting] > p["max_wait_months"]]
        self.req_age[dropped] = -1
        still = waiting[self.req_age[waiting] >= 0]

        # Satisfaction: drift toward the community's service level, or toward experience.
        rate = np.full(self.n, p["satisfaction_drift"], dtype=F)
        target = self.expand(quality.astype(F))
        for idx, value in ((still, 0.3), (unmet, 0.25), (dropped, 0.0), (served, 0.7), (fresh, 0.9)):
            target[idx] = value
            rate[idx] = p["satisfaction_rate"]
        self.satisfaction += rate * (target - self.satisfaction)
        self.last_contact[served] = month
        self.aware[served] = True
        self.hh_last_contact[self.household[served]] = month
        return outcome

    def visit_vulnerable(self, month: int, visits: np.ndarray) -> None:
        """Committees visit vulnerable households; ``visits`` per community (simulated)."""
        chance = np.minimum(1.0, visits / np.maximum(self.vulnerable_households, 1e-9))
        hit = self.hh_vulnerable & (self.rng.random(self.n_households)
                                    < np.repeat(chance, np.diff(self.hh_comm_start)))
        self.hh_last_contact[hit] = month

    # ---------------------------------------------------------------- (6) participation
    def participate(self, month: int, recruitment: np.ndarray, seats: np.ndarray,
                    deliberation_events: np.ndarray, agenda_share: np.ndarray,
                    trust_bonus: np.ndarray) -> None:
        """Residents join events, volunteer and attend deliberation; attitudes update.

        Event participation is logistic in resources, engagement, recruitment, habit and
        the share of known neighbours who took part last month (civic voluntarism, habit,
        social influence), capped by each community's event seats. Habit moves toward
        participating when the outcome beat the aspiration level (adaptive habit).
        """
        p, rng, comm = self.p, self.rng, self.community
        engagement = (self.trust + self.efficacy) * F(0.5)
        nbr = self.neighbour_share(self.active_last_month)
        logit = (self.static_logit + F(p["event_intercept"])
                 + F(p["engagement_weight"]) * engagement
                 + F(p["recruitment_weight"]) * self.expand(recruitment.astype(F))
                 + F(p["habit_weight"]) * self.habit + F(p["neighbour_weight"]) * nbr)
        prob = sigmoid(logit)
        expected = self.per_community(prob)
        cap = np.minimum(1.0, seats / np.maximum(expected, 1e-9)).astype(F)
        joined = rng.random(self.n, dtype=F) < prob * self.expand(cap)
        joiners = np.flatnonzero(joined)
        vol = joiners[rng.random(joiners.size) < sigmoid(
            p["volunteer_intercept"] + 2.0 * (self.civic_skill[joiners] - 0.5) + self.habit[joiners])]
        self.last_event[joiners] = month
        self.last_volunteer[vol] = month

        attended = np.zeros(self.n, dtype=bool)
        if deliberation_events.any():
            held = np.flatnonzero(deliberation_events > 0)
            rows = (self.start[held][:, None] + np.arange(self.size)).ravel()
            per_event = sigmoid(p["deliberation_intercept"] + self.in_communities(self.static_logit, held)
                                + p["engagement_weight"] * self.in_communities(engagement, held)
                                + p["habit_weight"] * self.in_communities(self.habit, held))
            n_ev = np.repeat(deliberation_events[held], self.size)
            went = rows[rng.random(rows.size) < 1 - (1 - per_event) ** n_ev]
            attended[went] = True
            self.last_deliberation[went] = month
            ag = agenda_share.astype(F)[comm[went]]
            self.efficacy[went] += F(p["efficacy_rate"]) * (ag - self.efficacy[went])

        active = joined | attended
        self.active_last_month = active
        np.putmask(self.last_contact, active, month)
        self.aware |= active
        self.hh_last_contact[self.household[np.flatnonzero(active)]] = month

        # Adaptive habit: participants compare the outcome with their aspiration level.
        outcome = F(0.5) * self.trust + F(0.5) * self.expand(agenda_share.astype(F))
        step = np.where(active, outcome - F(p["aspiration"]), -F(0.1) * self.habit)
        self.habit = np.clip(self.habit + F(p["habit_rate"]) * step, 0, 1)

        # Trust follows satisfaction (performance); open affairs and deliberation add a
        # procedural bonus per community.
        self.trust += F(p["trust_rate"]) * (self.satisfaction - self.trust) + self.expand(trust_bonus.astype(F))
        np.clip(self.trust, 0, 1, out=self.trust)

        # Awareness: word of mouth within the community, forgetting without contact.
        aware_share = self.per_community(self.aware) / self.size
        u = rng.random(self.n, dtype=F)
        learn = ~self.aware & (u < F(p["word_of_mouth"]) * self.expand(aware_share.astype(F)))
        forget = self.aware & (month - self.last_contact > 12) & (u > 1 - F(p["forget_rate"]))
        self.aware = (self.aware | learn) & ~forget

    # ---------------------------------------------------------------- (7) elections
    def vote_propensity(self, mobilisation: np.ndarray) -> np.ndarray:
        p = self.p
        return sigmoid(p["vote_intercept"]
                       + p["vote_ties_weight"] * (self.ties / MAX_TIES - 0.5)
                       + p["vote_trust_weight"] * (self.trust - 0.5)
                       + self.habit - 0.2 + 0.5 * (self.aware - 1.0)
                       + p["vote_mobilisation"] * self.expand(mobilisation)
                       - p["heterogeneity_weight"] * (self.expand(self.heterogeneity) - 0.5))

    def hold_election(self, month: int, mode: str, proxy: bool,
                      mobilisation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hold an election in every community; return (turnout, personal_turnout).

        turnout = ballots / eligible; personal_turnout = eligible who voted in person /
        eligible residents. Household mode: one member votes for the household, and the
        ballot counts for every eligible member; proxies cover some non-voters.
        """
        p, rng = self.p, self.rng
        eligible = self.registered
        n_eligible = np.maximum(self.per_community(eligible), 1.0)
        if mode == "representative":
            hh = np.bincount(self.hh_community, minlength=self.C)
            reps = np.maximum(1, np.round(hh * p["representatives_per_household"])).astype(int)
            voted = rng.binomial(reps, p["representative_turnout"])
            return voted / reps, voted / n_eligible

        would = eligible & (rng.random(self.n) < self.vote_propensity(mobilisation))
        if mode == "resident":
            in_person = would
            ballots = in_person.copy()
            if proxy:
                ballots |= eligible & ~in_person & (rng.random(self.n) < p["proxy_rate"])
        else:  # household: the first willing member of each household goes
            hh_votes = np.bincount(self.household, weights=would, minlength=self.n_households) > 0
            if proxy:
                hh_votes |= rng.random(self.n_households) < p["proxy_rate"]
            first = np.zeros(self.n, dtype=bool)
            willing = np.flatnonzero(would)
            _, first_idx = np.unique(self.household[willing], return_index=True)
            first[willing[first_idx]] = True
            in_person = first
            ballots = eligible & hh_votes[self.household]
        self.last_vote[in_person] = month
        self.last_contact[in_person] = month
        self.aware |= in_person
        return self.per_community(ballots) / n_eligible, self.per_community(in_person) / n_eligible
