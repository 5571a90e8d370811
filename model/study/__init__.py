"""Running replications of scenarios and keeping their results.

The names a notebook needs are importable from here (``from model.study import run_study``);
each is loaded on first use, so importing one module of the package does not load the others.
"""

from importlib import import_module

_EXPORTS = {
    "DEFAULT_SEED": "seeds", "run_study": "experiment", "summarise": "experiment", "band": "experiment",
    "paired_differences": "comparison", "ROBUST_SHARE": "comparison",
    "plausible_sets": "uncertainty", "posterior_sets": "uncertainty",
    "factors_from": "design", "make_design": "design",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
