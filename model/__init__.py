"""Shequ: an agent-based model of urban community-governance reform (Mesa)."""

from .errors import InputError
from .governance import GovernanceModel
from .metrics import METRIC_NAMES, METRICS
from .parameters import PARAMETERS, REFORM_KINDS
from .scenario import Reform, Scenario, list_scenarios, load_scenario

__all__ = ["GovernanceModel", "InputError", "METRICS", "METRIC_NAMES", "PARAMETERS",
           "REFORM_KINDS", "Reform", "Scenario", "list_scenarios", "load_scenario"]
