"""The value of every parameter in force, per community and month.

Reforms are dated, scoped changes to registry values (in the manner of OpenFisca's dated
parameters): from its start month a reform sets the values it names for the communities in
its scope. Levers (parameters some reform sets) are held as one value per community; every
other parameter is fixed for the run. ``values[name]`` is the one way to read a value in force
now (an array over communities for a lever, a scalar otherwise); ``values.at(name, month,
community)`` reads it for any recorded month. ``values.changes`` is what ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .parameters import LEVERS

if TYPE_CHECKING:
    from .scenario import Reform


@dataclass(frozen=True)
class Change:
    """One value set by a reform: from ``month`` on, ``name`` is ``value`` in ``communities``."""

    month: int
    kind: str
    name: str
    value: Any
    communities: tuple[int, ...]


class ValuesInForce(dict):
    """Every parameter by name: a scalar for a fixed parameter, one value per community (an
    array, changed in place by reforms) for a lever. A dict, so that reading a value — done
    tens of thousands of times a month — is a plain lookup."""

    def __init__(self, base: dict[str, Any], n_streets: int, per_street: int, reforms: list[Reform] = ()):
        self.base = dict(base)
        self.n_streets, self.per_street = n_streets, per_street
        self.n_communities = n_streets * per_street
        self.pending = sorted(reforms, key=lambda r: r.start_month)   # stable: file order within a month
        self.changes: list[Change] = []
        self.levers = {name: np.full(self.n_communities, self.base[name]) for name in LEVERS}
        super().__init__({**self.base, **self.levers})

    def advance(self, month: int) -> list[Reform]:
        """Apply every pending reform whose start month has come; return them."""
        started = []
        while self.pending and self.pending[0].start_month <= month:
            reform = self.pending.pop(0)
            mask = reform.scope.mask(self.n_streets, self.per_street)
            where = tuple(int(c) for c in np.flatnonzero(mask))
            for name, value in reform.params.items():
                self.levers[name][mask] = value
                self.changes.append(Change(month, reform.kind, name, value, where))
            started.append(reform)
        return started

    def at(self, name: str, month: int, community: int) -> Any:
        """The value of ``name`` in force in ``community`` at ``month`` (a month already run)."""
        value = self.base[name]
        for change in self.changes:
            if change.month <= month and change.name == name and community in change.communities:
                value = change.value
        return value

    def log(self) -> list[dict[str, Any]]:
        """The changes that ran, for manifests and readers."""
        return [{"month": c.month, "reform": c.kind, "parameter": c.name, "value": c.value,
                 "communities": list(c.communities)} for c in self.changes]
