"""The floor: the least work a month could cost at this population size.

``FloorProbe`` builds the same ``Population`` as the model and then, each step, reads and
writes every resident state array once (and every household array), doing nothing else:
one pass over each array's bytes (``x ^= 0`` on a byte view, which numpy cannot skip).
Any model that updates its residents' state every month must at least do this; the
benchmark reports how far the full model's time per step is from it.

The arrays are the population's public per-resident and per-household arrays (attributes
whose first dimension is the number of residents or of households), static ones included,
since the model reads those every month too.
"""

from __future__ import annotations

import time

import numpy as np

from model.district import simulated_sizes
from model.parameters import base_defaults
from model.population import Population


def state_arrays(pop: Population) -> dict[str, np.ndarray]:
    """Public per-resident and per-household arrays of a population."""
    sizes = {pop.n, pop.n_households}
    return {name: value for name, value in vars(pop).items()
            if not name.startswith("_") and isinstance(value, np.ndarray) and value.ndim >= 1
            and value.shape[0] in sizes}


class FloorProbe:
    def __init__(self, overrides: dict | None = None, seed: int = 1):
        p = {**base_defaults(), **(overrides or {})}
        self.population = Population(p, np.random.default_rng(seed), simulated_sizes(p))
        # byte views, made once: a pass over a view touches exactly the array's memory
        self.views = [np.ascontiguousarray(a).reshape(-1).view(np.uint8)
                      for a in state_arrays(self.population).values()]

    @property
    def bytes_per_step(self) -> int:
        return sum(v.nbytes for v in self.views)

    def step(self) -> None:
        for v in self.views:
            np.bitwise_xor(v, 0, out=v)

    def run(self, steps: int) -> float:
        """Run ``steps`` steps; return the wall time in seconds."""
        started = time.perf_counter()
        for _ in range(steps):
            self.step()
        return time.perf_counter() - started
