"""Reform levers: what each changes in the policy in force, applied at its start month.

Each function takes the model and the reform's own parameters (defaults from the registry,
overridden by the scenario) and changes ``model.policy`` or the actors. Nothing here
decides outcomes: departments, committees and residents respond through their own rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .governance import GovernanceModel


def burden_reduction(model: GovernanceModel, r: dict[str, Any]) -> None:
    """减负: fewer ledgers and plaques, fewer meetings and inspections, monitoring of offloading."""
    pol = model.policy
    pol.ledgers, pol.plaques = r["ledgers"], r["plaques"]
    pol.meetings_per_month = r["meetings_per_month"]
    pol.inspections_per_year = r["inspections_per_year"]
    pol.ledgers_in_evaluation = r["ledgers_in_evaluation"]
    pol.offloading_monitoring = r["offloading_monitoring"]


def function_transfer(model: GovernanceModel, r: dict[str, Any]) -> None:
    """政事分离: a share of department-led work moves formally back to departments.

    With funding following tasks (费随事转), the departments get the staff budget for the
    work they take back, and every task they still push down costs them a payment.
    """
    pol = model.policy
    pol.transfer_share = r["share"]
    pol.funding_follows_tasks = r["funding_follows_tasks"]
    pol.transfer_payment = r["transfer_payment"] if r["funding_follows_tasks"] else 0.0
    if r["funding_follows_tasks"]:
        for dept in model.departments:
            dept.take_back_funding(r["share"])
    if r["acceptance_centre"]:
        pol.acceptance_centre = True
        pol.centre_capacity_per_1000 = r["centre_capacity_per_1000"]
        pol.centre_task_capacity = r["centre_task_capacity"]
        model.open_acceptance_centre()


def election(model: GovernanceModel, r: dict[str, Any]) -> None:
    """Committees are elected by the given mode, the first election now, then every term."""
    pol = model.policy
    pol.election_mode = r["mode"]
    pol.term_months = r["term_months"]
    pol.proxy_voting = r["proxy_voting"]
    pol.next_election = model.month if r["mode"] != "appointed" else None


def deliberation(model: GovernanceModel, r: dict[str, Any]) -> None:
    """Hearings, deliberation gardens, open affairs and resident appraisal."""
    pol = model.policy
    pol.hearings_per_year, pol.forums_per_year = r["hearings_per_year"], r["forums_per_year"]
    pol.open_affairs = r["open_affairs"]
    pol.resident_appraisal = r["resident_appraisal"]
    pol.appraisal_weight = r["appraisal_weight"] if r["resident_appraisal"] else 0.0


def facilities(model: GovernanceModel, r: dict[str, Any]) -> None:
    """六有、六统一: renovated offices, activity rooms and squares."""
    pol = model.policy
    pol.facilities_level = r["level"]
    pol.seats_boost = r["seats_boost"]
    pol.facility_productivity_boost = r["productivity_boost"]


def workforce(model: GovernanceModel, r: dict[str, Any]) -> None:
    """Training and certification, pay rises, pensions."""
    pol = model.policy
    pol.training, pol.training_skill = r["training"], r["training_skill"]
    pol.pay_level, pol.pension = r["pay_level"], r["pension"]
    if r["training"]:
        for committee in model.committees:
            committee.certify(r["training_skill"])


def services_into_community(model: GovernanceModel, r: dict[str, Any]) -> None:
    """Department service points (health, labour security, policing) inside communities."""
    pol = model.policy
    pol.service_points = True
    pol.point_capacity_per_1000 = r["capacity_per_1000"]
    for dept in model.departments:
        dept.add_capacity(r["department_capacity_gain"])


def social_organizations(model: GovernanceModel, r: dict[str, Any]) -> None:
    """Social organisations take on services and recruit volunteers."""
    pol = model.policy
    pol.social_org_productivity = r["productivity_boost"]
    pol.social_org_recruitment = r["recruitment_boost"]


def no_economic_activity(model: GovernanceModel, r: dict[str, Any]) -> None:
    """Committees stop economic activity unrelated to service: time freed, income lost."""
    model.policy.economic_activity = not r["enabled"]


APPLY: dict[str, Callable[[GovernanceModel, dict[str, Any]], None]] = {
    "burden_reduction": burden_reduction,
    "function_transfer": function_transfer,
    "election": election,
    "deliberation": deliberation,
    "facilities": facilities,
    "workforce": workforce,
    "services_into_community": services_into_community,
    "social_organizations": social_organizations,
    "no_economic_activity": no_economic_activity,
}
