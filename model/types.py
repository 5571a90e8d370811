"""What the model's components read of the model and of each other, as small Protocols.

A component is handed the model (a Mesa agent needs it) but types it as one of these, not as
``GovernanceModel``: each Protocol names the few attributes its readers use, so the interface
between the schedule and the actors is written down, and a component that reaches for more
shows in review (the pattern of OpenFisca-core's ``types.py``). This module imports only the
base layer, so the actors need not import the model that imports them
(tests/test_layering.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from .values import ValuesInForce
from .work import TaskQueue


class Model(Protocol):
    """What every component reads: the values in force, the one random generator, the month
    and the district's communities."""

    values: ValuesInForce
    rng: np.random.Generator
    month: int
    n_communities: int
    real_sizes: np.ndarray


class Overhead(Protocol):
    """The district government as owners and committees see it (government.py)."""

    monitoring: np.ndarray
    practiced: dict[str, np.ndarray]


class Mandates(Protocol):
    """The elections as the committees see them (elections.py)."""

    mandate: np.ndarray

    def elected(self, community: int) -> bool: ...
    def appointed_orientation(self, idx: np.ndarray) -> np.ndarray: ...
    def orientations(self, idx: np.ndarray) -> np.ndarray: ...


class Households(Protocol):
    """The residents as the committees see them (population.py)."""

    hh_comm_start: np.ndarray
    raised_items: np.ndarray


class Electorate(Households, Protocol):
    """The residents as the elections see them (population.py)."""

    registered: np.ndarray
    aware: np.ndarray
    satisfaction: np.ndarray
    sizes: np.ndarray

    def per_community(self, values: Any) -> np.ndarray: ...
    def support(self, street_nominated: np.ndarray) -> np.ndarray: ...
    def vote(self, month: int, household_mode: np.ndarray, proxy: np.ndarray, due: np.ndarray,
             mobilisation: np.ndarray, street_nominated: np.ndarray) -> tuple[np.ndarray, ...]: ...


class Members(Protocol):
    """The committees' arrays as the elections read and write them (committees.py)."""

    recruitment: np.ndarray
    appraisal: np.ndarray

    def replace_lost(self, idx: np.ndarray, lost: np.ndarray) -> None: ...


class Ranked(Protocol):
    """The committees' arrays as the task owners and street offices read and write them
    (committees.py): what is pushed down, paid, inspected, ranked and funded."""

    incoming: np.ndarray
    assigned: np.ndarray
    inspections: np.ndarray
    refused: np.ndarray
    money: np.ndarray
    money_due: np.ndarray
    completion: np.ndarray
    appraisal: np.ndarray
    overdue: np.ndarray
    overdue_veto: np.ndarray
    overdue_rate: np.ndarray
    funding: np.ndarray

    def appraisal_weight(self, idx: np.ndarray) -> np.ndarray: ...
    def adapt(self, idx: np.ndarray, stake: float, overdue: np.ndarray | float = 0.0) -> None: ...


class Centre(Protocol):
    """The acceptance centre as the task owners see it."""

    turned_away_share: float

    def take(self, wanted: np.ndarray) -> np.ndarray: ...


class CommitteeModel(Model, Protocol):
    """What the committees' rules read (committees.py)."""

    elections: Mandates
    government: Overhead
    population: Households
    committee_veto: TaskQueue

    def committee_backlog(self) -> np.ndarray: ...


class ElectionModel(Model, Protocol):
    """What the elections read (elections.py)."""

    population: Electorate
    committee_arrays: Members


class OwnerModel(Model, Protocol):
    """What the owners' rules (owners.py), the acceptance centre and the owner, committee and
    resident views (agents.py) read."""

    government: Overhead
    committee_arrays: Ranked
    committee_tasks: TaskQueue
    committee_veto: TaskQueue
    community_work: TaskQueue
    community_generated_total: float
    owner_arrays: Any    # the owners' state (owners.OwnerArrays), which the owner views read
    centre: Centre | None
    population: Any      # the Resident view reads any resident field by name
    street_functions: tuple[Any, ...]    # the street offices' functions (work.StreetFunction), in list order
    function_volumes: np.ndarray
    government_functions: np.ndarray

    def centre_coverage(self) -> np.ndarray: ...

    def functions_moved(self) -> np.ndarray: ...


class OrderModel(Model, Protocol):
    """What public security and property management read (order.py)."""

    departments: Sequence[Any]
    committee_veto: TaskQueue
    committee_arrays: Any
    real_sizes: np.ndarray

    def committee_values(self, name: str) -> np.ndarray: ...
