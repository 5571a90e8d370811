"""Safety and property work, with their owners and the outcomes residents notice.

Public security (the police station, the community police and security teams the report's
社区警务战略 brought in, and 综治 work) owns safety work: its department's tasks in each community,
whoever now holds them. Where that work falls behind — in the department's own queue or, for its
veto items, in the committees' — and where no community police are based, more incidents happen.
Property management companies (物业管理单位) own property work; disputes arise and they resolve a share
of them, more where the committee guides and supervises them (指导与监督) and has the hours to do so.

Both outcomes are expected values, computed from the month's state without random draws, so that
adding them changes no other result of a run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .constants import EPSILON, MONTHS_PER_YEAR, PER_THOUSAND
from .work import Owner

if TYPE_CHECKING:
    from .types import OrderModel

SAFETY_DEPARTMENT = "public_security"
"""The department whose work is safety work (公安, which leads 综治)."""


class PublicSecurity(mesa.Agent):
    """Owner of safety work in every community: expected incidents follow how far its work is
    behind and whether community police and security teams are based there."""

    owner = Owner.DEPARTMENT

    def __init__(self, model: OrderModel):
        super().__init__(model)
        C = model.n_communities
        self.behind = np.zeros(C)        # months of safety work undone, per community
        self.incidents = np.zeros(C)     # expected incidents this month

    def step(self) -> None:
        """(9) Months of safety work behind, and this month's expected incidents."""
        m, p = self.model, self.model.values
        police = next(d for d in m.departments if d.key == SAFETY_DEPARTMENT)
        veto = [d for d in m.departments if d.veto]
        share = police.weight / max(sum(d.weight for d in veto), EPSILON)   # its part of the veto items
        undone = police.queue.backlog + share * m.committee_veto.backlog
        self.behind = np.minimum(undone / np.maximum(police.volume(), EPSILON), p["safety_backlog_cap_months"])
        policing = p["community_policing"].astype(float)
        rate = (p["safety_incident_rate"] * (1 - p["policing_incident_reduction"] * policing)
                * (1 + p["safety_backlog_weight"] * self.behind))
        self.incidents = rate * m.real_sizes / PER_THOUSAND / MONTHS_PER_YEAR


class PropertyManagement(mesa.Agent):
    """The property management companies of every community: owners of property work. Disputes
    arise in proportion to residents; they resolve a base share, and more where the committee
    guides and supervises them with the hours its administrative work leaves it."""

    owner = Owner.PROPERTY_MANAGEMENT

    def __init__(self, model: OrderModel):
        super().__init__(model)
        C = model.n_communities
        self.guidance = np.zeros(C)      # strength of the committee's guidance this month, 0-1
        self.disputes = np.zeros(C)      # expected disputes this month
        self.unresolved = np.zeros(C)    # of which expected unresolved

    def step(self) -> None:
        """(9) This month's disputes and the share left unresolved."""
        m, p = self.model, self.model.values
        hours = m.committee_arrays.hours
        admin = m.committee_values("admin_hours") / np.maximum(hours["total"], EPSILON)
        self.guidance = p["property_guidance"].astype(float) * np.clip(1 - admin, 0.0, 1.0)
        resolved = np.clip(p["property_resolution_base"] + p["property_guidance_gain"] * self.guidance, 0.0, 1.0)
        self.disputes = p["dispute_rate"] * m.real_sizes / PER_THOUSAND / MONTHS_PER_YEAR
        self.unresolved = self.disputes * (1 - resolved)
