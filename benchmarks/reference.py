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
from model.services import ROUTES
from model.states import Channel

COMMITTEE = Channel.COMMITTEE

# Population arrays refreshed from the agents after the monthly resident phases.
SYNCED = ("trust", "efficacy", "habit", "satisfaction", "aware", "req_age", "req_channel", "need_type", "last_event",
          "last_volunteer", "last_deliberation", "last_vote", "last_contact", "active_last_month")
# Attributes each agent copies from its row at the start.
COPIED = ("community", "household", "age_group", "employment", "vulnerable", "registered", "civic_skill",
          "free_time", "ties", "trust", "efficacy", "habit", "satisfaction", "aware", "req_age", "req_channel",
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
        self.engagement = self.prob = 0.0

    # ------------------------------------------------------------------ (4) needs
    def step_need(self, is_open: list[list[bool]]) -> None:
        pop = self.pop
        p = pop.p
        self.new_request = self.unmet_now = False
        if self.req_age >= 0 or self.random.random() >= self.need_prob:
            return
        u = self.random.random()
        cumulative = pop.need_cumulative[self.profile]
        kind = min(sum(1 for q in cumulative if u > q), len(ROUTES) - 1)
        bring = self.aware and self.random.random() < sigmoid(
            p["bring_intercept"] + p["bring_trust_weight"] * (self.trust - MIDPOINT))
        channel = next((int(ch) for ch in ROUTES[kind] if is_open[ch][self.community]), -1)
        if channel < 0 and bring:
            channel = COMMITTEE
        self.need_type = kind
        pop.acc_needs[self.vulnerable][self.community] += 1
        if channel >= 0:
            self.req_age, self.req_channel, self.new_request = 0, channel, True
            pop.new_rows.append(self.row)
        else:
            self.unmet_now = True
            pop.unmet_rows.append(self.row)
            pop.acc_unmet[self.vulnerable][self.community] += 1

    def queue_key(self) -> int:
        C = self.pop.C
        return self.req_channel * C + int(self.pop.home[self.req_channel, self.community])

    # ------------------------------------------------------------------ (5) service
    def step_serve(self, month: int, quality: list[float]) -> None:
        pop, c = self.pop, self.community
        p = pop.p
        target, rate = quality[c], p["satisfaction_drift"]
        if self.req_age >= 0:
            rate = p["satisfaction_rate"]
            if self.served_now:
                age = self.req_age
                fresh = age == 0
                acc = pop.acc
                acc["served"][c] += 1
                acc["wait_days"][c] += DAYS_PER_MONTH * age + DAYS_PER_MONTH / 2
                if fresh:
                    acc["resolved_30"][c] += 1
                    acc["eq_res"][self.vulnerable][c] += 1
                self.req_age = -1
                target = p["satisfaction_served_fresh"] if fresh else p["satisfaction_served_late"]
                self.last_contact = month
                self.aware = True
                pop.hh_last_contact[self.household] = month
            else:
                self.req_age += 1
                if self.req_age > p["max_wait_months"]:
                    self.req_age = -1
                    target = p["satisfaction_abandoned"]
                    pop.acc_unmet[self.vulnerable][c] += 1
                else:
                    target = p["satisfaction_waiting"]
        elif self.unmet_now:
            target, rate = p["satisfaction_unmet"], p["satisfaction_rate"]
        if self.new_request:
            pop.acc["eq_req"][self.vulnerable][c] += 1
        self.satisfaction += rate * (target - self.satisfaction)

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
        x = p["support_intercept"] + p["street_nomination_support"] * street_nominated[self.community]
        if self.aware:
            x += (p["support_satisfaction_weight"] * (self.satisfaction - MIDPOINT)
                  + p["support_trust_weight"] * (self.trust - MIDPOINT))
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

    def _rows(self, rows: list[int]) -> np.ndarray:
        return np.array(sorted(rows), dtype=np.int64)

    def sync(self, fields=SYNCED) -> None:
        """Copy the agents' state into the population arrays (metrics and snapshots read these)."""
        agents = self.agents_in_order
        for name in fields:
            array = getattr(self, name)
            array[:] = [getattr(a, name) for a in agents]

    # ---------------------------------------------------------------- (4) needs
    def raise_needs(self, is_open: np.ndarray) -> None:
        self.new_rows, self.unmet_rows = [], []
        self.acc_needs = [[0] * self.C, [0] * self.C]
        self.acc_unmet = [[0] * self.C, [0] * self.C]
        self.residents.shuffle_do("step_need", is_open.tolist())
        self.new_requests, self.unmet = self._rows(self.new_rows), self._rows(self.unmet_rows)
        self.new_needs = self._rows(self.new_rows + self.unmet_rows)

    def committee_queue(self) -> np.ndarray:
        queue = [0] * self.C
        for a in self.residents:
            if a.req_age >= 0 and a.req_channel == COMMITTEE:
                queue[a.community] += 1
        return np.array(queue, dtype=np.float64)

    # ---------------------------------------------------------------- (5) service
    def serve(self, month, capacity, home, first, quality) -> ServiceOutcome:
        """First come, first served: each queue's requests in order of age (vulnerable first
        where ``first`` holds, ties at random), as many as its capacity this month."""
        C = self.C
        self.home = home
        queues: dict[int, list] = {}
        for a in self.residents:
            a.served_now = False
            if a.req_age >= 0:
                ahead = bool(first[a.req_channel, a.community]) and a.vulnerable
                queues.setdefault(a.queue_key(), []).append((not ahead, -a.req_age, self.model.random.random(), a))
        cap = capacity.ravel().tolist()
        for key, queue in queues.items():
            whole = math.floor(cap[key])
            allowed = whole + (self.model.random.random() < cap[key] - whole)
            for *_, a in sorted(queue, key=lambda t: t[:3])[:allowed]:
                a.served_now = True
        self.acc = {k: [0] * C for k in ("served", "resolved_30")}
        self.acc.update(wait_days=[0.0] * C, eq_req=[[0] * C, [0] * C], eq_res=[[0] * C, [0] * C])
        self.residents.shuffle_do("step_serve", month, np.asarray(quality, dtype=float).tolist())
        acc = self.acc
        f = lambda key: np.array(acc[key], dtype=np.float64)  # noqa: E731
        return ServiceOutcome(new=self.counts(self.new_requests), resolved_30=f("resolved_30"), served=f("served"),
                              wait_days=f("wait_days"), new_by_group=np.array(acc["eq_req"], dtype=float),
                              resolved_by_group=np.array(acc["eq_res"], dtype=float),
                              needs_by_group=np.array(self.acc_needs, dtype=float),
                              unmet_by_group=np.array(self.acc_unmet, dtype=float))

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
