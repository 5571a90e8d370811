"""Resident state as NumPy arrays, and the vectorised monthly resident rules.

Residents are stored community by community (community ``c`` owns the contiguous rows
``start[c]:start[c+1]``; communities may differ in size) and household by household, so
per-community sums are ``np.add.reduceat`` over slices. Each rule below is a few array
operations and one equation in docs/ODD.md; the Resident agent in agents.py is a view onto
one row. Every coefficient is a registry parameter (``p[...]``); the population reads only
fixed parameters, and what reforms change reaches it as per-community arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .constants import DAYS_PER_MONTH, EPSILON, MAX_TIES, MIDPOINT, NEVER
from .services import ROUTES
from .states import AgeGroup, Channel, Employment, Group, Need

F = np.float32
RESIDENT_FIELDS = ("community", "household", "age_group", "employment", "vulnerable", "registered",
                   "free_time", "civic_skill", "ties", "trust", "efficacy", "habit", "satisfaction",
                   "aware", "req_age", "last_event", "last_volunteer", "last_deliberation", "last_vote")
"""The per-resident arrays a reader sees: Resident view properties and snapshots."""


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class ServiceOutcome:
    """What happened to requests in one month, per community (simulated residents)."""

    new: np.ndarray              # new requests raised
    resolved_30: np.ndarray      # new requests resolved within 30 days
    served: np.ndarray           # requests served (any age)
    wait_days: np.ndarray        # summed wait of served requests, days
    new_by_group: np.ndarray     # new requests, rows Group.OTHERS / Group.VULNERABLE
    resolved_by_group: np.ndarray  # of those, resolved within 30 days
    needs_by_group: np.ndarray   # new needs, taken anywhere or not, rows Group.OTHERS / Group.VULNERABLE
    unmet_by_group: np.ndarray   # needs that went unmet this month: brought nowhere, or abandoned


class Population:
    """All residents of the district: attributes, attitudes, requests, participation."""

    def __init__(self, p: dict[str, Any], rng: np.random.Generator, sizes: np.ndarray, model=None):
        """``p``: the fixed parameters; ``sizes``: simulated residents per community.
        ``model`` is the owning model, for implementations that create agents of their own
        (the per-agent reference in benchmarks/); the vectorised rules do not need it."""
        self.p, self.rng = p, rng
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.C = C = self.sizes.size
        self.equal_sizes = bool((self.sizes == self.sizes[0]).all())
        n = self.n = int(self.sizes.sum())
        self.start = np.concatenate([[0], np.cumsum(self.sizes)])
        self.community = np.repeat(np.arange(C, dtype=np.int32), self.sizes)
        self._households(rng)
        self._demography(rng)
        self._network(rng)
        self._attitudes(rng)

        # Requests and participation history (month stamps).
        self.req_age = np.full(n, -1, dtype=np.int16)
        self.req_channel = np.zeros(n, dtype=np.int8)
        self.need_type = np.zeros(n, dtype=np.int8)       # of the pending (or last) need
        self.raised_items = np.zeros(C)                   # residents who raised an item at last month's events
        self.raised_needs = np.zeros((len(Need), C))      # of those, raising a need of their own, by type
        self.last_event = np.full(n, NEVER, dtype=np.int32)
        self.last_volunteer = np.full(n, NEVER, dtype=np.int32)
        self.last_deliberation = np.full(n, NEVER, dtype=np.int32)
        self.last_vote = np.full(n, NEVER, dtype=np.int32)
        self.last_contact = np.full(n, NEVER, dtype=np.int32)
        self.active_last_month = np.zeros(n, dtype=bool)
        self.unmet = np.zeros(0, dtype=np.int64)          # this month's needs brought nowhere
        self.new_needs = np.zeros(0, dtype=np.int64)      # this month's new needs, taken or not
        self.new_requests = np.zeros(0, dtype=np.int64)   # this month's new requests

        # Fixed parts of the choice equations (parameters do not change during a run).
        mult = np.where(self.age_group == AgeGroup.OLD, p["need_old_multiplier"], 1.0)
        mult = mult * np.where(self.vulnerable, p["need_vulnerable_multiplier"], 1.0)
        self.need_prob = np.clip(p["need_rate"] * mult, 0, 1).astype(F)
        self.need_cumulative = self._need_mix()
        age_shift = np.array([p["young_weight"], 0.0, p["old_weight"]], dtype=F)[self.age_group]
        self.resources = ((self.free_time + self.civic_skill) / 2).astype(F)
        self.static_logit = (p["resources_weight"] * self.resources + age_shift
                             - p["heterogeneity_weight"] * self.expand(self.heterogeneity)).astype(F)

    # ---------------------------------------------------------------- initialisation
    def _households(self, rng: np.random.Generator) -> None:
        """A resident opens a new household with chance 1/household_size (geometric sizes);
        each community's first resident always opens one."""
        p, n = self.p, self.n
        opens = rng.random(n) < 1.0 / p["household_size"]
        opens[self.start[:-1]] = True
        self.household = np.cumsum(opens, dtype=np.int64).astype(np.int32) - 1
        self.n_households = int(self.household[-1]) + 1
        self.hh_start = np.flatnonzero(opens)
        self.hh_community = self.community[self.hh_start]
        self.hh_comm_start = np.searchsorted(self.hh_community, np.arange(self.C + 1))
        self.hh_vulnerable = rng.random(self.n_households) < p["vulnerable_household_share"]
        self.vulnerable = self.hh_vulnerable[self.household]
        self.vulnerable_households = self.per_community_hh(self.hh_vulnerable)   # fixed
        self.hh_last_contact = np.full(self.n_households, NEVER, dtype=np.int32)

    def _demography(self, rng: np.random.Generator) -> None:
        """Age, employment, registration, and the resources civic voluntarism counts."""
        p, n = self.p, self.n
        u = rng.random(n)
        self.age_group = np.where(u < p["share_young"], AgeGroup.YOUNG,
                                  np.where(u < 1 - p["share_old"], AgeGroup.MIDDLE, AgeGroup.OLD)).astype(np.int8)
        laid_off = rng.random(n) < p["laid_off_share"]
        self.employment = np.where(self.age_group == AgeGroup.OLD, Employment.RETIRED,
                                   np.where(laid_off, Employment.LAID_OFF, Employment.EMPLOYED)).astype(np.int8)
        self.is_old, self.is_young = self.age_group == AgeGroup.OLD, self.age_group == AgeGroup.YOUNG
        # residents per community and age group (fixed): denominators of age-group shares
        self.n_community_age = np.bincount(self.community.astype(np.intp) * len(AgeGroup) + self.age_group,
                                           minlength=len(AgeGroup) * self.C).reshape(-1, len(AgeGroup))
        self.registered = rng.random(n) < p["registered_share"]
        self.heterogeneity = rng.uniform(p["heterogeneity_low"], p["heterogeneity_high"], self.C).astype(F)
        h = self.expand(self.heterogeneity)
        ses = np.clip(rng.normal(MIDPOINT, p["ses_sd_base"] + p["ses_sd_heterogeneity"] * h)
                      - p["ses_laid_off_penalty"] * (self.employment == Employment.LAID_OFF), 0, 1)
        self.civic_skill = np.clip(p["civic_skill_base"] + p["civic_skill_ses_weight"] * ses
                                   + rng.normal(0, p["civic_skill_sd"], n), 0, 1).astype(F)
        base_time = np.array([p["free_time_employed"], p["free_time_laid_off"], p["free_time_retired"]],
                             dtype=F)[self.employment]
        self.free_time = np.clip(base_time + rng.normal(0, p["free_time_sd"], n), 0, 1).astype(F)

    def _network(self, rng: np.random.Generator) -> None:
        """Each resident knows ``ties`` of MAX_TIES nearby residents of the same community
        (rows are ordered by household, so nearby rows are nearby flats)."""
        p, n = self.p, self.n
        self.ties = rng.binomial(MAX_TIES, p["mean_ties"] / MAX_TIES, n).astype(np.int8)
        first = self.start[self.community]
        size = self.sizes[self.community]
        local = np.arange(n, dtype=np.int64) - first
        reach = np.maximum(1, np.minimum(p["neighbour_reach"], self.sizes // 2))[self.community]
        offset = rng.integers(1, reach[:, None] + 1, (n, MAX_TIES)) * rng.choice([-1, 1], (n, MAX_TIES))
        self.neighbours = (first[:, None] + (local[:, None] + offset) % size[:, None]).astype(np.int32)
        self.tie_mask = np.arange(MAX_TIES)[None, :] < self.ties[:, None]
        self.ties_safe = np.maximum(self.ties, 1).astype(F)
        # The same slots column by column, unknown slots pointing at row n of a scratch flag
        # buffer that is always False (see neighbour_share; the network is fixed from here).
        self._nbr_cols = np.ascontiguousarray(np.where(self.tie_mask, self.neighbours, n).T, dtype=np.intp)
        self._flag_buf = np.zeros(n + 1, dtype=bool)

    def _attitudes(self, rng: np.random.Generator) -> None:
        p, n = self.p, self.n
        self.trust = np.clip(rng.normal(p["initial_trust"], p["initial_trust_sd"], n), 0, 1).astype(F)
        self.efficacy = np.clip(rng.normal(p["initial_efficacy"], p["initial_efficacy_sd"], n), 0, 1).astype(F)
        self.habit = np.clip(rng.normal(p["initial_habit"], p["initial_habit_sd"], n)
                             + p["initial_habit_old_bonus"] * self.is_old, 0, 1).astype(F)
        self.satisfaction = np.full(n, p["initial_satisfaction"], dtype=F)
        self.aware = rng.random(n) < p["initial_awareness"]

    def _need_mix(self) -> np.ndarray:
        """Cumulative probabilities of the need types, one row per resident profile
        (age group x employment x vulnerable; ``profile`` indexes it)."""
        p = self.p
        self.profile = ((self.age_group.astype(np.int64) * len(Employment) + self.employment) * 2
                        + self.vulnerable).astype(np.int8)
        rows = []
        for age in AgeGroup:
            for emp in Employment:
                for vul in (False, True):
                    w = np.zeros(len(Need))
                    w[Need.ADMIN] = p["admin_need_share"]
                    w[Need.HEALTH] = p["need_share_health"] * (p["need_old_health_multiplier"]
                                                               if age == AgeGroup.OLD else 1.0)
                    w[Need.EMPLOYMENT] = (0.0 if emp == Employment.RETIRED else p["need_share_employment"]
                                          * (p["need_laid_off_employment_multiplier"]
                                             if emp == Employment.LAID_OFF else 1.0))
                    w[Need.ELDERLY_CARE] = p["need_share_elderly_care"] * (p["need_old_elderly_care_multiplier"]
                                                                           if age == AgeGroup.OLD else 1.0)
                    w[Need.MUTUAL_AID] = p["need_share_mutual_aid"] * (p["need_vulnerable_mutual_aid_multiplier"]
                                                                       if vul else 1.0)
                    rows.append(np.cumsum(w) / max(w.sum(), EPSILON))
        return np.array(rows)

    # ---------------------------------------------------------------- helpers
    def per_community(self, values) -> np.ndarray:
        """Sum of a per-resident array within each community (counts for a boolean array)."""
        values = np.asarray(values)
        if values.dtype == bool:
            if self.equal_sizes:
                return np.count_nonzero(values.reshape(self.C, -1), axis=1).astype(np.float64)
            return np.add.reduceat(values.view(np.uint8), self.start[:-1], dtype=np.int64).astype(np.float64)
        return np.add.reduceat(values.astype(np.float64, copy=False), self.start[:-1])

    def per_community_hh(self, values) -> np.ndarray:
        """Sum of a per-household array within each community."""
        return np.add.reduceat(np.asarray(values, dtype=np.float64), self.hh_comm_start[:-1])

    def counts(self, idx: np.ndarray) -> np.ndarray:
        """How many of the residents ``idx`` live in each community."""
        return np.bincount(self.community[idx], minlength=self.C).astype(np.float64)

    def by_group(self, idx: np.ndarray) -> np.ndarray:
        """How many of the residents ``idx`` live in each community, rows Group.OTHERS / Group.VULNERABLE."""
        vulnerable = self.vulnerable[idx]
        return np.stack([self.counts(idx[~vulnerable]), self.counts(idx[vulnerable])])

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Per-community values, one per resident (``values[self.community]``, faster)."""
        return np.repeat(values, self.sizes)

    def rows_of(self, held: np.ndarray) -> np.ndarray:
        """The rows of the residents of communities ``held`` (ascending), block by block."""
        return np.flatnonzero(self.expand(np.isin(np.arange(self.C), held)))

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
    def raise_needs(self, is_open: np.ndarray) -> None:
        """Needs arise with a type; each resident takes a new need to the first channel of its
        route open in the community, else to the committee if bringing it there, else nowhere.

        ``is_open``: per channel and community, whether residents can take a need there."""
        p, rng = self.p, self.rng
        free = self.req_age < 0
        new = np.flatnonzero(free & (rng.random(self.n, dtype=F) < self.need_prob))
        kind = (rng.random(new.size)[:, None] > self.need_cumulative[self.profile[new]]).sum(axis=1)
        kind = np.minimum(kind, len(Need) - 1).astype(np.int8)
        bring = self.aware[new] & (rng.random(new.size) < sigmoid(
            p["bring_intercept"] + p["bring_trust_weight"] * (self.trust[new] - MIDPOINT)))
        comm = self.community[new]
        channel = np.full(new.size, -1, dtype=np.int8)
        for need, route in ROUTES.items():
            left = kind == need
            for ch in route:
                there = left & is_open[ch, comm]
                channel[there] = ch
                left &= ~there
        channel[(channel < 0) & bring] = Channel.COMMITTEE
        taken = channel >= 0
        self.need_type[new] = kind
        self.new_needs = new
        self.new_requests, self.unmet = new[taken], new[~taken]
        self.req_age[self.new_requests] = 0
        self.req_channel[self.new_requests] = channel[taken]

    def committee_queue(self) -> np.ndarray:
        """Pending committee requests per community (simulated residents)."""
        pending = np.flatnonzero((self.req_age >= 0) & (self.req_channel == Channel.COMMITTEE))
        return self.counts(pending)

    # ---------------------------------------------------------------- (5) service
    def serve(self, month: int, capacity: np.ndarray, home: np.ndarray, first: np.ndarray,
              quality: np.ndarray) -> ServiceOutcome:
        """Serve pending requests first come, first served within each queue's capacity.

        ``capacity``, ``home`` and ``first`` are per channel and community (services.py): what
        each queue serves this month, the queue a community's requests join, and whether the
        vulnerable go first there. Within a queue the oldest request goes first (ties at
        random); a fractional capacity serves one more request with that chance. Unserved
        requests age a month and are abandoned after max_wait_months. Satisfaction moves toward
        the experience (served, waiting, abandoned, unmet) or, for residents with nothing
        pending, toward the community's service level ``quality``.
        """
        p, rng, C = self.p, self.rng, self.C
        pending = np.flatnonzero(self.req_age >= 0)
        ch = self.req_channel[pending].astype(np.int64)
        comm = self.community[pending].astype(np.int64)
        key = ch * C + home[ch, comm]
        behind = ~(first[ch, comm] & self.vulnerable[pending])
        # Place in line by bucket (queue, priority, age: oldest first); a bucket is served whole
        # while capacity lasts, the one where it runs out in random order.
        ages = int(p["max_wait_months"]) + 1
        bucket = (key * 2 + behind) * ages + (ages - 1 - self.req_age[pending])
        count = np.bincount(bucket, minlength=capacity.size * 2 * ages).reshape(capacity.size, -1)
        ahead_of = (np.cumsum(count, axis=1) - count).ravel()
        cap = capacity.ravel()
        whole = np.floor(cap)
        allowed = whole + (rng.random(cap.size) < cap - whole)
        room = np.repeat(allowed, 2 * ages) - ahead_of          # places left for each bucket
        left, size = room[bucket], count.ravel()[bucket]
        served_mask = left >= size
        split = np.flatnonzero((left > 0) & (left < size))
        order = split[np.lexsort((rng.random(split.size), bucket[split]))]
        in_bucket = bucket[order]
        rank = np.arange(order.size) - np.searchsorted(in_bucket, in_bucket, side="left")
        served_mask[order] = rank < left[order]
        served = pending[served_mask]
        waiting = pending[~served_mask]
        age_served = self.req_age[served].astype(np.float64)
        fresh = served[age_served == 0]

        new_requests = self.new_requests
        vul_new, vul_fresh = self.vulnerable[new_requests], self.vulnerable[fresh]
        by_group = np.zeros((len(Group), C)), np.zeros((len(Group), C))
        by_group[0][Group.OTHERS], by_group[0][Group.VULNERABLE] = (self.counts(new_requests[~vul_new]),
                                                                    self.counts(new_requests[vul_new]))
        by_group[1][Group.OTHERS], by_group[1][Group.VULNERABLE] = (self.counts(fresh[~vul_fresh]),
                                                                    self.counts(fresh[vul_fresh]))
        outcome = ServiceOutcome(
            new=self.counts(new_requests), resolved_30=self.counts(fresh), served=self.counts(served),
            # a request served in the month it arose waited half a month on average
            wait_days=np.bincount(self.community[served], minlength=C,
                                  weights=DAYS_PER_MONTH * age_served + DAYS_PER_MONTH / 2),
            new_by_group=by_group[0], resolved_by_group=by_group[1],
            needs_by_group=self.by_group(self.new_needs), unmet_by_group=self.by_group(self.unmet),
        )

        self.req_age[served] = -1
        self.req_age[waiting] += 1
        dropped = waiting[self.req_age[waiting] > p["max_wait_months"]]
        self.req_age[dropped] = -1
        outcome.unmet_by_group += self.by_group(dropped)
        still = waiting[self.req_age[waiting] >= 0]

        # Satisfaction: drift toward the community's service level, or toward experience.
        rate = np.full(self.n, p["satisfaction_drift"], dtype=F)
        target = self.expand(quality.astype(F))
        for idx, value in ((still, p["satisfaction_waiting"]), (self.unmet, p["satisfaction_unmet"]),
                           (dropped, p["satisfaction_abandoned"]), (served, p["satisfaction_served_late"]),
                           (fresh, p["satisfaction_served_fresh"])):
            target[idx] = value
            rate[idx] = p["satisfaction_rate"]
        self.satisfaction += rate * (target - self.satisfaction)
        self.last_contact[served] = month
        self.aware[served] = True
        self.hh_last_contact[self.household[served]] = month
        return outcome

    def visit_vulnerable(self, month: int, visits: np.ndarray) -> None:
        """Committees visit vulnerable households; ``visits`` per community (simulated)."""
        chance = np.minimum(1.0, visits / np.maximum(self.vulnerable_households, EPSILON))
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
        engagement = (self.trust + self.efficacy) / F(2)
        nbr = self.neighbour_share(self.active_last_month)
        logit = (self.static_logit + F(p["event_intercept"])
                 + F(p["engagement_weight"]) * engagement
                 + F(p["recruitment_weight"]) * self.expand(recruitment.astype(F))
                 + F(p["habit_weight"]) * self.habit + F(p["neighbour_weight"]) * nbr)
        prob = sigmoid(logit)
        expected = self.per_community(prob)
        cap = np.minimum(1.0, seats / np.maximum(expected, EPSILON)).astype(F)
        joined = rng.random(self.n, dtype=F) < prob * self.expand(cap)
        joiners = np.flatnonzero(joined)
        vol = joiners[rng.random(joiners.size) < sigmoid(
            p["volunteer_intercept"] + p["volunteer_skill_weight"] * (self.civic_skill[joiners] - MIDPOINT)
            + p["volunteer_habit_weight"] * self.habit[joiners])]
        self.last_event[joiners] = month
        self.last_volunteer[vol] = month

        attended = np.zeros(self.n, dtype=bool)
        self.raised_items = np.zeros(self.C)
        self.raised_needs = np.zeros((len(Need), self.C))
        if deliberation_events.any():
            held = np.flatnonzero(deliberation_events > 0)
            rows = self.rows_of(held)
            per_event = sigmoid(p["deliberation_intercept"] + self.static_logit[rows]
                                + p["engagement_weight"] * engagement[rows]
                                + p["habit_weight"] * self.habit[rows])
            n_ev = np.repeat(deliberation_events[held], self.sizes[held])
            went = rows[rng.random(rows.size) < 1 - (1 - per_event) ** n_ev]
            attended[went] = True
            self.last_deliberation[went] = month
            # Attendees raise items: those with a need of their own (pending, or brought
            # nowhere this month) more often; what they raise is their need.
            has_need = self.req_age[went] >= 0
            has_need |= np.isin(went, self.unmet)
            raise_p = np.where(has_need, p["agenda_raise_with_need"], p["agenda_raise_without_need"])
            raising = rng.random(went.size) < raise_p
            raisers = went[raising]
            self.raised_items = self.counts(raisers)
            own = went[raising & has_need]
            self.raised_needs = np.bincount(self.need_type[own].astype(np.int64) * self.C + self.community[own],
                                            minlength=len(Need) * self.C).reshape(len(Need), self.C).astype(float)
            ag = agenda_share.astype(F)[comm[went]]
            self.efficacy[went] += F(p["efficacy_rate"]) * (ag - self.efficacy[went])

        active = joined | attended
        self.active_last_month = active
        np.putmask(self.last_contact, active, month)
        self.aware |= active
        self.hh_last_contact[self.household[np.flatnonzero(active)]] = month

        # Adaptive habit: participants compare the outcome with their aspiration level.
        w = F(p["habit_outcome_trust_weight"])
        outcome = w * self.trust + (1 - w) * self.expand(agenda_share.astype(F))
        step = np.where(active, outcome - F(p["aspiration"]), -F(p["habit_decay"]) * self.habit)
        self.habit = np.clip(self.habit + F(p["habit_rate"]) * step, 0, 1)

        # Trust follows satisfaction (performance); open affairs and deliberation add a
        # procedural bonus per community.
        self.trust += F(p["trust_rate"]) * (self.satisfaction - self.trust) + self.expand(trust_bonus.astype(F))
        np.clip(self.trust, 0, 1, out=self.trust)

        # Awareness: word of mouth within the community, forgetting without contact.
        aware_share = self.per_community(self.aware) / self.sizes
        u = rng.random(self.n, dtype=F)
        learn = ~self.aware & (u < F(p["word_of_mouth"]) * self.expand(aware_share.astype(F)))
        forget = (self.aware & (month - self.last_contact > p["forget_after_months"])
                  & (u > 1 - F(p["forget_rate"])))
        self.aware = (self.aware | learn) & ~forget

    # ---------------------------------------------------------------- (7) voting
    def vote_propensity(self, mobilisation: np.ndarray) -> np.ndarray:
        p = self.p
        return sigmoid(p["vote_intercept"]
                       + p["vote_ties_weight"] * (self.ties / MAX_TIES - MIDPOINT)
                       + p["vote_trust_weight"] * (self.trust - MIDPOINT)
                       + p["vote_habit_weight"] * (self.habit - p["vote_habit_reference"])
                       - p["vote_unaware_penalty"] * ~self.aware
                       + p["vote_mobilisation"] * self.expand(mobilisation)
                       - p["heterogeneity_weight"] * (self.expand(self.heterogeneity) - MIDPOINT))

    def support(self, street_nominated: np.ndarray) -> np.ndarray:
        """Chance each resident backs the incumbents: retrospective on satisfaction and trust for
        those who know the committee; a street-nominated slate gets more from everyone."""
        p = self.p
        judged = (p["support_satisfaction_weight"] * (self.satisfaction - MIDPOINT)
                  + p["support_trust_weight"] * (self.trust - MIDPOINT))
        return sigmoid(p["support_intercept"] + p["street_nomination_support"] * self.expand(street_nominated)
                       + np.where(self.aware, judged, 0.0))

    def vote(self, month: int, household_mode: np.ndarray, proxy: np.ndarray, due: np.ndarray,
             mobilisation: np.ndarray, street_nominated: np.ndarray) -> tuple[np.ndarray, ...]:
        """Residents of the communities ``due`` vote; return per community the ballots, the
        residents who voted in person, the summed chance those voters back the incumbents, and
        the ballots cast by proxy alone.

        Where ``household_mode`` holds, one member votes for the household and the ballot counts
        for every eligible member; otherwise each resident votes in person. Where ``proxy``
        holds, proxies cover some non-voters (non-voting households in household mode).
        """
        p, rng = self.p, self.rng
        eligible = self.registered & self.expand(due)
        would = eligible & (rng.random(self.n) < self.vote_propensity(mobilisation))
        per_household = np.repeat(household_mode, np.diff(self.hh_comm_start))
        proxy_resident = self.expand(proxy & ~household_mode)
        proxy_household = np.repeat(proxy & household_mode, np.diff(self.hh_comm_start))
        # household mode: the first willing member of each household goes
        hh_willing = np.bincount(self.household, weights=would, minlength=self.n_households) > 0
        hh_votes = hh_willing.copy()
        hh_votes |= proxy_household & (rng.random(self.n_households) < p["proxy_rate"])
        first = np.zeros(self.n, dtype=bool)
        willing = np.flatnonzero(would)
        _, first_idx = np.unique(self.household[willing], return_index=True)
        first[willing[first_idx]] = True
        in_household = per_household[self.household]
        in_person = np.where(in_household, first, would)
        by_proxy = eligible & ~would & proxy_resident & (rng.random(self.n) < p["proxy_rate"])
        ballots = np.where(in_household, eligible & hh_votes[self.household], would | by_proxy)
        proxy_only = np.where(in_household, eligible & hh_votes[self.household] & ~(hh_willing[self.household]),
                              by_proxy)
        voters = np.flatnonzero(in_person)
        backing = np.bincount(self.community[voters], minlength=self.C,
                              weights=self.support(street_nominated)[voters])
        self.last_vote[in_person] = month
        self.last_contact[in_person] = month
        self.aware |= in_person
        return self.per_community(ballots), self.per_community(in_person), backing, self.per_community(proxy_only)
