"""The district's layout: streets, their communities, and how many real residents each has.

Communities may differ in size (the seed district's committees were very unequal). A
scenario gives ``community_sizes`` as ``"equal"`` (every community has
``residents_per_community``), a list per street of real resident counts, or a distribution
``{ distribution = "lognormal", cv = 0.4, seed = 7 }`` around ``residents_per_community``
drawn with its own seed, so the same file always describes the same district.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .constants import MIN_SIMULATED_PER_COMMUNITY

MAX_RESIDENTS = 200_000     # one community; larger is a district, not a community
DISTRIBUTIONS = ("lognormal",)
MAX_CV = 3.0


def check_sizes(value: Any, n_streets: int, per_street: int) -> str | None:
    """What was expected if ``value`` is not a valid community_sizes, else None."""
    if value == "equal":
        return None
    if isinstance(value, dict):
        if set(value) != {"distribution", "cv", "seed"} or value["distribution"] not in DISTRIBUTIONS:
            return "a table { distribution = \"lognormal\", cv = <number in (0, 3]>, seed = <integer> }"
        cv, seed = value["cv"], value["seed"]
        if isinstance(cv, bool) or not isinstance(cv, (int, float)) or not 0 < cv <= MAX_CV:
            return "cv as a number in (0, 3]"
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            return "seed as a non-negative integer"
        return None
    shape = f"\"equal\", a distribution table, or a list of {n_streets} lists of {per_street} resident counts"
    if not isinstance(value, list) or len(value) != n_streets:
        return shape
    for street in value:
        if not isinstance(street, list) or len(street) != per_street:
            return shape
        for size in street:
            if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_RESIDENTS:
                return f"resident counts as integers in [1, {MAX_RESIDENTS}]"
    return None


def real_sizes(base) -> np.ndarray:
    """Real residents of every community, in district order (street by street)."""
    n = base["n_streets"] * base["communities_per_street"]
    value = base["community_sizes"]
    if value == "equal":
        return np.full(n, float(base["residents_per_community"]))
    if isinstance(value, dict):
        sigma = np.sqrt(np.log1p(value["cv"] ** 2))
        draws = np.random.default_rng(value["seed"]).lognormal(-sigma ** 2 / 2, sigma, n)
        return np.maximum(1.0, np.round(base["residents_per_community"] * draws))
    return np.array([size for street in value for size in street], dtype=float)


def simulated_sizes(base) -> np.ndarray:
    """Simulated residents of every community: real residents times the scale, at least a floor."""
    return np.maximum(MIN_SIMULATED_PER_COMMUNITY, np.round(real_sizes(base) * base["scale"])).astype(np.int64)
