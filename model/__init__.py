"""Shequ: an agent-based model of urban community-governance reform (Mesa).

The names below are imported on first use (PEP 562), so ``import model`` itself is quick: the
``shequ`` command starts in this package (``model.launcher``) and has to be able to end with one
line on a Ctrl-C during the second that the model's own imports (Mesa, pandas) take.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_MODULE_OF = {
    "GovernanceModel": "governance",
    "InputError": "errors",
    "METRICS": "metrics",
    "METRIC_NAMES": "metrics",
    "PARAMETERS": "parameters",
    "REFORM_KINDS": "parameters",
    "Reform": "scenario",
    "Scenario": "scenario",
    "list_scenarios": "scenario",
    "load_scenario": "scenario",
}

__all__ = ["GovernanceModel", "InputError", "METRICS", "METRIC_NAMES", "PARAMETERS",
           "REFORM_KINDS", "Reform", "Scenario", "list_scenarios", "load_scenario"]


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from .errors import InputError
    from .governance import GovernanceModel
    from .metrics import METRIC_NAMES, METRICS
    from .parameters import PARAMETERS, REFORM_KINDS
    from .scenario import Reform, Scenario, list_scenarios, load_scenario
