"""Committee elections: modes, each committee's mandate and term schedule, turnout, the
seats contested and lost, and the orientation the last election gives the committee.

How residents decide to vote, and whether to back the incumbents, are resident rules
(Population.vote, Population.support); everything about the institution — when elections
fall due, who nominates, which seats are contested, who loses office, whether the director
was really elected — lives here. Challengers enter where residents' dissatisfaction, as their
representatives report it, passes a threshold. The elected members lean toward residents as
far as they expect to lose their seats: a chance learned from the last election's margin and
updated every month from the residents' current appraisal; members who beat an incumbent lean
further. An uncontested slate moves them no more than an appointment.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from .constants import EPSILON, MIDPOINT
from .population import sigmoid
from .states import AgeGroup

if TYPE_CHECKING:
    from .types import ElectionModel

NOT_SCHEDULED = -1


class ElectionMode(StrEnum):
    APPOINTED = "appointed"            # the street office appoints the committee
    REPRESENTATIVE = "representative"  # residents' representatives elect it
    HOUSEHOLD = "household"            # one representative per household votes
    RESIDENT = "resident"              # every registered resident votes


class Elections:
    """The mandates of all committees.

    A committee's first election falls in the first month its community's ``election_mode``
    is an elected mode, then every ``term_months``. Until then the committee serves under
    the mandate it has (appointed at the start)."""

    def __init__(self, model: ElectionModel):
        self.model = model
        C = model.n_communities
        self.mandate = np.full(C, ElectionMode.APPOINTED, dtype=object)
        self.next_election = np.full(C, NOT_SCHEDULED, dtype=np.int64)
        self.satisfaction_at_election = np.full(C, np.nan)
        self.turnout = np.zeros(C)
        self.personal_turnout = np.zeros(C)
        self.voted_old = np.zeros(C)         # share of the old who voted in person at the last election
        self.voted_young = np.zeros(C)       # share of the young who did
        self.seats = int(model.values["workers_per_committee"])
        self.support = np.zeros(C)           # incumbents' share of the ballots at the last election
        self.contested = np.zeros(C)         # share of seats contested at the last election
        self.lost = np.zeros(C)              # share of seats incumbents lost at the last election
        self.elected_director = np.zeros(C, dtype=bool)   # the director won a real election
        self.expected_loss = np.zeros(C)     # the elected members' expected chance of losing a seat

    def step(self) -> None:
        """(7) Hold the elections that fall due this month."""
        m = self.model
        month, values, pop = m.month, m.values, m.population
        mode = values["election_mode"]
        elected = mode != ElectionMode.APPOINTED
        self.next_election[elected & (self.next_election == NOT_SCHEDULED)] = month
        self.next_election[~elected] = NOT_SCHEDULED
        self.mandate[~elected] = ElectionMode.APPOINTED
        self.contested[~elected] = self.lost[~elected] = 0.0
        self.elected_director[~elected] = False
        self.expected_loss[~elected] = 0.0
        self.learn(np.flatnonzero(elected & (self.mandate != ElectionMode.APPOINTED)))
        due = elected & (self.next_election <= month) & (self.next_election != NOT_SCHEDULED)
        if not due.any():
            return
        mobilisation = m.committee_arrays.recruitment.copy()
        street_nominated = values["nomination"] == "street"
        by_residents = due & (mode != ElectionMode.REPRESENTATIVE)
        n_eligible = np.maximum(pop.per_community(pop.registered), 1.0)
        turnout, personal = np.zeros(m.n_communities), np.zeros(m.n_communities)
        support = np.ones(m.n_communities)
        if by_residents.any():
            ballots, in_person, backing, proxies = pop.vote(month, mode == ElectionMode.HOUSEHOLD,
                                                            values["proxy_voting"].astype(bool), by_residents,
                                                            mobilisation, street_nominated)
            turnout, personal = ballots / n_eligible, in_person / n_eligible
            voted_now = pop.last_vote == month
            old, young = pop.n_community_age[:, AgeGroup.OLD], pop.n_community_age[:, AgeGroup.YOUNG]
            self.voted_old[by_residents] = (pop.per_community(voted_now & pop.is_old)
                                            / np.maximum(old, 1))[by_residents]
            self.voted_young[by_residents] = (pop.per_community(voted_now & pop.is_young)
                                              / np.maximum(young, 1))[by_residents]
            # ballots follow their in-person voter's choice; proxies vote the nominated slate
            led = np.maximum(ballots - proxies, 0.0)
            mean_backing = np.divide(backing, in_person, out=np.ones(m.n_communities), where=in_person > 0)
            support = np.divide(mean_backing * led + proxies, ballots, out=np.ones(m.n_communities),
                                where=ballots > 0)
        by_representatives = due & (mode == ElectionMode.REPRESENTATIVE)
        if by_representatives.any():
            self.voted_old[by_representatives] = self.voted_young[by_representatives] = 0.0   # no resident votes
            p = m.values
            households = np.diff(pop.hh_comm_start)
            seats = np.maximum(1, np.round(households * p["representatives_per_household"])).astype(np.int64)
            voted = m.rng.binomial(seats, p["representative_turnout"])
            turnout = np.where(by_representatives, voted / seats, turnout)
            personal = np.where(by_representatives, voted / n_eligible, personal)
            # representatives are residents who know the committee
            knowing = pop.registered & pop.aware
            backing = pop.per_community(np.where(knowing, pop.support(street_nominated), 0.0))
            support = np.where(by_representatives,
                               np.divide(backing, pop.per_community(knowing), out=np.ones(m.n_communities),
                                         where=pop.per_community(knowing) > 0), support)
        self.turnout[due], self.personal_turnout[due] = turnout[due], personal[due]
        self.satisfaction_at_election[due] = (pop.per_community(pop.satisfaction) / pop.sizes)[due]
        self.mandate[due] = mode[due]
        self.next_election[due] = month + values["term_months"][due].astype(np.int64)
        self._contest(due, support, street_nominated)

    def dissatisfaction(self, idx: np.ndarray) -> np.ndarray:
        """Residents' dissatisfaction as their representatives report it: one less the mean
        satisfaction of the residents (the committee's appraisal)."""
        return 1 - self.model.committee_arrays.appraisal[idx]

    def challenge(self, idx: np.ndarray) -> np.ndarray:
        """Chance a seat open to contest (the ``contested_seats`` rule) draws a challenger:
        logistic in how far dissatisfaction passes ``challenger_threshold``."""
        p = self.model.values
        entry = sigmoid(p["challenger_steepness"] * (self.dissatisfaction(idx) - p["challenger_threshold"]))
        return p["contested_seats"][idx] * entry

    def loss_chance(self, idx: np.ndarray, support: np.ndarray) -> np.ndarray:
        """Chance an incumbent loses a seat: it is contested, and support falls short of half."""
        return self.challenge(idx) * sigmoid(self.model.values["loss_steepness"] * (MIDPOINT - support))

    def learn(self, idx: np.ndarray) -> None:
        """The elected members update their expected chance of losing: the support the last
        election gave, moved by how the residents' satisfaction has changed since (through
        the voters' own weight on satisfaction), read through today's chance of a challenge;
        they move toward it over ``loss_memory_months``."""
        if not idx.size:
            return
        p = self.model.values
        since = self.model.committee_arrays.appraisal[idx] - np.nan_to_num(self.satisfaction_at_election[idx])
        last = np.clip(self.support[idx], EPSILON, 1 - EPSILON)
        support = sigmoid(np.log(last / (1 - last)) + p["support_satisfaction_weight"] * since)
        implied = self.loss_chance(idx, support)
        self.expected_loss[idx] += (implied - self.expected_loss[idx]) / p["loss_memory_months"]

    def _contest(self, due: np.ndarray, support: np.ndarray, street_nominated: np.ndarray) -> None:
        """Which elected seats had more candidates than seats, and which incumbents lost them.

        Of the committee's seats, the first ``elected_seats`` share are elected (seat 0 is
        the director's). Each is contested with the chance a challenger enters (``challenge``);
        an incumbent loses a contested seat with a chance logistic in how far the incumbents'
        support falls short of half. A lost seat goes to a newcomer
        (CommitteeArrays.replace_lost). The members then expect to lose as the margin says."""
        m, p = self.model, self.model.values
        held = np.flatnonzero(due)
        n_elected = np.maximum(1, np.round(p["elected_seats"][held] * self.seats)).astype(np.int64)
        seat = np.arange(self.seats)[None, :] < n_elected[:, None]
        draws = m.rng.random((held.size, self.seats))
        contested = seat & (draws < self.challenge(held)[:, None])
        lose = sigmoid(p["loss_steepness"] * (MIDPOINT - support[held]))
        lost = contested & (m.rng.random((held.size, self.seats)) < lose[:, None])
        self.support[held] = support[held]
        self.contested[held] = contested.sum(axis=1) / n_elected
        self.lost[held] = lost.sum(axis=1) / n_elected
        self.expected_loss[held] = self.loss_chance(held, support[held])
        self.elected_director[held] = contested[:, 0] | ~street_nominated[held]
        m.committee_arrays.replace_lost(held, lost)

    def elected(self, community: int) -> bool:
        return self.mandate[community] != ElectionMode.APPOINTED

    def orientation(self, community: int) -> float:
        """Weight the committee of ``community`` gives residents' demands (see orientations)."""
        return float(self.orientations(np.array([community]))[0])

    def appointed_orientation(self, idx: np.ndarray) -> np.ndarray:
        """The weight an appointed member gives residents' demands: the appointed weight, more
        where residents appraise the committee."""
        p = self.model.values
        w = np.full(len(idx), float(p["orientation_appointed"]))
        return np.where(p["resident_appraisal"][idx].astype(bool), w + p["orientation_appraisal_boost"], w)

    def orientations(self, idx: np.ndarray) -> np.ndarray:
        """Weight the elected members of the committees ``idx`` give residents' demands (0:
        only upward, 1: only residents); under an appointment, an appointed member's.

        The appointed weight, plus: a director who won a real election; the members'
        expected chance of losing their seats (``learn``), times ``orientation_loss_weight``;
        members who beat an incumbent. How funding tied to the street office's ranking pulls
        the hired workers upward is learned by the committee (CommitteeArrays.adapt)."""
        p = self.model.values
        w = self.appointed_orientation(idx)
        elected = (w + p["orientation_elected_director"] * self.elected_director[idx]
                   + p["orientation_loss_weight"] * self.expected_loss[idx]
                   + p["orientation_newcomer_weight"] * self.lost[idx])
        w = np.where(self.mandate[idx] != ElectionMode.APPOINTED, elected, w)
        return np.clip(w, p["orientation_min"], p["orientation_max"])
