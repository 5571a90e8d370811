"""Scenario files and the parameter registry: content, validation and every error path."""

from __future__ import annotations

import re

import pytest

from model import PARAMETERS, REFORM_KINDS, InputError, list_scenarios, load_scenario
from model.parameters import check_value

REQUIRED = {"baseline", "burden_reduction", "function_transfer_unfunded", "function_transfer_funded",
            "direct_election_household", "direct_election_resident", "deliberation", "seed_district_package"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_required_scenarios_exist_and_explain_themselves_in_both_languages():
    found = {p.stem for p in list_scenarios()}
    assert REQUIRED <= found
    for path in list_scenarios():
        s = load_scenario(path)
        assert s.name == path.stem
        assert s.title_en and CJK.search(s.title_zh)
        for key in ("en", "notice_en"):
            assert len(s.about.get(key, "")) > 80, (path.name, key)
        for key in ("zh", "notice_zh"):
            assert CJK.search(s.about.get(key, "")), (path.name, key)


def test_seed_package_uses_every_reform_kind_staged():
    s = load_scenario("seed_district_package")
    assert {r.kind for r in s.reforms} == set(REFORM_KINDS)
    assert len({r.start_month for r in s.reforms}) >= 3
    ft = next(r for r in s.reforms if r.kind == "function_transfer")
    assert ft.params["funding_follows_tasks"] and ft.params["acceptance_centre"]


def test_registry_values_are_valid():
    for name, p in PARAMETERS.items():
        if name != "community_sizes":
            assert check_value(name, p.default) is None, name
        if p.kind in (int, float):
            assert p.low <= p.default <= p.high, name


def write(tmp_path, text, name="custom.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "field", "expected"), [
    ("colour = 'red'\n", "colour", "one of"),
    ("[parameters]\nledgrs = 3\n", "parameters.ledgrs", "known parameter"),
    ("[parameters]\nledgers = 'many'\n", "parameters.ledgers", "an integer in [0, 200]"),
    ("[parameters]\nledgers = 2.5\n", "parameters.ledgers", "an integer"),
    ("[parameters]\nscale = 5.0\n", "parameters.scale", "a number in [0.001, 1]"),
    ("[parameters]\nledgers_in_evaluation = 1\n", "parameters.ledgers_in_evaluation", "true or false"),
    ("[[reforms]]\nkind = 'abolish_streets'\nstart_month = 3\n", "reforms[0].kind", "one of burden_reduction"),
    ("[[reforms]]\nkind = 'election'\n", "reforms[0].start_month", "an integer month"),
    ("[[reforms]]\nkind = 'election'\nstart_month = -1\n", "reforms[0].start_month", "an integer month"),
    ("[[reforms]]\nkind = 'election'\nstart_month = 1\nelection_mode = 'lottery'\n", "reforms[0].election_mode",
     "one of 'appointed'"),
    ("[[reforms]]\nkind = 'election'\nstart_month = 1\ntransfer_share = 0.5\n", "reforms[0].transfer_share",
     "a parameter of election"),
    ("[[reforms]]\nkind = 'function_transfer'\nstart_month = 1\ntransfer_share = 1.5\n",
     "reforms[0].transfer_share", "[0, 1]"),
    ("[[reforms]]\nkind = 'deliberation'\nstart_month = 1\nscope = { streets = [10] }\n", "reforms[0].scope.streets",
     "street indices in [0, 9]"),
    ("[[reforms]]\nkind = 'deliberation'\nstart_month = 1\nscope = { communities = [[0, 6]] }\n",
     "reforms[0].scope.communities", "community in [0, 5]"),
    ("[[reforms]]\nkind = 'deliberation'\nstart_month = 1\nscope = { wards = [1] }\n", "reforms[0].scope",
     "a table with streets"),
    ("[parameters]\ncommunity_sizes = [[3000]]\n", "parameters.community_sizes", "a list of 10 lists of 6"),
    ("[parameters]\ncommunity_sizes = { distribution = 'lognormal', cv = 9, seed = 1 }\n",
     "parameters.community_sizes", "cv as a number"),
    ("reforms = 3\n", "reforms", "an array of tables"),
    ("name = '../../etc'\n", "name", "lower-case letters"),
    ("[about]\nfr = 'bonjour'\n", "about.fr", "one of"),
    ("[parameters]\nresidents_per_community = 100\nscale = 0.01\n", "parameters.scale", "simulated residents"),
])
def test_bad_scenario_gives_one_line_error_naming_file_field_and_expectation(tmp_path, text, field, expected):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {field}: expected"), message
    assert expected in message, message


def test_malformed_toml_and_missing_file(tmp_path):
    path = write(tmp_path, "[parameters\nledgers = 3\n")
    with pytest.raises(InputError, match=r"custom\.toml: TOML: expected valid TOML"):
        load_scenario(path)
    with pytest.raises(InputError, match=r"no_such\.toml: file: expected an existing scenario file"):
        load_scenario(tmp_path / "no_such.toml")
    with pytest.raises(InputError, match=r"file: expected a scenario name from `run.py list`"):
        load_scenario("no_such_scenario")


def test_valid_custom_scenario_overrides_parameters_and_reform_defaults(tmp_path):
    path = write(tmp_path, "name = 'mine'\n[parameters]\nledgers = 40\n"
                           "[[reforms]]\nkind = 'burden_reduction'\nstart_month = 6\nledgers = 10\n")
    s = load_scenario(path)
    assert s.parameters["ledgers"] == 40
    assert s.reforms[0].params["ledgers"] == 10
    assert s.reforms[0].params["plaques"] == PARAMETERS["burden_reduction.plaques"].default


def test_a_scope_beyond_the_district_the_overrides_leave_is_one_line():
    """A scope on street 4 fits the scenario's district of 10 streets, not the 2 an override
    leaves: refused in one line naming the scope, not an IndexError mid-run."""
    from model import GovernanceModel
    from model.scenario import Reform, Scenario, Scope, base_defaults, reform_defaults

    scen = Scenario(name="x", parameters=base_defaults(),
                    reforms=[Reform("deliberation", 2, reform_defaults("deliberation"), Scope(streets=(4,)))])
    expected = r"reforms\[0\]\.scope\.streets: expected a list of street indices in \[0, 1\]"
    with pytest.raises(InputError, match=expected):
        GovernanceModel(scen, rng=1, overrides={"n_streets": 2, "communities_per_street": 3, "resident_agents": False})
