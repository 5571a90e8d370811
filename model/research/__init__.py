"""Designs over the parameters, and what is learned from them: sweeps, sensitivity, scenario
discovery, calibration and fitting. ``folder`` keeps each run's results folder.

The names a notebook needs are importable from here (``from model.research import run_sweep``),
as are the ``discovery``, ``fitting`` and ``sensitivity`` modules; each is loaded on first use.
"""

from importlib import import_module

_EXPORTS = {
    "CHECKS": "calibration", "run_sweep": "sweep", "load_sweep": "sweep", "ema_model": "ema",
    "factors_from": "..study.design", "make_design": "..study.design",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    where = _EXPORTS[name]
    module = import_module(where, __name__) if where.startswith(".") else import_module(f"{__name__}.{where}")
    return getattr(module, name)
