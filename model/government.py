"""The district government: runs the campaigns that monitor offloading, lets overhead grow
back as they fade, pays for what reforms cost, and keeps the district's accounts of who pays
for what.

A burden-reduction campaign sets the monitoring of offloading in force; from then on its
strength fades each month unless the campaign is renewed. While monitoring is weak, the
ledgers, nameplates, meetings and inspections that departments and street offices ask of
committees grow back toward their pre-reform level (牌子回潮, 台账回潮): the numbers committees
actually practise are ``practiced``, the formal rule is the lever in force.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .constants import NEVER

if TYPE_CHECKING:
    from .types import Model

OVERHEAD = ("ledgers", "plaques", "meetings_per_month", "inspections_per_year")


class DistrictGovernment(mesa.Agent):
    def __init__(self, model: Model):
        super().__init__(model)
        p, C = model.values, model.n_communities
        self.monitoring = np.array(p["offloading_monitoring"], dtype=float)
        self.campaign_month = np.full(C, NEVER)
        self.regrowth = np.zeros(C)       # 0: the formal rule holds; 1: back at the pre-reform level
        self._formal = {name: np.array(p[name], dtype=float) for name in (*OVERHEAD, "offloading_monitoring",
                                                                            "facilities_level")}
        self.practiced = {name: np.array(p[name], dtype=float) for name in OVERHEAD}
        self.renovated = np.zeros(C)      # facility level paid for this month

    def step(self) -> None:
        """(1, after the reforms) Campaigns fade or are renewed; overhead grows back."""
        m, p = self.model, self.model.values
        month = m.month
        lever = np.array(p["offloading_monitoring"], dtype=float)
        started = lever != self._formal["offloading_monitoring"]
        self.campaign_month[started] = month
        every = p["campaign_renewal_months"]
        renewed = ((every > 0) & (self.campaign_month != NEVER)
                   & ((month - self.campaign_month) % np.maximum(every, 1) == 0))
        self.monitoring = np.where(started | renewed, lever, self.monitoring * (1 - p["monitoring_fade_rate"]))

        cut = np.zeros(m.n_communities, dtype=bool)
        for name in OVERHEAD:
            formal = np.array(p[name], dtype=float)
            cut |= formal != self._formal[name]
            self._formal[name] = formal
        self._formal["offloading_monitoring"] = lever
        self.regrowth = np.where(cut, 0.0, np.minimum(
            1.0, self.regrowth + p["overhead_regrowth_rate"] * (1 - np.minimum(1.0, self.monitoring))))
        for name in OVERHEAD:
            before = m.values.base[name]     # what departments and streets asked before any reform
            formal = self._formal[name]
            self.practiced[name] = formal + self.regrowth * np.maximum(0.0, before - formal)

        level = np.array(p["facilities_level"], dtype=float)
        self.renovated = np.maximum(0.0, level - self._formal["facilities_level"])
        self._formal["facilities_level"] = level

    def spending(self, trained: np.ndarray) -> np.ndarray:
        """What the district pays this month per community, yuan: workers' pay and pensions,
        training (``trained``: workers trained this month), facility renovation and upkeep
        (committee funding is the street offices')."""
        p = self.model.values
        workers = p["workers_per_committee"]
        pay = workers * p["worker_pay_month"] * p["pay_level"]
        pensions = pay * p["pension_cost_share"] * p["pension"]
        trained = trained.astype(float)
        facilities = (self.renovated * p["facility_renovation_cost"]
                      + p["facilities_level"] * p["facility_upkeep_month"])
        return pay + pensions + trained * p["training_cost_per_worker"] + facilities

    def department_spending(self, spending: np.ndarray, centre_open: bool) -> float:
        """Departments' spending this month (``spending``: each department's, added in catalogue
        order), with the centre and service points they run."""
        p = self.model.values
        total = np.add.accumulate(spending)[-1]
        if centre_open:
            total += p["centre_cost_per_month"]
        total += p["service_point_cost"] * int(p["service_points"].astype(bool).sum())
        return float(total)

    def spending_by_payer(self, departments: np.ndarray, streets: np.ndarray, serves: np.ndarray, centre_open: bool,
                          funding: np.ndarray, trained: np.ndarray) -> dict[str, np.ndarray]:
        """Public spending this month per community, yuan, by who pays it: the district
        government (workers' pay and pensions, training, facilities), the street offices
        (committee ``funding``, their own staff and their transfer payments, shared over their
        communities) and the departments (their staff, transfer payments, the acceptance centre
        and service points, shared by residents). ``departments`` and ``streets``: each one's
        spending; ``serves``: each street office's communities."""
        real = self.model.real_sizes
        street = np.array(funding, dtype=float)
        for spending, where in zip(streets, serves, strict=True):   # their staff and what they pay for tasks
            street[where] += spending / where.sum()
        return {"district_government": self.spending(trained), "street_offices": street,
                "departments": self.department_spending(departments, centre_open) * real / real.sum()}
