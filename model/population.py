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
from typing import TYPE_CHECKING

import numpy as np

from .constants import DAYS_PER_MONTH, EPSILON, MAX_TIES, MIDPOINT, NEVER
from .services import COMMITTEE_OWN, COUNTER, N_CHANNELS, N_EXPECTATIONS, N_OPTIONS, TAKES
from .states import AgeGroup, Channel, Elsewhere, Employment, Need

if TYPE_CHECKING:
    from .values import ValuesInForce

F = np.float32
RESIDENT_FIELDS = ("community", "household", "age_group", "employment", "vulnerable", "registered",
                   "free_time", "civic_skill", "ties", "trust", "efficacy", "habit", "satisfaction",
                   "aware", "req_age", "last_event", "last_volunteer", "last_deliberation", "last_vote")
"""The per-resident arrays a reader sees: Resident view properties and snapshots."""


def _need_mask(needs) -> np.ndarray:
    """A lookup by need type: ``_need_mask(needs)[kind]`` is ``np.isin(kind, needs)`` without a sort."""
    mask = np.zeros(len(Need), dtype=bool)
    mask[list(needs)] = True
    return mask


# needs family and neighbours meet: the outside option's chance rises with ties for these
FAMILY_MET = _need_mask((Need.HEALTH, Need.ELDERLY_CARE, Need.MUTUAL_AID))
COMMITTEE_OWN_NEED = _need_mask(COMMITTEE_OWN)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(np.shape(den)), where=np.asarray(den) > 0)


@dataclass
class ServiceOutcome:
    """What happened to requests in one month, per community (simulated residents)."""

    new: np.ndarray              # new requests brought to a channel (jockeying included)
    resolved_30: np.ndarray      # concluded requests resolved within 30 days of arrival
    served: np.ndarray           # requests served (any age)
    wait_days: np.ndarray        # summed wait of served requests, days
    new_by_group: np.ndarray     # concluded requests, rows Group.OTHERS / Group.VULNERABLE
    resolved_by_group: np.ndarray  # of those, resolved within 30 days
    needs_by_group: np.ndarray   # new needs, taken anywhere or not, rows Group.OTHERS / Group.VULNERABLE
    unmet_by_group: np.ndarray   # needs that went unmet this month: balked, failed outside, dead-ended, abandoned
    concluded: np.ndarray        # requests that ended this month (served, dead-ended or abandoned)
    committee_new: np.ndarray    # new requests brought to the committee
    outside_by_group: np.ndarray  # needs resolved outside the channels, rows Group
    referred: np.ndarray         # committee casework referred to another owner, concluded this month
    dead_end: np.ndarray         # of those, referrals that reached no one (推诿)
    routine_walkins: np.ndarray  # routine matters brought to the committee's counter
    same_day: np.ndarray         # of those, done the day they came


class Population:
    """All residents of the district: attributes, attitudes, requests, participation."""

    def __init__(self, p: ValuesInForce, rng: np.random.Generator, sizes: np.ndarray, model=None):
        """``p``: the values in force, the same object every other rule reads (the resident rules
        read only parameters no reform changes, so they may be read once, as the fixed parts of
        the choice equations are); ``sizes``: simulated residents per community.
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
        self.req_day = np.zeros(n)                        # day the pending request arrived (day 0: month 0's first)
        self.req_routine = np.zeros(n, dtype=bool)        # the pending need is routine paperwork
        self.counter_overflow = np.zeros(C)               # share of last month's routine walk-ins turned away
        self.outside_resolved = np.zeros(0, dtype=np.int64)   # this month's needs resolved outside the channels
        self.jockeyed = np.zeros(0, dtype=np.int64)       # this month's requests that left their queue
        self.jockey_from = np.zeros(0, dtype=np.int64)    # the channel each of them left
        self.jockey_waited = np.zeros(0, dtype=F)         # and the days each had waited there
        self._is_open = np.ones((N_CHANNELS, C), dtype=bool)
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
        # The ties the other way round (the network is fixed from here), so that what a few
        # residents did reaches those who know them without a pass over every resident's
        # slots (neighbour_share, neighbour_sums): who lists resident i, and in which slot,
        # ordered by i, then slot.
        knower, slot = np.nonzero(self.tie_mask)
        known = self.neighbours[knower, slot]
        order = np.lexsort((knower, slot, known))
        self._known_by = knower[order].astype(np.int32)
        self._known_slot = slot[order].astype(np.int8)
        self._known_start = np.searchsorted(known[order], np.arange(n + 1))

    def _attitudes(self, rng: np.random.Generator) -> None:
        p, n = self.p, self.n
        self.trust = np.clip(rng.normal(p["initial_trust"], p["initial_trust_sd"], n), 0, 1).astype(F)
        self.efficacy = np.clip(rng.normal(p["initial_efficacy"], p["initial_efficacy_sd"], n), 0, 1).astype(F)
        self.habit = np.clip(rng.normal(p["initial_habit"], p["initial_habit_sd"], n)
                             + p["initial_habit_old_bonus"] * self.is_old, 0, 1).astype(F)
        self.satisfaction = np.full(n, p["initial_satisfaction"], dtype=F)
        self.aware = rng.random(n) < p["initial_awareness"]
        # Remembered outcomes per channel and the committee's counter (weights, successes,
        # days waited), one row per channel: none before any experience, so expectations
        # start at the prior.
        self.seen_n = np.zeros((N_EXPECTATIONS, n), dtype=F)
        self.seen_success = np.zeros((N_EXPECTATIONS, n), dtype=F)
        self.seen_wait = np.zeros((N_EXPECTATIONS, n), dtype=F)

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

    def among(self, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Which of the resident rows ``rows`` are also in ``others`` (``np.isin`` for rows,
        through a mask over residents instead of a sort)."""
        mask = np.zeros(self.n, dtype=bool)
        mask[others] = True
        return mask[rows]

    def rows_of(self, held: np.ndarray) -> np.ndarray:
        """The rows of the residents of communities ``held`` (ascending), block by block."""
        return np.flatnonzero(self.expand(np.isin(np.arange(self.C), held)))

    def neighbour_share(self, flags: np.ndarray) -> np.ndarray:
        """Share of each resident's known neighbours for whom ``flags`` is true."""
        hits = np.bincount(self._known_by[self._ties_of(np.flatnonzero(flags))[0]], minlength=self.n)
        return hits.astype(F) / self.ties_safe

    def _ties_of(self, told: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the ties to the residents ``told`` are in the network kept the other way round
        (``_known_by``, ``_known_slot``), teller by teller, and for each tie its teller's place
        in ``told``."""
        start = self._known_start[told]
        count = self._known_start[told + 1] - start
        ends = np.cumsum(count)
        pair = np.repeat(start - ends + count, count) + np.arange(ends[-1] if ends.size else 0)
        return pair, np.repeat(np.arange(told.size), count)

    def neighbour_sums(self, told: np.ndarray, values: tuple[np.ndarray, ...]
                       ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
        """What the residents who know someone in ``told`` (distinct rows, ascending) hear:
        those residents (ascending), how many of their known neighbours are in ``told``, and
        the sum over those neighbours of each of ``values`` (aligned with ``told``).

        Walks the ties from the tellers' side, so it costs the tellers' ties, not every
        resident's. Sums are taken slot by slot in slot order, in single precision, as a
        pass over every resident's slots would take them."""
        pair, teller = self._ties_of(told)
        slot = self._known_slot[pair]
        by_slot = np.argsort(slot, kind="stable")
        pair, teller = pair[by_slot], teller[by_slot]
        listeners, at = np.unique(self._known_by[pair], return_inverse=True)
        bounds = np.searchsorted(slot[by_slot], np.arange(MAX_TIES + 1))
        hits = np.zeros(listeners.size, dtype=F)
        sums = tuple(np.zeros(listeners.size, dtype=F) for _ in values)
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            if lo == hi:
                continue
            ear = at[lo:hi]                       # distinct within a slot
            hits[ear] += F(1)
            for total, value in zip(sums, values, strict=True):
                total[ear] += value[teller[lo:hi]]
        return listeners, hits, sums

    # ---------------------------------------------------------------- (4) needs
    def visible_waits(self, capacity: np.ndarray, home: np.ndarray) -> np.ndarray:
        """The wait residents see at each channel, days, shape (channels, C): the requests
        pending in the queue a community joins over its capacity per day (the longest wait a
        request is kept where there is no capacity)."""
        p, C = self.p, self.C
        longest = p["max_wait_months"] * DAYS_PER_MONTH
        pending = np.flatnonzero((self.req_age >= 0) & ~self.at_counter())
        ch = self.req_channel[pending].astype(np.int64)
        key = ch * C + home[ch, self.community[pending]]
        backlog = np.bincount(key, minlength=capacity.size).reshape(capacity.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            wait = np.where(capacity > 0, backlog / capacity * DAYS_PER_MONTH, np.where(backlog > 0, longest, 0.0))
        return np.minimum(np.take_along_axis(wait, home, axis=1), longest)

    def at_counter(self) -> np.ndarray:
        """Requests that are routine walk-ins at the committee this month (not yet casework)."""
        return self.req_routine & (self.req_age == 0) & (self.req_channel == Channel.COMMITTEE)

    def outside_success(self, rows: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """Chance the outside option (family, hospital, employer, market) resolves a need of
        type ``kind`` for the residents ``rows``: by type, more with ties for the needs family
        and neighbours meet, with an employer for the employed, less for the old."""
        p = self.p
        base = np.array([p["outside_success_admin"], p["outside_success_health"],
                         p["outside_success_employment"], p["outside_success_elderly_care"],
                         p["outside_success_mutual_aid"]])[kind]
        logit = np.log(np.maximum(base, EPSILON) / np.maximum(1 - base, EPSILON))
        family = FAMILY_MET[kind]
        logit = (logit + p["outside_ties_weight"] * family * (self.ties[rows] / MAX_TIES - MIDPOINT)
                 + p["outside_employer_weight"] * ((kind == Need.EMPLOYMENT)
                                                   & (self.employment[rows] == Employment.EMPLOYED))
                 - p["outside_old_penalty"] * self.is_old[rows])
        return np.where(base > 0, sigmoid(logit), 0.0)

    def utilities(self, rows: np.ndarray, kind: np.ndarray, routine: np.ndarray, is_open: np.ndarray,
                  seen: np.ndarray, seen_counter: np.ndarray) -> np.ndarray:
        """Deterministic utility of each option (channels, outside, nowhere) for needs of type
        ``kind`` of the residents ``rows``; -inf where an option is not open to them.

        A channel's value is the expected success less the cost of the expected wait (learned,
        mixed with the wait the resident sees) and of the effort of going; the committee's
        expectations for a routine matter are those of its counter."""
        p = self.p
        comm = self.community[rows]
        m = rows.size
        u = np.full((m, N_OPTIONS), -np.inf)
        v = p["visible_wait_weight"]
        succ, wait = self.expected(rows)
        for ch in Channel:
            ok = TAKES[kind, ch] & is_open[ch, comm]
            seen_ch = seen[ch, comm]
            effort = p["channel_effort"]
            succ_ch, wait_ch = succ[:, ch], wait[:, ch]
            if ch == Channel.COMMITTEE:
                ok &= self.aware[rows]
                succ_ch, wait_ch = (np.where(routine, x[:, COUNTER], x[:, ch]) for x in (succ, wait))
                seen_ch = np.where(routine, seen_counter[comm], seen_ch)
                effort = p["committee_effort"]
            expected_wait = (1 - v) * wait_ch + v * seen_ch
            value = (p["success_value"] * succ_ch
                     - p["wait_cost"] * expected_wait / DAYS_PER_MONTH - effort)
            u[:, ch] = np.where(ok, value, -np.inf)
        u[:, Elsewhere.OUTSIDE] = p["success_value"] * self.outside_success(rows, kind) - p["outside_effort"]
        u[:, Elsewhere.NOWHERE] = 0.0
        return u

    def raise_needs(self, month: int, capacity: np.ndarray, home: np.ndarray, is_open: np.ndarray) -> None:
        """Residents decide where their needs go, from expected wait and success.

        First the residents still waiting reconsider (jockeying): one whose best other option
        is worth more than staying, by ``jockey_cost``, leaves the queue for it. Then needs
        arise with a type and a routine flag, and each resident chooses among the channels
        open to the need, the outside option and not bringing it (balking), by a logit choice.

        ``capacity``: each queue's capacity (last month's for the committee); ``home``: the
        queue a community's requests join; ``is_open``: which channels a community can use."""
        p, rng = self.p, self.rng
        self._is_open = is_open
        seen = self.visible_waits(capacity, home)
        seen_counter = self.counter_overflow * seen[Channel.COMMITTEE]
        start = month * DAYS_PER_MONTH
        moved_out, moved_in = [], []

        # Jockeying: requests carried over compare staying with the best other option.
        waiting = np.flatnonzero(self.req_age > 0)
        if waiting.size:
            cur = self.req_channel[waiting].astype(np.int64)
            kind = self.need_type[waiting].astype(np.int64)
            u = self.utilities(waiting, kind, np.zeros(waiting.size, dtype=bool), is_open, seen, seen_counter)
            stay = u[np.arange(waiting.size), cur] + p["jockey_cost"]
            u[np.arange(waiting.size), cur] = -np.inf
            best = u.argmax(axis=1)
            move = u[np.arange(waiting.size), best] > stay
            movers, dest = waiting[move], best[move]
            self.jockeyed = movers
            self.jockey_from = cur[move]
            self.jockey_waited = (start - self.req_day[movers]).astype(F)
            self.req_age[movers] = -1
            moved_out = [movers[dest == Elsewhere.OUTSIDE], movers[dest == Elsewhere.NOWHERE]]
            to_channel = dest < N_CHANNELS
            moved_in = [movers[to_channel], dest[to_channel]]
        else:
            self.jockeyed = np.zeros(0, dtype=np.int64)
            self.jockey_from = np.zeros(0, dtype=np.int64)
            self.jockey_waited = np.zeros(0, dtype=F)
        out_rows = moved_out[0] if moved_out else np.zeros(0, dtype=np.int64)
        jockey_outside_ok = rng.random(out_rows.size) < self.outside_success(
            out_rows, self.need_type[out_rows].astype(np.int64))

        # New needs and the choice where to take them.
        free = self.req_age < 0
        free[self.jockeyed] = False          # who just left a queue raises no new need this month
        new = np.flatnonzero(free & (rng.random(self.n, dtype=F) < self.need_prob))
        kind = (rng.random(new.size)[:, None] > self.need_cumulative[self.profile[new]]).sum(axis=1)
        kind = np.minimum(kind, len(Need) - 1).astype(np.int64)
        routine = rng.random(new.size) < np.array([p["routine_share_admin"], 0.0, p["routine_share_employment"],
                                                   0.0, 0.0])[kind]
        u = self.utilities(new, kind, routine, is_open, seen, seen_counter)
        gumbel = -np.log(-np.log(np.clip(rng.random(u.shape), EPSILON, 1 - EPSILON)))
        choice = (u + gumbel).argmax(axis=1)
        outside = choice == Elsewhere.OUTSIDE
        outside_ok = rng.random(outside.sum()) < self.outside_success(new[outside], kind[outside])
        taken = choice < N_CHANNELS
        self.need_type[new] = kind
        self.req_routine[new] = routine
        self.new_needs = new

        requests = new[taken]
        channels = choice[taken]
        if moved_in:
            requests = np.concatenate([requests, moved_in[0]])
            channels = np.concatenate([channels, moved_in[1]])
            self.req_routine[moved_in[0]] = False
        order = np.argsort(requests, kind="stable")
        requests, channels = requests[order], channels[order]
        self.new_requests = requests
        self.req_age[requests] = 0
        self.req_channel[requests] = channels
        fresh = self.among(requests, new)
        self.req_day[requests] = np.where(fresh, start + rng.random(requests.size) * DAYS_PER_MONTH, start)

        went_out = np.concatenate([new[outside], out_rows])
        ok = np.concatenate([outside_ok, jockey_outside_ok])
        self.outside_resolved = np.sort(went_out[ok])
        balked = np.concatenate([new[choice == Elsewhere.NOWHERE]] + ([moved_out[1]] if moved_out else []))
        self.unmet = np.sort(np.concatenate([balked, went_out[~ok]]))

    def committee_queue(self) -> np.ndarray:
        """Committee casework pending per community (simulated residents): its requests less the
        routine walk-ins of this month, which the counter takes first."""
        pending = np.flatnonzero((self.req_age >= 0) & (self.req_channel == Channel.COMMITTEE) & ~self.at_counter())
        return self.counts(pending)

    # ---------------------------------------------------------------- (5) service
    def serve(self, month: int, capacity: np.ndarray, home: np.ndarray, first: np.ndarray,
              quality: np.ndarray, counter: np.ndarray | None = None) -> ServiceOutcome:
        """Serve the month in days: the committee's counter, then every queue.

        ``counter``: routine walk-ins each committee can do on the spot this month (simulated);
        a day's allowance is a thirtieth of it. Routine walk-ins beyond the day's allowance join
        the committee's casework. Each queue (``capacity`` per month, ``home``, vulnerable first
        among the requests carried over where ``first`` holds) serves at an even rate through
        the month, first come first served by arrival day; a request is served on the day its
        turn ends, never before it arrived. Committee casework on a need it does not own is a
        referral that reaches the owner or dead-ends. Requests kept longer than
        max_wait_months are abandoned. Residents learn from their own and their neighbours'
        outcomes; satisfaction moves toward the experience or toward the service level.
        """
        p, rng, C = self.p, self.rng, self.C
        start = month * DAYS_PER_MONTH
        counter = np.zeros(C) if counter is None else counter
        # (a) the counter: routine walk-ins done the day they come while the allowance lasts;
        # spread over the month, a walk-in finds the day's allowance unspent with chance
        # min(1, allowance / walk-ins)
        walk = np.flatnonzero(self.at_counter())
        routine_walkins = self.counts(walk)
        room = np.minimum(1.0, _share(counter, routine_walkins))
        done_here = rng.random(walk.size) < room[self.community[walk]]
        same_day = walk[done_here]
        # the others join the committee's casework (still routine: the committee's own matter)
        self.counter_overflow = 1 - room

        # (b) the queues: cases are taken up in no fixed order, at the queue's capacity spread
        # over the month: a pending case's turn comes after an exponential number of days with
        # rate capacity / (cases in the queue x 30), counted from its arrival or the month's start
        pending = np.flatnonzero(self.req_age >= 0)
        pending = pending[~self.among(pending, same_day)]
        ch = self.req_channel[pending].astype(np.int64)
        comm = self.community[pending].astype(np.int64)
        key = ch * C + home[ch, comm]
        arrive = self.req_day[pending] - start
        ahead = first[ch, comm] & self.vulnerable[pending]
        size = capacity.size
        n_first = np.bincount(key[ahead], minlength=size).astype(np.float64)
        n_rest = np.bincount(key[~ahead], minlength=size).astype(np.float64)
        cap = capacity.ravel()
        # the vulnerable go first where priority holds: the others share what they leave
        used_first = n_first * (1 - np.exp(-_share(cap, n_first)))
        cap_rest = np.maximum(0.0, cap - used_first)
        rate = np.where(ahead, _share(cap, n_first)[key], _share(cap_rest, n_rest)[key]) / DAYS_PER_MONTH
        draw = rng.random(pending.size)
        turn = np.where(rate > 0, -np.log(np.maximum(draw, EPSILON)) / np.maximum(rate, EPSILON), np.inf)
        finish = np.maximum(arrive, 0.0) + turn
        served_mask = finish <= DAYS_PER_MONTH
        served = pending[served_mask]
        wait = np.zeros(self.n)
        wait[served] = finish[served_mask] - arrive[served_mask]
        # committee casework: own matters resolved, others referred (reaching the owner or not)
        success = np.ones(self.n, dtype=bool)
        at_committee = served[self.req_channel[served] == Channel.COMMITTEE]
        own = (COMMITTEE_OWN_NEED[self.need_type[at_committee]] | self.req_routine[at_committee])
        referred = at_committee[~own]
        route_open = TAKES[self.need_type[referred].astype(np.int64), 1:][:, :] & \
            self._is_open[1:, self.community[referred]].T
        chance = np.where(route_open.any(axis=1), p["referral_success_with_channel"], p["referral_success"])
        draw = rng.random(at_committee.size)
        ok_own = draw[own] < p["casework_success"]
        ok_ref = draw[~own] < chance
        success[at_committee[own]] = ok_own
        success[referred] = ok_ref
        wait[referred[ok_ref]] += p["referral_days"]
        dead_end = referred[~ok_ref]
        failed = served[~success[served]]              # dead ends and casework that came to nothing
        resolved = served[success[served]]
        resolved_30 = resolved[wait[resolved] <= DAYS_PER_MONTH]

        waiting = pending[~served_mask]
        self.req_age[waiting] += 1
        kept = start + DAYS_PER_MONTH - self.req_day[waiting]
        dropped = waiting[kept > p["max_wait_months"] * DAYS_PER_MONTH]
        still = waiting[kept <= p["max_wait_months"] * DAYS_PER_MONTH]
        wait[dropped] = kept[kept > p["max_wait_months"] * DAYS_PER_MONTH]

        # What residents learn: their own outcome, and their neighbours'.
        # (requests that left their queue this month learn that it failed them)
        left = self.jockeyed
        finished = np.concatenate([same_day, served, dropped, left])
        column = np.concatenate([np.full(same_day.size, COUNTER), self.req_channel[served], self.req_channel[dropped],
                                 self.jockey_from]).astype(np.int64)
        got = np.concatenate([np.ones(same_day.size, dtype=bool), success[served],
                              np.zeros(dropped.size + left.size, dtype=bool)]).astype(F)
        waited = np.concatenate([np.zeros(same_day.size), wait[served], wait[dropped], self.jockey_waited]).astype(F)
        self.learn(finished, column, got, waited)

        concluded = finished
        good = np.concatenate([same_day, resolved_30])
        unmet_now = np.concatenate([self.unmet, dropped, failed])
        all_served = np.concatenate([same_day, served])
        wait[same_day] = 0.0
        is_committee_new = self.req_channel[self.new_requests] == Channel.COMMITTEE
        outcome = ServiceOutcome(
            new=self.counts(self.new_requests), resolved_30=self.counts(good), served=self.counts(all_served),
            wait_days=np.bincount(self.community[all_served], minlength=C, weights=wait[all_served]),
            new_by_group=self.by_group(concluded), resolved_by_group=self.by_group(good),
            needs_by_group=self.by_group(self.new_needs), unmet_by_group=self.by_group(unmet_now),
            concluded=self.counts(concluded), committee_new=self.counts(self.new_requests[is_committee_new]),
            outside_by_group=self.by_group(self.outside_resolved), referred=self.counts(referred),
            dead_end=self.counts(dead_end), routine_walkins=routine_walkins, same_day=self.counts(same_day),
        )

        self.req_age[all_served] = -1
        self.req_age[dropped] = -1

        # Satisfaction: drift toward the community's service level, or toward experience.
        rate = np.full(self.n, p["satisfaction_drift"], dtype=F)
        target = self.expand(quality.astype(F))
        late = all_served[~self.among(all_served, good)]
        for idx, value in ((still, p["satisfaction_waiting"]), (self.unmet, p["satisfaction_unmet"]),
                           (dropped, p["satisfaction_abandoned"]), (failed, p["satisfaction_abandoned"]),
                           (late[success[late]], p["satisfaction_served_late"]),
                           (good, p["satisfaction_served_fresh"])):
            target[idx] = value
            rate[idx] = p["satisfaction_rate"]
        self.satisfaction += rate * (target - self.satisfaction)
        self.last_contact[all_served] = month
        self.aware[all_served] = True
        self.hh_last_contact[self.household[all_served]] = month
        return outcome

    def learn(self, rows: np.ndarray, column: np.ndarray, success: np.ndarray, wait: np.ndarray) -> None:
        """Residents add this month's outcomes to what they remember of each channel (and the
        committee's counter): their own outcome with weight 1, each known neighbour's who
        finished there with weight ``neighbour_learning_rate``, and what the compound says (the
        community's mean outcome there this month) with weight ``hearsay_weight``; memories
        fade over ``experience_memory_months``."""
        p = self.p
        fade = F(1 - 1 / p["experience_memory_months"])
        self.seen_n *= fade
        self.seen_success *= fade
        self.seen_wait *= fade
        np.add.at(self.seen_n, (column, rows), F(1))
        np.add.at(self.seen_success, (column, rows), success)
        np.add.at(self.seen_wait, (column, rows), wait)
        social = F(p["neighbour_learning_rate"])
        for col in np.unique(column):
            mine = column == col
            here = rows[mine]
            # a resident who finished twice here this month tells of the later outcome
            told, first_from_end = np.unique(here[::-1], return_index=True)
            last = here.size - 1 - first_from_end
            s_told, w_told = success[mine][last], wait[mine][last]
            ears, hits, (s_sum, w_sum) = self.neighbour_sums(told, (s_told, w_told))
            ties = self.ties_safe[ears]
            heard = hits / ties * ties * social                 # neighbours' outcomes, weighted
            self.seen_n[col, ears] += heard
            self.seen_success[col, ears] += heard * (s_sum / hits)
            self.seen_wait[col, ears] += heard * (w_sum / hits)
            # what the compound says: the mean outcome there this month, for everyone
            count = self.counts(here)
            said = (count > 0) * F(p["hearsay_weight"])
            where = self.community[told]
            s_mean = _share(np.bincount(where, weights=s_told, minlength=self.C), count)
            w_mean = _share(np.bincount(where, weights=w_told, minlength=self.C), count)
            self._add_per_community(self.seen_n[col], said.astype(F))
            self._add_per_community(self.seen_success[col], (said * s_mean).astype(F))
            self._add_per_community(self.seen_wait[col], (said * w_mean).astype(F))

    def _add_per_community(self, target: np.ndarray, values: np.ndarray) -> None:
        """Add a per-community value to every resident's entry of ``target`` (in place)."""
        if self.equal_sizes:
            target.reshape(self.C, -1)[...] += values[:, None]
        else:
            target += self.expand(values)

    def expected(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected success and wait (days) of each channel and the counter for ``rows``: the
        remembered outcomes with the prior as ``prior_weight`` outcomes (trust for the
        committee, channel_prior_success elsewhere; prior_wait_days)."""
        p = self.p
        n0 = F(p["prior_weight"])
        prior = np.full((N_EXPECTATIONS, rows.size), F(p["channel_prior_success"]), dtype=F)
        prior[Channel.COMMITTEE] = prior[COUNTER] = self.trust[rows]
        weight = n0 + self.seen_n[:, rows]
        return (((n0 * prior + self.seen_success[:, rows]) / weight).T,
                ((n0 * F(p["prior_wait_days"]) + self.seen_wait[:, rows]) / weight).T)

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
            has_need |= self.among(went, self.unmet)
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
        """Chance each resident backs the incumbents: retrospective on satisfaction, trust and the
        share of matters they expect the committee's casework to resolve (what they learned from
        their own, their neighbours' and the compound's outcomes there) for those who know the
        committee; those who do not know it vote a street-nominated slate more often."""
        p = self.p
        casework = self.expected(np.arange(self.n))[0][:, Channel.COMMITTEE]
        judged = (p["support_satisfaction_weight"] * (self.satisfaction - MIDPOINT)
                  + p["support_trust_weight"] * (self.trust - MIDPOINT)
                  + p["support_service_weight"] * (casework - MIDPOINT))
        slate = p["street_nomination_support"] * self.expand(street_nominated)
        return sigmoid(p["support_intercept"] + np.where(self.aware, judged, slate))

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
