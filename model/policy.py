"""The policy in force: the settings that reforms change during a run.

It starts from the base parameters (the pre-reform, administrativised district) and each
reform in reforms.py overwrites some fields when its start month comes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Policy:
    # burden on committees
    ledgers: int
    plaques: int
    meetings_per_month: float
    inspections_per_year: float
    ledgers_in_evaluation: bool
    offloading_monitoring: float
    # function transfer
    transfer_share: float = 0.0
    funding_follows_tasks: bool = False
    transfer_payment: float = 0.0
    acceptance_centre: bool = False
    centre_capacity_per_1000: float = 0.0
    centre_task_capacity: float = 0.0
    # elections
    election_mode: str = "appointed"
    term_months: int = 36
    proxy_voting: bool = False
    next_election: int | None = None
    # deliberation
    hearings_per_year: float = 0.0
    forums_per_year: float = 0.0
    open_affairs: bool = False
    resident_appraisal: bool = False
    appraisal_weight: float = 0.0
    # facilities, workforce, services, social organisations, economy
    facilities_level: float = 0.0
    seats_boost: float = 0.0
    facility_productivity_boost: float = 0.0
    training: bool = False
    training_skill: float = 0.0
    pay_level: float = 1.0
    pension: bool = False
    service_points: bool = False
    point_capacity_per_1000: float = 0.0
    social_org_productivity: float = 0.0
    social_org_recruitment: float = 0.0
    economic_activity: bool = True

    @classmethod
    def from_parameters(cls, p: dict) -> Policy:
        return cls(ledgers=p["ledgers"], plaques=p["plaques"],
                   meetings_per_month=p["meetings_per_month"],
                   inspections_per_year=p["inspections_per_year"],
                   ledgers_in_evaluation=p["ledgers_in_evaluation"],
                   offloading_monitoring=p["offloading_monitoring"])
