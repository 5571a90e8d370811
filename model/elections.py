"""Committee elections: modes, each committee's mandate and term schedule, turnout, the
seats contested and lost, and the orientation the last election gives the committee.

How residents decide to vote, and whether to back the incumbents, are resident rules
(Population.vote, Population.support); everything about the institution — when elections
fall due, who nominates, which seats are contested, who loses office, whether the director
was really elected — lives here. A committee leans toward residents as far as its members
can lose: contested seats in a close race watched by many voters, and members who beat an
incumbent, move it; an uncontested slate moves it no more than an appointment.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from .constants import MIDPOINT
from .population import sigmoid

if TYPE_CHECKING:
    from .governance import GovernanceModel

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

    def __init__(self, model: GovernanceModel):
        self.model = model
        C = model.n_communities
        self.mandate = np.full(C, ElectionMode.APPOINTED, dtype=object)
        self.next_election = np.full(C, NOT_SCHEDULED, dtype=np.int64)
        self.satisfaction_at_election = np.full(C, np.nan)
        self.turnout = np.zeros(C)
        self.personal_turnout = np.zeros(C)
        self.seats = int(model.values["workers_per_committee"])
        self.support = np.zeros(C)           # incumbents' share of the ballots at the last election
        self.contested = np.zeros(C)         # share of seats contested at the last election
        self.lost = np.zeros(C)              # share of seats incumbents lost at the last election
        self.elected_director = np.zeros(C, dtype=bool)   # the director won a real election

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
            # ballots follow their in-person voter's choice; proxies vote the nominated slate
            led = np.maximum(ballots - proxies, 0.0)
            mean_backing = np.divide(backing, in_person, out=np.ones(m.n_communities), where=in_person > 0)
            support = np.divide(mean_backing * led + proxies, ballots, out=np.ones(m.n_communities),
                                where=ballots > 0)
        by_representatives = due & (mode == ElectionMode.REPRESENTATIVE)
        if by_representatives.any():
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

    def _contest(self, due: np.ndarray, support: np.ndarray, street_nominated: np.ndarray) -> None:
        """Which seats had more candidates than seats, and which incumbents lost them.

        Each seat (seat 0 is the director's) is contested with chance ``contested_seats``; an
        incumbent loses a contested seat with a chance logistic in how far the incumbents'
        support falls short of half. A lost seat goes to a newcomer with entry skill."""
        m, p = self.model, self.model.values
        held = np.flatnonzero(due)
        draws = m.rng.random((held.size, self.seats))
        contested = draws < p["contested_seats"][held, None]
        lose = sigmoid(p["loss_steepness"] * (MIDPOINT - support[held]))
        lost = contested & (m.rng.random((held.size, self.seats)) < lose[:, None])
        self.support[held] = support[held]
        self.contested[held] = contested.mean(axis=1)
        self.lost[held] = lost.mean(axis=1)
        self.elected_director[held] = contested[:, 0] | ~street_nominated[held]
        entry = p["entry_skill"]
        for row, c in enumerate(held):
            if lost[row].any():
                committee = m.committees[c]
                bonus = p["training_skill"] if committee.lever("training") else 0.0
                committee.skill[lost[row]] = min(1.0, entry + bonus)

    def elected(self, community: int) -> bool:
        return self.mandate[community] != ElectionMode.APPOINTED

    def orientation(self, community: int) -> float:
        """Weight the committee of ``community`` gives residents' demands (see orientations)."""
        return float(self.orientations(np.array([community]))[0])

    def orientations(self, idx: np.ndarray) -> np.ndarray:
        """Weight the committees ``idx`` give residents' demands (0: only upward, 1: only residents).

        An appointed committee's weight, plus what the last election gave: a director who won
        a real election; contested seats, the more so in a close race, with many voters in
        person and with residents dissatisfied when it was held (the members want to keep
        their seats); members who beat an incumbent. Resident appraisal adds to it. How funding
        tied to the street office's ranking pulls it upward is learned by the committee itself
        (Committee.adapt)."""
        p = self.model.values
        w = p["orientation_appointed"]
        w = np.where(p["resident_appraisal"][idx].astype(bool), w + p["orientation_appraisal_boost"], w)
        closeness = 1 - abs(2 * self.support[idx] - 1)
        contested = self.contested[idx]
        elected = (w + (p["orientation_elected_director"] * self.elected_director[idx]
                        + contested * (p["orientation_contest_weight"] * closeness
                                       + p["orientation_turnout_weight"] * self.personal_turnout[idx]
                                       + p["orientation_reelection_weight"]
                                       * (1 - self.satisfaction_at_election[idx]))
                        + p["orientation_newcomer_weight"] * self.lost[idx]))
        w = np.where(self.mandate[idx] != ElectionMode.APPOINTED, elected, w)
        return np.clip(w, p["orientation_min"], p["orientation_max"])
