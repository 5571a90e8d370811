"""The per-agent reference: the resident rules written the classic Mesa way.

``ReferencePopulation`` is a drop-in replacement for ``model.population.Population``::

    GovernanceModel(scenario, rng=seed, overrides={"resident_agents": False},
                    population_cls=ReferencePopulation)

It builds the initial population with ``Population.__init__`` (so for a given seed both
implementations start from the very same residents), then creates one ``ClassicResident``
Mesa agent per resident that holds its own state as Python attributes. Every monthly
resident rule (needs, the per-resident part of service, participation, elections) is a
method on the agent, run over all residents with ``AgentSet.shuffle_do``; each agent makes
its own draws from the model's ``random`` (one draw per agent per decision). Community
totals the rules need (the queue per channel, expected event demand, the share of aware
residents, ballots) are summed over the agents between the phases, as a classic Mesa model
would do in ``Model.step``. The equations are those of ``Population``; the draws differ,
so the two agree statistically, not bit for bit (tests/test_docking.py).

After the resident phases the agents' state is copied back into the population arrays
that the metrics and the snapshots read (the classic equivalent of agent reporters).
Households and committees stay as they are in the model: households are not agents, and
``visit_vulnerable`` (committees visiting households) is inherited unchanged.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from model.constants import DAYS_PER_MONTH, EPSILON, MAX_TIES, MIDPOINT
from model.population import Population, ServiceOutcome
from model.services import COMMITTEE_OWN, COUNTER, N_CHANNELS, N_EXPECTATIONS, N_OPTIONS, ROUTES, TAKES
from model.states import AgeGroup, Channel, Elsewhere, Employment, Need

COMMITTEE = Channel.COMMITTEE
OUTSIDE_SUCCESS = {Need.ADMIN: "outside_success_admin", Need.HEALTH: "outside_success_health",
                   Need.EMPLOYMENT: "outside_success_employment", Need.ELDERLY_CARE: "outside_success_elderly_care",
                   Need.MUTUAL_AID: "outside_success_mutual_aid"}

# Population arrays refreshed from the agents after the monthly resident phases.
SYNCED = ("trust", "efficacy", "habit", "satisfaction", "aware", "req_age", "req_channel", "need_type", "req_routine",
          "last_event",
          "last_volunteer", "last_deliberation", "last_vote", "last_contact", "active_last_month")
# Attributes each agent copies from its row at the start.
COPIED = ("community", "household", "age_group", "employment", "vulnerable", "registered", "civic_skill",
          "free_time", "ties", "trust", "efficacy", "habit", "satisfaction", "aware", "req_age", "req_channel",
          "req_day", "req_routine",
          "last_event", "last_volunteer", "last_deliberation", "last_vote", "last_contact", "active_last_month",
          "need_prob", "static_logit", "profile", "need_type")


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class ClassicResident(mesa.Agent):
    """A resident with its own state and its own monthly rules (one method per phase)."""

    def __init__(self, model: mesa.Model, pop: ReferencePopulation, row: int, values: dict):
        super().__init__(model)
        self.pop, self.row = pop, row
        for name in COPIED:
            setattr(self, name, values[name])
        self.heterogeneity = float(pop.heterogeneity[self.community])
        self.known: list[ClassicResident] = []    # the neighbours this resident knows (filled later)
        self.active_now = False
        self.new_request = self.unmet_now = self.served_now = False
        self.outside_now = self.left_now = self.same_day = False
        self.outcome: tuple[int, float, float] | None = None    # (column, success, days) of this month's outcome
        self.wait = 0.0
        self.seen_n = [0.0] * N_EXPECTATIONS
        self.seen_success = [0.0] * N_EXPECTATIONS
        self.seen_wait = [0.0] * N_EXPECTATIONS
        self.engagement = self.prob = 0.0

    # ------------------------------------------------------------------ (4) needs
    def expected(self, col: int) -> tuple[float, float]:
        """Expected success and wait at expectation column ``col`` (trust the committee's prior)."""
        p = self.pop.p
        n0 = p["prior_weight"]
        prior = self.trust if col in (COMMITTEE, COUNTER) else p["channel_prior_success"]
        weight = n0 + self.seen_n[col]
        success = (n0 * prior + self.seen_success[col]) / weight
        return success, (n0 * p["prior_wait_days"] + self.seen_wait[col]) / weight

    def outside_chance(self, kind: int) -> float:
        p = self.pop.p
        base = p[OUTSIDE_SUCCESS[kind]]
        if base <= 0:
            return 0.0
        logit = math.log(max(base, EPSILON) / max(1 - base, EPSILON))
        if kind in (Need.HEALTH, Need.ELDERLY_CARE, Need.MUTUAL_AID):
            logit += p["outside_ties_weight"] * (self.ties / MAX_TIES - MIDPOINT)
        if kind == Need.EMPLOYMENT and self.employment == Employment.EMPLOYED:
            logit += p["outside_employer_weight"]
        if self.age_group == AgeGroup.OLD:
            logit -= p["outside_old_penalty"]
        return sigmoid(logit)

    def utilities(self, kind: int, routine: bool, is_open, seen, seen_counter) -> list[float]:
        p, c = self.pop.p, self.community
        v = p["visible_wait_weight"]
        u = [-math.inf] * N_OPTIONS
        for ch in Channel:
            if not (TAKES[kind][ch] and is_open[ch][c]):
                continue
            col, shown, effort = int(ch), seen[ch][c], p["channel_effort"]
            if ch == COMMITTEE:
                if not self.aware:
                    continue
                effort = p["committee_effort"]
                if routine:
                    col, shown = COUNTER, seen_counter[c]
            success, wait = self.expected(col)
            cost = p["wait_cost"] * ((1 - v) * wait + v * shown) / DAYS_PER_MONTH
            u[ch] = p["success_value"] * success - cost - effort
        u[Elsewhere.OUTSIDE] = p["success_value"] * self.outside_chance(kind) - p["outside_effort"]
        u[Elsewhere.NOWHERE] = 0.0
        return u

    def go_outside(self, kind: int) -> None:
        pop = self.pop
        if self.random.random() < self.outside_chance(kind):
            self.outside_now = True
            pop.acc_outside[self.vulnerable][self.community] += 1
        else:
            self.unmet_now = True
            pop.unmet_rows.append(self.row)
            pop.acc_unmet[self.vulnerable][self.community] += 1

    def give_up(self) -> None:
        self.unmet_now = True
        self.pop.unmet_rows.append(self.row)
        self.pop.acc_unmet[self.vulnerable][self.community] += 1

    def join(self, channel: int, day: float) -> None:
        self.req_age, self.req_channel, self.req_day, self.new_request = 0, channel, day, True
        self.pop.new_rows.append(self.row)

    def step_jockey(self, month: int, is_open, seen, seen_counter) -> None:
        """A request carried over compares staying with the best other option (no noise)."""
        self.new_request = self.unmet_now = self.outside_now = self.left_now = False
        self.outcome = None
        if self.req_age <= 0:
            return
        u = self.utilities(self.need_type, False, is_open, seen, seen_counter)
        cur = self.req_channel
        stay = u[cur] + self.pop.p["jockey_cost"]
        u[cur] = -math.inf
        best = max(range(N_OPTIONS), key=lambda k: u[k])
        if not u[best] > stay:
            return
        start = month * DAYS_PER_MONTH
        self.outcome = (cur, 0.0, start - self.req_day)       # a failure at the channel left
        self.left_now = True
        self.req_age = -1
        if best < N_CHANNELS:
            self.req_routine = False
            self.join(best, float(start))
        elif best == Elsewhere.OUTSIDE:
            self.go_outside(self.need_type)
        else:
            self.give_up()

    def step_need(self, month: int, is_open, seen, seen_counter) -> None:
        pop = self.pop
        p = pop.p
        if self.req_age >= 0 or self.left_now or self.random.random() >= self.need_prob:
            return
        u = self.random.random()
        cumulative = pop.need_cumulative[self.profile]
        kind = min(sum(1 for q in cumulative if u > q), len(Need) - 1)
        routine_share = {Need.ADMIN: p["routine_share_admin"], Need.EMPLOYMENT: p["routine_share_employment"]}
        routine = self.random.random() < routine_share.get(kind, 0.0)
        self.need_type, self.req_routine = kind, routine
        pop.acc_needs[self.vulnerable][self.community] += 1
        pop.need_rows.append(self.row)
        u = self.utilities(kind, routine, is_open, seen, seen_counter)
        noisy = [x - math.log(-math.log(min(max(self.random.random(), EPSILON), 1 - EPSILON))) for x in u]
        choice = max(range(N_OPTIONS), key=lambda k: noisy[k])
        if choice < N_CHANNELS:
            self.join(choice, month * DAYS_PER_MONTH + self.random.random() * DAYS_PER_MONTH)
        elif choice == Elsewhere.OUTSIDE:
            self.go_outside(kind)
        else:
            self.give_up()

    def queue_key(self) -> int:
        C = self.pop.C
        return self.req_channel * C + int(self.pop.home[self.req_channel, self.community])

    # ------------------------------------------------------------------ (5) service
    def at_counter(self) -> bool:
        return self.req_routine and self.req_age == 0 and self.req_channel == COMMITTEE

    def step_counter(self, room: list[float]) -> None:
        """A routine walk-in finds the day's allowance unspent, or becomes casework."""
        self.same_day = False
        if self.req_age >= 0 and self.at_counter():
            self.pop.acc["walkins"][self.community] += 1
            if self.random.random() < room[self.community]:
                self.same_day = True

    def step_turn(self, month: int, rates: dict) -> None:
        """A pending case's turn comes after an exponential number of days."""
        self.served_now = False
        if self.req_age < 0 or self.same_day:
            return
        pop = self.pop
        start = month * DAYS_PER_MONTH
        ahead = bool(pop.first[self.req_channel, self.community]) and self.vulnerable
        rate = rates[(self.queue_key(), ahead)]
        if rate <= 0:
            return
        arrive = self.req_day - start
        finish = max(arrive, 0.0) + self.random.expovariate(rate)
        if finish <= DAYS_PER_MONTH:
            self.served_now = True
            self.wait = finish - arrive

    def step_serve(self, month: int, quality: list[float]) -> None:
        pop, c = self.pop, self.community
        p = pop.p
        acc = pop.acc
        start = month * DAYS_PER_MONTH
        target, rate = quality[c], p["satisfaction_drift"]
        if self.new_request:
            acc["new"][c] += 1
            if self.req_channel == COMMITTEE:
                acc["committee_new"][c] += 1
        if self.left_now:
            acc["concluded"][c] += 1
            acc["eq_req"][self.vulnerable][c] += 1
        if self.req_age >= 0 and (self.same_day or self.served_now):
            success, wait, col = True, 0.0, COUNTER
            if not self.same_day:
                wait, col = self.wait, self.req_channel
                if self.req_channel == COMMITTEE:
                    own = self.need_type in COMMITTEE_OWN or self.req_routine
                    if own:
                        success = self.random.random() < p["casework_success"]
                    else:
                        acc["referred"][c] += 1
                        local = any(TAKES[self.need_type][ch] and pop.is_open[ch][c] for ch in range(1, N_CHANNELS))
                        success = self.random.random() < p["referral_success_with_channel" if local
                                                           else "referral_success"]
                        if success:
                            wait += p["referral_days"]
                        else:
                            acc["dead_end"][c] += 1
            else:
                acc["same_day"][c] += 1
            acc["served"][c] += 1
            acc["wait_days"][c] += wait
            acc["concluded"][c] += 1
            acc["eq_req"][self.vulnerable][c] += 1
            fresh = success and wait <= DAYS_PER_MONTH
            if fresh:
                acc["resolved_30"][c] += 1
                acc["eq_res"][self.vulnerable][c] += 1
            if not success:
                pop.acc_unmet[self.vulnerable][c] += 1
            self.outcome = (col, float(success), wait)
            self.req_age = -1
            rate = p["satisfaction_rate"]
            target = (p["satisfaction_served_fresh"] if fresh else p["satisfaction_served_late"] if success
                      else p["satisfaction_abandoned"])
            self.last_contact = month
            self.aware = True
            pop.hh_last_contact[self.household] = month
        elif self.req_age >= 0:
            rate = p["satisfaction_rate"]
            self.req_age += 1
            kept = start + DAYS_PER_MONTH - self.req_day
            if kept > p["max_wait_months"] * DAYS_PER_MONTH:
                self.req_age = -1
                target = p["satisfaction_abandoned"]
                pop.acc_unmet[self.vulnerable][c] += 1
                acc["concluded"][c] += 1
                acc["eq_req"][self.vulnerable][c] += 1
                self.outcome = (self.req_channel, 0.0, kept)
            else:
                target = p["satisfaction_waiting"]
        elif self.unmet_now:
            target, rate = p["satisfaction_unmet"], p["satisfaction_rate"]
        self.satisfaction += rate * (target - self.satisfaction)

    def step_forget(self) -> None:
        fade = 1 - 1 / self.pop.p["experience_memory_months"]
        for memory in (self.seen_n, self.seen_success, self.seen_wait):
            for k in range(N_EXPECTATIONS):
                memory[k] *= fade

    def step_learn(self, hearsay: list[dict]) -> None:
        """Own outcome (weight 1), each known neighbour's (neighbour_learning_rate), and what the
        compound says (hearsay_weight, the community's mean outcome at a column this month)."""
        p = self.pop.p
        outcomes = [(1.0, self.outcome)] if self.outcome else []
        outcomes += [(p["neighbour_learning_rate"], nb.outcome) for nb in self.known if nb.outcome]
        for weight, (col, success, wait) in outcomes:
            self.seen_n[col] += weight
            self.seen_success[col] += weight * success
            self.seen_wait[col] += weight * wait
        for col, (success, wait) in hearsay[self.community].items():
            self.seen_n[col] += p["hearsay_weight"]
            self.seen_success[col] += p["hearsay_weight"] * success
            self.seen_wait[col] += p["hearsay_weight"] * wait

    # ------------------------------------------------------------------ (6) participation
    def step_intend(self, recruitment: list[float]) -> None:
        """How much this resident wants to join an event this month (before seats are known)."""
        p = self.pop.p
        self.engagement = (self.trust + self.efficacy) / 2
        nbr = sum(1 for n in self.known if n.active_last_month) / max(self.ties, 1)
        self.prob = sigmoid(self.static_logit + p["event_intercept"]
                            + p["engagement_weight"] * self.engagement
                            + p["recruitment_weight"] * recruitment[self.community]
                            + p["habit_weight"] * self.habit + p["neighbour_weight"] * nbr)
        self.pop.expected[self.community] += self.prob

    def step_participate(self, month: int, cap: list[float], events: list[int], agenda: list[float],
                         bonus: list[float]) -> None:
        p, c = self.pop.p, self.community
        joined = self.random.random() < self.prob * cap[c]
        if joined:
            self.last_event = month
            if self.random.random() < sigmoid(p["volunteer_intercept"]
                                              + p["volunteer_skill_weight"] * (self.civic_skill - MIDPOINT)
                                              + p["volunteer_habit_weight"] * self.habit):
                self.last_volunteer = month
        attended = False
        if events[c] > 0:
            per_event = sigmoid(p["deliberation_intercept"] + self.static_logit
                                + p["engagement_weight"] * self.engagement + p["habit_weight"] * self.habit)
            if self.random.random() < 1 - (1 - per_event) ** events[c]:
                attended = True
                self.last_deliberation = month
                has_need = self.req_age >= 0 or self.unmet_now
                if self.random.random() < (p["agenda_raise_with_need"] if has_need else p["agenda_raise_without_need"]):
                    self.pop.raised[c] += 1
                    if has_need:
                        self.pop.raised_needs[self.need_type, c] += 1
                self.efficacy += p["efficacy_rate"] * (agenda[c] - self.efficacy)
        self.active_now = joined or attended
        if self.active_now:
            self.last_contact = month
            self.aware = True
            self.pop.hh_last_contact[self.household] = month
        # Adaptive habit, then trust (performance plus the procedural bonus).
        w = p["habit_outcome_trust_weight"]
        outcome = w * self.trust + (1 - w) * agenda[c]
        step = outcome - p["aspiration"] if self.active_now else -p["habit_decay"] * self.habit
        self.habit = min(1.0, max(0.0, self.habit + p["habit_rate"] * step))
        self.trust += p["trust_rate"] * (self.satisfaction - self.trust) + bonus[c]
        self.trust = min(1.0, max(0.0, self.trust))

    def step_awareness(self, month: int, aware_share: list[float]) -> None:
        """Word of mouth and forgetting; this month's activity becomes last month's."""
        p = self.pop.p
        u = self.random.random()
        if not self.aware:
            self.aware = u < p["word_of_mouth"] * aware_share[self.community]
        elif month - self.last_contact > p["forget_after_months"] and u > 1 - p["forget_rate"]:
            self.aware = False
        self.active_last_month = self.active_now

    # ------------------------------------------------------------------ (7) elections
    def vote_propensity(self, mobilisation: list[float]) -> float:
        p = self.pop.p
        return sigmoid(p["vote_intercept"]
                       + p["vote_ties_weight"] * (self.ties / MAX_TIES - MIDPOINT)
                       + p["vote_trust_weight"] * (self.trust - MIDPOINT)
                       + p["vote_habit_weight"] * (self.habit - p["vote_habit_reference"])
                       - p["vote_unaware_penalty"] * (not self.aware)
                       + p["vote_mobilisation"] * mobilisation[self.community]
                       - p["heterogeneity_weight"] * (self.heterogeneity - MIDPOINT))

    def support(self, street_nominated: list[bool]) -> float:
        p = self.pop.p
        x = p["support_intercept"]
        if not self.aware:
            x += p["street_nomination_support"] * street_nominated[self.community]
        else:
            x += (p["support_satisfaction_weight"] * (self.satisfaction - MIDPOINT)
                  + p["support_trust_weight"] * (self.trust - MIDPOINT)
                  + p["support_service_weight"] * (self.expected(COMMITTEE)[0] - MIDPOINT))
        return sigmoid(x)

    def go_vote(self, month: int) -> None:
        pop = self.pop
        pop.backing[self.community] += self.support(pop.street_nominated)
        self.last_vote = self.last_contact = month
        self.aware = True
        pop.in_person[self.community] += 1

    def step_vote(self, month: int, household_mode: list[bool], proxy: list[bool], due: list[bool],
                  mobilisation: list[float]) -> None:
        """Resident mode: vote in person, or by proxy. Household mode: the first willing
        member of a household (in this month's random order) goes for the household."""
        pop, c = self.pop, self.community
        if not self.registered or not due[c]:
            return
        would = self.random.random() < self.vote_propensity(mobilisation)
        if not household_mode[c]:
            if would:
                self.go_vote(month)
                pop.ballots[c] += 1
            elif proxy[c] and self.random.random() < pop.p["proxy_rate"]:
                pop.ballots[c] += 1
                pop.proxies[c] += 1
        elif would:
            pop.hh_votes[self.household] = True
            pop.hh_willing[self.household] = True
            if not pop.hh_in_person[self.household]:
                pop.hh_in_person[self.household] = True
                self.go_vote(month)

    def step_ballot(self, household_mode: list[bool], due: list[bool]) -> None:
        """Household mode: every registered member of a household that voted has a ballot."""
        c = self.community
        if due[c] and household_mode[c] and self.registered and self.pop.hh_votes[self.household]:
            self.pop.ballots[c] += 1
            if not self.pop.hh_willing[self.household]:
                self.pop.proxies[c] += 1


class ReferencePopulation(Population):
    """Population whose monthly resident rules run per agent (classic Mesa)."""

    agent_cls = ClassicResident

    def __init__(self, p: dict, rng: np.random.Generator, sizes: np.ndarray, model: mesa.Model | None = None):
        super().__init__(p, rng, sizes, model)
        # The residents' own copy of the parameters: a test can change one coefficient of the
        # resident rules alone (the committees and departments read the model's).
        self.p = dict(p)
        model = model or mesa.Model(rng=rng)
        self.model = model
        columns = {name: getattr(self, name).tolist() for name in COPIED}
        self.agents_in_order = [self.agent_cls(model, self, row, {k: v[row] for k, v in columns.items()})
                                for row in range(self.n)]
        for agent, nbrs, k in zip(self.agents_in_order, self.neighbours.tolist(), self.ties.tolist(), strict=True):
            agent.known = [self.agents_in_order[j] for j in nbrs[:k]]
        self.residents = model.agents_by_type[self.agent_cls]
        self.new_rows: list[int] = []
        self.unmet_rows: list[int] = []
        self.overflow = [0.0] * self.C

    def _rows(self, rows: list[int]) -> np.ndarray:
        return np.array(sorted(rows), dtype=np.int64)

    def sync(self, fields=SYNCED) -> None:
        """Copy the agents' state into the population arrays (metrics and snapshots read these)."""
        agents = self.agents_in_order
        for name in fields:
            array = getattr(self, name)
            array[:] = [getattr(a, name) for a in agents]

    # ---------------------------------------------------------------- (4) needs
    def raise_needs(self, month, capacity, home, is_open) -> None:
        self.home, self.is_open = home, is_open.tolist()
        C, longest = self.C, self.p["max_wait_months"] * DAYS_PER_MONTH
        backlog = {}
        for a in self.residents:
            if a.req_age >= 0 and not a.at_counter():
                backlog[a.queue_key()] = backlog.get(a.queue_key(), 0) + 1
        cap = capacity.ravel().tolist()
        wait = [0.0] * capacity.size
        for key, count in backlog.items():
            wait[key] = min(count / cap[key] * DAYS_PER_MONTH, longest) if cap[key] > 0 else longest
        seen = [[wait[ch * C + int(home[ch, c])] for c in range(C)] for ch in range(N_CHANNELS)]
        seen_counter = [self.overflow[c] * seen[COMMITTEE][c] for c in range(C)]
        self.new_rows, self.unmet_rows, self.need_rows = [], [], []
        self.acc_needs = [[0] * C, [0] * C]
        self.acc_unmet = [[0] * C, [0] * C]
        self.acc_outside = [[0] * C, [0] * C]
        self.residents.shuffle_do("step_jockey", month, self.is_open, seen, seen_counter)
        self.residents.shuffle_do("step_need", month, self.is_open, seen, seen_counter)
        self.new_requests, self.unmet = self._rows(self.new_rows), self._rows(self.unmet_rows)
        self.new_needs = self._rows(self.need_rows)
        self.sync(("req_age", "req_channel", "need_type", "req_routine"))

    def committee_queue(self) -> np.ndarray:
        queue = [0] * self.C
        for a in self.residents:
            if a.req_age >= 0 and a.req_channel == COMMITTEE and not a.at_counter():
                queue[a.community] += 1
        return np.array(queue, dtype=np.float64)

    # ---------------------------------------------------------------- (5) service
    def serve(self, month, capacity, home, first, quality, counter=None) -> ServiceOutcome:
        """The counter, then each queue's cases in no fixed order at its capacity through the
        month; referrals; learning; satisfaction (the equations of ``Population.serve``)."""
        C = self.C
        self.home, self.first = home, first
        counter = np.zeros(C) if counter is None else np.asarray(counter, dtype=float)
        keys = ("served", "resolved_30", "new", "committee_new", "concluded", "referred", "dead_end",
                "walkins", "same_day")
        self.acc = {k: [0] * C for k in keys}
        self.acc.update(wait_days=[0.0] * C, eq_req=[[0] * C, [0] * C], eq_res=[[0] * C, [0] * C])
        walkins = [0] * C
        for a in self.residents:
            if a.req_age >= 0 and a.at_counter():
                walkins[a.community] += 1
        room = [min(1.0, counter[c] / walkins[c]) if walkins[c] else 0.0 for c in range(C)]
        self.overflow = [1 - r for r in room]
        self.residents.shuffle_do("step_counter", room)
        counts = {}
        for a in self.residents:
            if a.req_age >= 0 and not a.same_day:
                key = (a.queue_key(), bool(first[a.req_channel, a.community]) and a.vulnerable)
                counts[key] = counts.get(key, 0) + 1
        cap = capacity.ravel().tolist()
        rates = {}
        for (key, ahead), n in counts.items():
            if ahead:
                rates[(key, True)] = cap[key] / n / DAYS_PER_MONTH
            else:
                n_first = counts.get((key, True), 0)
                left = cap[key] - (n_first * (1 - math.exp(-cap[key] / n_first)) if n_first else 0.0)
                rates[(key, False)] = max(0.0, left) / n / DAYS_PER_MONTH
        self.residents.shuffle_do("step_turn", month, rates)
        self.residents.shuffle_do("step_serve", month, np.asarray(quality, dtype=float).tolist())
        # learning: memories fade, then this month's outcomes (own, neighbours', the compound's)
        totals = [{} for _ in range(C)]
        for a in self.residents:
            if a.outcome:
                col, success, wait = a.outcome
                t = totals[a.community].setdefault(col, [0, 0.0, 0.0])
                t[0] += 1
                t[1] += success
                t[2] += wait
        hearsay = [{col: (t[1] / t[0], t[2] / t[0]) for col, t in totals[c].items()} for c in range(C)]
        self.residents.do("step_forget")
        self.residents.shuffle_do("step_learn", hearsay)
        acc = self.acc
        f = lambda key: np.array(acc[key], dtype=np.float64)  # noqa: E731
        return ServiceOutcome(new=f("new"), resolved_30=f("resolved_30"), served=f("served"),
                              wait_days=f("wait_days"), new_by_group=np.array(acc["eq_req"], dtype=float),
                              resolved_by_group=np.array(acc["eq_res"], dtype=float),
                              needs_by_group=np.array(self.acc_needs, dtype=float),
                              unmet_by_group=np.array(self.acc_unmet, dtype=float),
                              concluded=f("concluded"), committee_new=f("committee_new"),
                              outside_by_group=np.array(self.acc_outside, dtype=float), referred=f("referred"),
                              dead_end=f("dead_end"), routine_walkins=f("walkins"), same_day=f("same_day"))

    # ---------------------------------------------------------------- (6) participation
    def participate(self, month, recruitment, seats, deliberation_events, agenda_share, trust_bonus) -> None:
        C = self.C
        self.expected = [0.0] * C
        self.raised = [0] * C
        self.raised_needs = np.zeros((len(ROUTES), C))
        self.residents.shuffle_do("step_intend", np.asarray(recruitment, dtype=float).tolist())
        cap = np.minimum(1.0, seats / np.maximum(np.array(self.expected), EPSILON)).tolist()
        self.residents.shuffle_do("step_participate", month, cap, np.asarray(deliberation_events).tolist(),
                                  np.asarray(agenda_share, dtype=float).tolist(),
                                  np.asarray(trust_bonus, dtype=float).tolist())
        aware = [0] * C
        for a in self.residents:
            aware[a.community] += a.aware
        share = [k / size for k, size in zip(aware, self.sizes.tolist(), strict=True)]
        self.residents.shuffle_do("step_awareness", month, share)
        self.raised_items = np.array(self.raised, dtype=float)
        self.sync()

    # ---------------------------------------------------------------- (7) voting
    def vote(self, month, household_mode, proxy, due, mobilisation, street_nominated):
        C, H = self.C, self.n_households
        self.ballots, self.in_person, self.backing, self.proxies = [0] * C, [0] * C, [0.0] * C, [0] * C
        self.street_nominated = np.asarray(street_nominated).tolist()
        self.hh_votes, self.hh_in_person, self.hh_willing = [False] * H, [False] * H, [False] * H
        self.residents.shuffle_do("step_vote", month, household_mode.tolist(), proxy.tolist(), due.tolist(),
                                  np.asarray(mobilisation, dtype=float).tolist())
        rate = self.p["proxy_rate"]
        for h in range(H):
            c = int(self.hh_community[h])
            if due[c] and household_mode[c] and proxy[c] and self.model.random.random() < rate:
                self.hh_votes[h] = True
        self.residents.do("step_ballot", household_mode.tolist(), due.tolist())
        self.sync(("last_vote", "last_contact", "aware"))
        return (np.array(self.ballots, dtype=float), np.array(self.in_person, dtype=float),
                np.array(self.backing), np.array(self.proxies, dtype=float))
