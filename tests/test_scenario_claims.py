"""A scenario that says it follows the seed report sets the levers its text names.

Each rule below pairs a phrase of a scenario's English text ("about.en") with what a scenario
using that phrase must set. A scenario whose text claims "every lever" the report names must
satisfy every rule. A sentence that names a measure only to say the scenario leaves it out must
be written without the phrase (the test cannot read negation)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from model import list_scenarios, load_scenario
from model.scenario import Scenario


def sets(kind: str, check: Callable[[dict], bool] = lambda params: True) -> Callable[[Scenario], bool]:
    """Some reform of ``kind`` in the scenario whose values pass ``check``."""
    return lambda s: any(r.kind == kind and check(r.params) for r in s.reforms)


RULES: dict[str, tuple[str, Callable[[Scenario], bool]]] = {
    "57 functions": ("57", sets("function_transfer", lambda p: p["street_functions_to_departments"] == 1.0)),
    "social and mass work": ("social and mass work",
                             sets("function_transfer", lambda p: p["social_work_to_community"] == 1.0)),
    "community policing": ("community policing",
                           sets("services_into_community", lambda p: p["community_policing"])),
    "acceptance centre": ("acceptance centre", sets("function_transfer", lambda p: p["acceptance_centre"])),
    "费随事转": ("费随事转", sets("function_transfer", lambda p: p["funding_follows_tasks"])),
    "health stations": ("health station", sets("health_stations", lambda p: p["health_station"])),
    "labour offices": ("labour-security office", sets("labour_offices", lambda p: p["labour_office"])),
    "household elections": ("household-representative", sets("election", lambda p: p["election_mode"] == "household")),
    "resident direct election": ("resident direct election",
                                 sets("election", lambda p: p["election_mode"] == "resident")),
    "hearings": ("hearings", sets("deliberation", lambda p: p["hearings_per_year"] > 0)),
    "deliberation garden": ("deliberation garden", sets("deliberation", lambda p: p["forums_per_year"] > 0)),
    "burden reduction": ("5+1", sets("burden_reduction", lambda p: p["ledgers"] == 6)),
    "UNDP sub-projects": ("UNDP", lambda s: sets("election", lambda p: p["nomination"] == "open")(s)
                          and sets("function_transfer", lambda p: p["street_functions_to_departments"] > 0)(s)
                          and sets("deliberation")(s)),
}
EVERY = "every lever"


def claims(s: Scenario) -> list[str]:
    text = s.about.get("en", "")
    if EVERY in text:
        return list(RULES)
    return [name for name, (phrase, _) in RULES.items() if phrase.lower() in text.lower()]


@pytest.mark.parametrize("path", list_scenarios(), ids=lambda p: p.stem)
def test_a_scenario_sets_the_levers_its_text_names(path):
    s = load_scenario(path)
    missing = [name for name in claims(s) if not RULES[name][1](s)]
    assert not missing, f"{path.name} names {missing} in its text but does not set them"


def test_the_rules_catch_a_scenario_that_names_a_lever_it_does_not_set():
    s = load_scenario("burden_reduction")
    s.about = {**s.about, "en": s.about["en"] + " The 淮海路 acceptance centre opens too."}
    assert [n for n in claims(s) if not RULES[n][1](s)] == ["acceptance centre"]
    flagship = load_scenario("seed_timeline")
    assert EVERY in flagship.about["en"] and claims(flagship) == list(RULES)


def test_no_district_wide_scenario_claims_to_be_a_pilot():
    for path in list_scenarios():
        s = load_scenario(path)
        if all(r.scope.district for r in s.reforms):
            assert "as in the pilot" not in s.about.get("en", ""), path.name
