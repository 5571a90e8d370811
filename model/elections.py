"""Committee elections: modes, each committee's mandate and term schedule, turnout, and the
orientation a mandate gives the committee.

How residents decide to vote is a resident rule (Population.vote); everything about the
institution — when elections fall due, how ballots become turnout, what the sitting
committee was elected under and on what satisfaction — lives here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

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

    def step(self) -> None:
        """(7) Hold the elections that fall due this month."""
        m = self.model
        month, values, pop = m.month, m.values, m.population
        mode = values["election_mode"]
        elected = mode != ElectionMode.APPOINTED
        self.next_election[elected & (self.next_election == NOT_SCHEDULED)] = month
        self.next_election[~elected] = NOT_SCHEDULED
        self.mandate[~elected] = ElectionMode.APPOINTED
        due = elected & (self.next_election <= month) & (self.next_election != NOT_SCHEDULED)
        if not due.any():
            return
        mobilisation = np.array([c.recruitment for c in m.committees])
        by_residents = due & (mode != ElectionMode.REPRESENTATIVE)
        n_eligible = np.maximum(pop.per_community(pop.registered), 1.0)
        turnout, personal = np.zeros(m.n_communities), np.zeros(m.n_communities)
        if by_residents.any():
            ballots, in_person = pop.vote(month, mode == ElectionMode.HOUSEHOLD,
                                          values["proxy_voting"].astype(bool), by_residents, mobilisation)
            turnout, personal = ballots / n_eligible, in_person / n_eligible
        by_representatives = due & (mode == ElectionMode.REPRESENTATIVE)
        if by_representatives.any():
            p = m.values
            households = np.diff(pop.hh_comm_start)
            seats = np.maximum(1, np.round(households * p["representatives_per_household"])).astype(np.int64)
            voted = m.rng.binomial(seats, p["representative_turnout"])
            turnout = np.where(by_representatives, voted / seats, turnout)
            personal = np.where(by_representatives, voted / n_eligible, personal)
        self.turnout[due], self.personal_turnout[due] = turnout[due], personal[due]
        self.satisfaction_at_election[due] = (pop.per_community(pop.satisfaction) / pop.sizes)[due]
        self.mandate[due] = mode[due]
        self.next_election[due] = month + values["term_months"][due].astype(np.int64)

    def elected(self, community: int) -> bool:
        return self.mandate[community] != ElectionMode.APPOINTED

    def orientation(self, community: int) -> float:
        """Weight the committee gives residents' demands (0: only upward, 1: only residents).

        A base weight per mandate; resident appraisal adds to it; an elected committee leans
        further toward residents the less satisfied they were when it was elected (it wants
        re-election). How funding tied to the street office's ranking pulls it upward is
        learned by the committee itself (Committee.adapt)."""
        p = self.model.values
        mode = self.mandate[community]
        w = p[f"orientation_{mode}"]
        appraisal = bool(p["resident_appraisal"][community])
        if appraisal:
            w += p["orientation_appraisal_boost"]
        if mode != ElectionMode.APPOINTED:
            w += p["orientation_reelection_weight"] * (1 - self.satisfaction_at_election[community])
        return float(np.clip(w, p["orientation_min"], p["orientation_max"]))
