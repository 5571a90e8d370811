"""Experimental designs over the registry's parameters: which values each run of a sweep uses.

A *factor* is a registry parameter varied over a range: by default every ``uncertainty``
parameter over its plausible range (``plausible_low`` .. ``plausible_high``). Any numeric base
or reform parameter (``burden_reduction.ledgers``) can be a factor with a range given by the
user. The samplers are SALib's (Latin hypercube, Morris trajectories, Sobol/Saltelli); the full
factorial is a plain product of evenly spaced levels. The sampler's seed comes from the master
seed through NumPy's SeedSequence, so a design is reproduced exactly from the command line.
"""

from __future__ import annotations

import itertools
import math
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..parameters import PARAMETERS
from .seeds import stream_seed

METHODS = ("lhs", "factorial", "morris", "sobol")
MORRIS_LEVELS = 4            # grid levels of a Morris trajectory (SALib's default, Saltelli et al. 2008)
MAX_POINTS = 1_000_000       # a design larger than this is a typing error, not a study
LARGE_DESIGN = 100_000       # from this many points on, say how many before drawing them
DESIGN_BYTES_PER_VALUE = 64  # rough: 1,000,000 x 174 was still being planned at 4.3 GB (25 bytes a value)


@dataclass(frozen=True)
class Factor:
    """One varied parameter: its registry name and the range it is sampled over."""

    name: str
    low: float
    high: float

    @property
    def integer(self) -> bool:
        return PARAMETERS[self.name].kind is int


def default_factors() -> list[Factor]:
    """Every ``uncertainty`` parameter over its plausible range."""
    return [Factor(param.name, float(param.plausible_low), float(param.plausible_high))
            for param in PARAMETERS.values() if param.role == "uncertainty"]


def parse_factor(text: str, source: str = "parse_factor", field: str = "text=") -> Factor:
    """``NAME`` (its plausible range) or ``NAME=LOW:HIGH``; checked against the registry."""
    name, equals, span = text.partition("=")
    name = name.strip()
    param = PARAMETERS.get(name)
    if param is None:
        raise InputError(source, field, "a parameter name from `run.py params` (NAME or NAME=LOW:HIGH)", text)
    if param.kind not in (int, float) or param.choices:
        raise InputError(source, field, f"a numeric parameter ({name} is {param.expected()})", text)
    if equals and not span.strip():
        raise InputError(source, field, f"NAME or NAME=LOW:HIGH, not an empty range after '=' (e.g. {name} "
                         f"alone for its plausible range)", text)
    if span:
        try:
            low, high = (float(x) for x in span.split(":"))
        except ValueError:
            raise InputError(source, field, f"NAME=LOW:HIGH with two numbers, e.g. {name}={param.low:g}:{param.high:g}",
                             text) from None
    elif param.plausible_low is not None:
        low, high = float(param.plausible_low), float(param.plausible_high)
    else:
        raise InputError(source, field, f"a range for {name}, which has no plausible range in the registry "
                         f"(give {name}=LOW:HIGH within [{param.low:g}, {param.high:g}])", text)
    if not (math.isfinite(low) and math.isfinite(high) and param.low <= low < high <= param.high):
        raise InputError(source, field, f"LOW < HIGH within {name}'s valid range [{param.low:g}, {param.high:g}]", text)
    return Factor(name, low, high)


def check_factor(factor: object, source: str = "Python API") -> Factor:
    """A Factor built in Python passes the same checks as one given with --vary."""
    if not isinstance(factor, Factor):
        raise InputError(source, "factors", "a list of Factor(name, low, high)", factor)
    try:
        low, high = float(factor.low), float(factor.high)
    except (TypeError, ValueError):
        raise InputError(source, f"Factor({factor.name!r})", "numbers low < high", (factor.low, factor.high)) from None
    return parse_factor(f"{factor.name}={low!r}:{high!r}", source, f"Factor({factor.name!r})")


def factors_from(texts: list[str] | None, source: str = "factors_from") -> list[Factor]:
    """The factors named (each once), or the default set when none is named."""
    if not texts:
        return default_factors()
    factors = [parse_factor(t, source, "texts=") for t in texts]
    names = [f.name for f in factors]
    if len(set(names)) != len(names):
        raise InputError(source, "texts=", "each parameter once", ", ".join(names))
    return factors


def problem(factors: list[Factor]) -> dict:
    """The SALib problem definition of these factors."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}


def sampler_seed(master_seed: int) -> int:
    """The sampler's seed, its own stream of the master seed (not shared with any replication)."""
    return stream_seed(master_seed, "design")


@dataclass(frozen=True)
class Design:
    """The points of a design: one row per point, one column per factor (typed as the registry)."""

    method: str
    factors: tuple[Factor, ...]
    points: pd.DataFrame
    samples: int

    @property
    def problem(self) -> dict:
        return problem(list(self.factors))

    def values(self, i: int) -> dict:
        """Point ``i`` as parameter overrides (integers where the registry has integers)."""
        row = self.points.iloc[i]
        return {f.name: (int(row[f.name]) if f.integer else float(row[f.name])) for f in self.factors}

    def describe(self) -> dict:
        return {"method": self.method, "samples": self.samples, "points": len(self.points),
                "factors": [{"name": f.name, "low": f.low, "high": f.high} for f in self.factors]}


def count_points(method: str, samples: int, k: int) -> int:
    """How many points a design will have, before drawing it."""
    return {"lhs": samples, "factorial": samples ** k, "morris": samples * (k + 1),
            "sobol": samples * (k + 2)}[method]


def make_design(method: str, factors: list[Factor], samples: int, master_seed: int,
                source: str = "make_design") -> Design:
    """Draw a design. ``samples`` is the number of points (lhs), levels per factor (factorial),
    trajectories (morris) or the base sample N of Saltelli's scheme (sobol, N x (k + 2) points,
    first and total order)."""
    if method not in METHODS:
        raise InputError(source, "method=", "one of " + ", ".join(METHODS), method)
    if not factors:
        raise InputError(source, "factors=", "at least one parameter to vary")
    for f in factors:
        check_factor(f, source)
    low = 2 if method in ("factorial", "morris", "sobol") else 1
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < low:
        raise InputError(source, "samples=", f"an integer >= {low} for the {method} design", samples)
    if method == "factorial" and len(factors) * math.log10(samples) > math.log10(MAX_POINTS):
        raise InputError(source, "samples=", f"a factorial design of at most {MAX_POINTS:,} points "
                         f"({samples} levels ^ {len(factors)} factors is far more; vary fewer factors)", samples)
    n = count_points(method, samples, len(factors))
    if n > MAX_POINTS:
        raise InputError(source, "samples=", f"a design of at most {MAX_POINTS:,} points, got {n:,}", samples)
    from ..scenario import check_memory
    # the sample, its table and the planned runs hold each value a few times over
    needed = n * len(factors) * DESIGN_BYTES_PER_VALUE
    check_memory(needed, source, "samples=", f"a design of {n:,} points x {len(factors)} parameters",
                 per_process=needed)
    if n >= LARGE_DESIGN:
        print(f"Planning a {method} design of {n:,} points x {len(factors)} parameters (each point runs once per "
              "scenario and replication); drawing and checking it takes a while", file=sys.stderr, flush=True)
    prob, seed = problem(factors), sampler_seed(master_seed)
    if method == "lhs":
        from SALib.sample import latin
        x = latin.sample(prob, samples, seed=seed)
    elif method == "morris":
        from SALib.sample import morris
        x = morris.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=seed)
    elif method == "sobol":
        from SALib.sample import sobol
        if samples & (samples - 1):
            print(f"warning: --samples {samples} is not a power of two; Saltelli's Sobol sequence is balanced "
                  "only at powers of two (e.g. 64, 128, 256), so the indices converge more slowly",
                  file=sys.stderr)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Sobol'")   # said once, above
            x = sobol.sample(prob, samples, calc_second_order=False, seed=seed)
    else:
        levels = [np.linspace(f.low, f.high, samples) for f in factors]
        x = np.array(list(itertools.product(*levels)), dtype=float)
    points = pd.DataFrame(x, columns=[f.name for f in factors])
    for f in factors:
        if f.integer:
            points[f.name] = np.rint(points[f.name]).astype(int)
    return Design(method, tuple(factors), points, samples)

