"""What one month hands to the metrics: a single record, gathered once from the actors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .population import Population, ServiceOutcome


@dataclass(frozen=True)
class MonthRecord:
    """The month's results, per community unless said otherwise."""

    month: int
    population: Population          # residents' state after the month
    service: ServiceOutcome         # requests raised, served and resolved this month
    committee_hours: np.ndarray     # paid hours
    admin_hours: np.ndarray         # hours on administrative work (tasks, ledgers, meetings, ...)
    incoming_tasks: np.ndarray      # tasks pushed down this month
    agenda_share: np.ndarray        # share of agenda items raised by residents
    funding: np.ndarray             # committee funding, yuan/month
    worker_turnover: np.ndarray     # exits per worker, last 12 months
    worker_skill: np.ndarray        # mean skill of the workers
    turnout: np.ndarray             # at the last election (0 before any)
    personal_turnout: np.ndarray
    voted_old: np.ndarray           # share of the old, and of the young, who voted in person at the last election
    voted_young: np.ndarray
    elected: np.ndarray             # the committee serves under an elected mandate
    contested: np.ndarray           # share of seats contested at the last election
    lost: np.ndarray                # share of seats incumbents lost at the last election
    ledgers: np.ndarray             # the overhead committees practise (the rule plus regrowth)
    plaques: np.ndarray
    inspections_per_year: np.ndarray
    meetings_per_month: np.ndarray
    department_spending: float      # departments' spending this month, district total, yuan
    public_spending: np.ndarray     # all public spending this month, yuan
    government_due: np.ndarray      # government tasks whose deadline ended this month
    government_on_time: np.ndarray  # of those, done by the deadline
    real_sizes: np.ndarray          # real residents per community
    workers_per_committee: int
    scale: float
    committee_backlog: np.ndarray   # pushed-down tasks pending in the committee
    money_paid: np.ndarray          # task money that reached the committee this month, yuan
    money_due: np.ndarray           # task money due for this month's pushed-down tasks, yuan
    elected_members: np.ndarray     # share of members in the elected decision layer
    displaced_tasks: np.ndarray     # tasks departments' pushdown displaced onto the committee this month
    incidents: np.ndarray           # expected safety incidents this month
    disputes: np.ndarray            # expected property disputes this month
    disputes_unresolved: np.ndarray  # of which expected unresolved
