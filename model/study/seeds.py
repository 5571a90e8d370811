"""The master seed and every random stream drawn from it, in one table.

A study, a sweep, a calibration and an analysis all start from one master seed (``--seed``,
``DEFAULT_SEED`` unless given). Each use of randomness draws from its own stream of that seed: a
NumPy ``SeedSequence`` with its own spawn key, so that no two uses share random numbers.

===============  ============  ===============================================================
stream           spawn key     what draws from it
===============  ============  ===============================================================
``replication``  ``(r,)``      replication r's model seed, the same in every scenario
                               (``replication_seeds``: ``SeedSequence(seed).spawn(R)``)
``design``       ``(1, 0)``    the design sampler: Latin hypercube, Morris, Sobol
``posterior``    ``(2, 0)``    which accepted rows of a calibration each replication uses
``sensitivity``  ``(3, i)``    the bootstrap of the sensitivity indices of the i-th outcome
``discovery``    ``(4, 0)``    the extra trees that score parameters in scenario discovery
``smc``          ``(5, g)``    ABC-SMC (calibrate --fit --method smc): NumPy's global generator, which pyabc
                               draws from, before population g is run; child 0 also resamples the last
                               population to equal weights
``smc-mcmc``     ``(6, t)``    ABC-SMC with Metropolis moves (--method smc-mcmc): population t's prior draws
                               (t = 0), resampling and steps
``app``          ``()``        the workshop app's one model, seeded with the master seed itself
===============  ============  ===============================================================

A replication's key has one number and every other stream's two, so they never meet;
``check_streams`` checks that no two streams share a spawn key or a first random number.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..metrics import METRIC_NAMES

DEFAULT_SEED = 20021          # the master seed of the API, the command line and the app
MAX_REPLICATIONS = 1000       # the command line's bound; the check covers this many replication keys
MAX_GENERATIONS = 100         # calibrate --fit --method smc and smc-mcmc: the most populations --generations allows

# stream -> (the spawn key it starts from, how many children it numbers under that key; 0: the key itself)
STREAMS: dict[str, tuple[tuple[int, ...], int]] = {
    "replication": ((), MAX_REPLICATIONS),
    "design": ((1,), 1),
    "posterior": ((2,), 1),
    "sensitivity": ((3,), len(METRIC_NAMES)),
    "discovery": ((4,), 1),
    "smc": ((5,), MAX_GENERATIONS),
    "smc-mcmc": ((6,), MAX_GENERATIONS),
    "app": ((), 0),
}


def stream(master_seed: int, name: str, index: int = 0) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` (a key of STREAMS), its child ``index`` where it numbers them."""
    start, width = STREAMS[name]
    if width == 0:
        return np.random.SeedSequence(master_seed, spawn_key=start)
    if not 0 <= index < width:
        raise ValueError(f"stream {name!r} has children 0 to {width - 1}, not {index}")
    return np.random.SeedSequence(master_seed, spawn_key=(*start, index))


def stream_seed(master_seed: int, name: str, index: int = 0) -> int:
    """One 32-bit seed from a stream, for a library that takes an integer seed."""
    return int(stream(master_seed, name, index).generate_state(1, dtype=np.uint32)[0])


def replication_seeds(master_seed: int, replications: int) -> list[int]:
    """Independent per-replication seeds derived from one master seed (NumPy SeedSequence).

    Replication r gets the same seed in every scenario (common random numbers), so
    scenario differences are not drowned by seed noise.
    """
    children = np.random.SeedSequence(master_seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def spawn_keys(streams: Mapping[str, tuple[tuple[int, ...], int]] = STREAMS) -> dict[tuple[int, ...], str]:
    """Every spawn key the streams use, each with its stream; ValueError if two streams share one."""
    used: dict[tuple[int, ...], str] = {}
    for name, (start, width) in streams.items():
        for key in [start] if width == 0 else [(*start, i) for i in range(width)]:
            if key in used:
                raise ValueError(f"streams {used[key]!r} and {name!r} both use spawn key {key}")
            used[key] = name
    return used


def check_streams(master_seed: int = DEFAULT_SEED,
                  streams: Mapping[str, tuple[tuple[int, ...], int]] = STREAMS) -> None:
    """ValueError if two streams of ``master_seed`` share a spawn key or their first random numbers."""
    first: dict[int, str] = {}
    for key, name in spawn_keys(streams).items():
        state = int(np.random.SeedSequence(master_seed, spawn_key=key).generate_state(1, dtype=np.uint64)[0])
        if state in first:
            raise ValueError(f"streams {first[state]!r} and {name!r} start with the same random numbers")
        first[state] = name
