"""Safety and property work with owners and outcomes (docs/ODD.md §7.21): community police lower
incidents, safety work left undone raises them, and disputes rise when the committee no longer
guides property management. Each effect vanishes when its parameter is zeroed."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL

from model import GovernanceModel
from model.parameters import PARAMETERS

SEEDS = (1, 2, 3)
ARRAYS = {**SMALL, "resident_agents": False}


def late(scenario: str | None, seed: int, metric: str, **overrides) -> np.ndarray:
    """Per street, mean of ``metric`` over months 36-71."""
    m = GovernanceModel(scenario, rng=seed, overrides={**ARRAYS, **overrides}).run(72)
    cf = m.community_frame()
    return cf[cf["step"] >= 36].groupby("street")[metric].mean().to_numpy()


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_disputes_rise_when_property_guidance_is_dropped():
    """Guidance resolves property_guidance_gain (0.4) times the share of hours the committee keeps
    from administrative work (about a quarter), so dropping it leaves about 0.1 more unresolved."""
    metric = "disputes_unresolved_share"
    for s in SEEDS:
        guided = late("services_into_community", s, metric)
        dropped = late("services_into_community", s, metric, **{"services_into_community.property_guidance": False})
        assert (0.05 < dropped - guided).all() and (dropped - guided < 0.2).all(), (guided, dropped)
        assert dropped == pytest.approx(1 - PARAMETERS["property_resolution_base"].value)
        gainless = {"property_guidance_gain": 0.0}
        assert (late("services_into_community", s, metric, **gainless) == late(
            "services_into_community", s, metric, **gainless, **{"services_into_community.property_guidance": False})
        ).all()


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_community_police_lower_incidents():
    metric = "safety_incidents_per_1000_year"
    for s in SEEDS:
        policed = late("services_into_community", s, metric)
        unpoliced = late("services_into_community", s, metric,
                         **{"services_into_community.community_policing": False})
        assert ((policed / unpoliced) == pytest.approx(1 - PARAMETERS["policing_incident_reduction"].value))
        none = {"policing_incident_reduction": 0.0}
        assert (late("services_into_community", s, metric, **none) == late(
            "services_into_community", s, metric, **none, **{"services_into_community.community_policing": False})
        ).all()


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_a_reform_that_sheds_work_onto_pressed_owners_raises_incidents():
    """The street-office reform moves four functions to public security and sends work refused
    under the access list back to it: its safety work falls behind, in street 0 and, through its
    pressure, in the other street. Without the backlog effect incidents stay at the base rate."""
    metric = "safety_incidents_per_1000_year"
    for s in SEEDS:
        base = late(None, s, metric)
        reform = late("street_office_reform", s, metric)
        assert reform[0] > 1.5 * base[0] and reform[1] > 1.05 * base[1], (base, reform)
        flat = late("street_office_reform", s, metric, safety_backlog_weight=0.0)
        assert flat == pytest.approx(PARAMETERS["safety_incident_rate"].value)
