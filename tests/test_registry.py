"""One truth for every number: the registry is complete and honest, the mechanism code holds
no behavioural literal, reforms are dated scoped changes to registry values."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL

from model import METRICS, GovernanceModel, Reform, Scenario, load_scenario
from model.district import real_sizes, simulated_sizes
from model.elections import ElectionMode
from model.parameters import LEVERS, PARAMETERS, REFORM_KINDS, ROLES, SOURCE_KINDS, base_defaults
from model.scenario import Scope

ROOT = Path(__file__).resolve().parent.parent
SEED_REPORT = ROOT.parent / "shared" / "seed"
CJK = re.compile(r"[\u4e00-\u9fff]")
# Modules whose code is the model's behaviour (the registry, I/O and reporting are not).
MECHANISM_MODULES = ("agents", "population", "governance", "metrics", "elections", "values", "district",
                     "record", "states", "government", "work", "services", "committees", "order")
NUMERICAL = {0, 1, 2, -1}      # counting, complements (1 - x), halves and doublings


def literals(path: Path) -> list[tuple[int, object]]:
    """Numeric literals outside module-level named constants (UPPER_CASE = ...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if all(isinstance(t, ast.Name) and t.id.isupper() for t in targets):
                named |= {id(n) for n in ast.walk(node)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and type(n.value) in (int, float) and id(n) not in named
            and n.value not in NUMERICAL]


@pytest.mark.parametrize("module", MECHANISM_MODULES)
def test_mechanism_code_has_no_behavioural_literal(module):
    found = literals(ROOT / "model" / f"{module}.py")
    assert not found, f"model/{module}.py: numbers that belong in the registry or constants.py: {found}"


def test_literal_scan_catches_a_literal(tmp_path):
    path = tmp_path / "rule.py"
    path.write_text("LIMIT = 40\n\ndef rule(x):\n    return 0.6 + x * LIMIT\n")
    assert literals(path) == [(4, 0.6)]


def test_metrics_and_parameters_give_their_label_in_either_language():
    for item in (*PARAMETERS.values(), *METRICS):
        assert (item.label("zh"), item.label("en")) == (item.label_zh, item.label_en), item.name


def test_every_entry_says_what_it_is_and_where_it_comes_from():
    for name, p in PARAMETERS.items():
        assert p.label_en and CJK.search(p.label_zh), name
        assert p.unit, name
        assert p.role in ROLES, (name, p.role)
        assert p.source_kind in SOURCE_KINDS, (name, p.source_kind)
        assert len(p.source) > 8, (name, p.source)
        assert (p.quote is not None) == (p.source_kind == "seed"), f"{name}: a quote exactly when the seed says it"
        if p.reform:
            assert p.role == "lever" and p.target in PARAMETERS, name
        if p.role == "uncertainty" and p.kind in (int, float):
            assert p.plausible_low is not None and p.plausible_high is not None and p.plausible_why, name
            assert p.low <= p.plausible_low <= p.value <= p.plausible_high <= p.high, name
            assert (p.plausible_low, p.plausible_high) != (p.low, p.high), f"{name}: plausible = validity range"


@pytest.mark.skipif(not SEED_REPORT.is_dir(), reason="the seed report is not beside the repository")
def test_seed_quotes_are_the_reports_own_words():
    report = "".join(path.read_text(encoding="utf-8") for path in SEED_REPORT.glob("*.txt"))
    flat = re.sub(r"\s+", "", report)
    for name, p in PARAMETERS.items():
        if p.source_kind == "seed":
            assert re.sub(r"\s+", "", p.quote) in flat, f"{name}: quote not found in the seed report"


def test_reform_kinds_and_levers_come_from_the_registry():
    assert set(REFORM_KINDS) == {"burden_reduction", "function_transfer", "election", "deliberation", "facilities",
                                 "workforce", "services_into_community", "social_organizations",
                                 "no_economic_activity", "health_stations", "labour_offices", "service_brands"}
    for lever in LEVERS:
        assert PARAMETERS[lever].role == "lever", lever
    assert set(PARAMETERS["election_mode"].choices) == {m.value for m in ElectionMode}


def test_params_json_prints_every_field_of_every_entry():
    out = subprocess.run([sys.executable, "run.py", "params", "--json"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["name"] for r in rows] == list(PARAMETERS)
    fields = {"name", "value", "unit", "low", "high", "label_en", "label_zh", "role", "source_kind", "source",
              "quote", "plausible_low", "plausible_high"}
    assert all(fields <= set(r) for r in rows)
    ledgers = next(r for r in rows if r["name"] == "ledgers")
    assert ledgers["value"] == 72 and ledgers["role"] == "lever"


LARGE = {**SMALL, "residents_per_community": 4000}   # communities big enough for a scoped effect to show


def test_a_reform_is_a_dated_change_to_registry_values():
    m = GovernanceModel("burden_reduction", rng=1, overrides=LARGE).run(30)
    start = next(r.start_month for r in load_scenario("burden_reduction").reforms)
    assert (m.values["ledgers"] == PARAMETERS["burden_reduction.ledgers"].value).all()
    assert m.values.at("ledgers", start - 1, 0) == PARAMETERS["ledgers"].value
    assert m.values.at("ledgers", start, 0) == PARAMETERS["burden_reduction.ledgers"].value
    assert m.district_frame().set_index("step").loc[start, "ledgers"] == PARAMETERS["burden_reduction.ledgers"].value
    assert {c.name for c in m.values.changes} == set(load_scenario("burden_reduction").reforms[0].params)
    assert not hasattr(m, "policy")
    # fixed parameters are scalars, levers one value per community
    assert np.isscalar(m.values["hours_per_admin_task"]) and m.values["ledgers"].shape == (6,)


def scoped(kind: str, scope: Scope, **params) -> Scenario:
    from model.parameters import reform_defaults
    return Scenario(name=f"{kind}_scoped", parameters=base_defaults(),
                    reforms=[Reform(kind, 0, reform_defaults(kind) | params, scope)])


def street_means(model: GovernanceModel, metric: str) -> np.ndarray:
    cf = model.community_frame()
    return cf[cf["step"] >= 12].groupby("street")[metric].mean().to_numpy()


@pytest.mark.parametrize(("kind", "metric", "effect", "params"), [
    ("deliberation", "deliberation_participation", 0.05, {}),
    ("election", "turnout", 0.5, {"election_mode": "household"}),
])
def test_a_scoped_reform_moves_its_own_communities_and_leaves_the_others(kind, metric, effect, params):
    seeds = range(21, 26)
    reformed = np.array([street_means(GovernanceModel(scoped(kind, Scope(streets=(0,)), **params), rng=s,
                                                      overrides=LARGE).run(36), metric) for s in seeds])
    baseline = np.array([street_means(GovernanceModel(None, rng=s, overrides=LARGE).run(36), metric)
                         for s in seeds])
    moved = reformed[:, 0] - baseline[:, 0]
    others = reformed[:, 1] - baseline[:, 1]
    assert (moved > effect).all(), moved
    # the other street: the same in distribution (within noise of the seeds, far below the effect)
    assert abs(others.mean()) < max(0.1 * effect, 3 * others.std(ddof=1) / np.sqrt(len(others)) + 0.002), others
    assert abs(others.mean()) < 0.2 * moved.mean()


def test_a_reform_can_name_single_communities():
    scope = Scope(communities=((1, 2),))
    m = GovernanceModel(scoped("election", scope, election_mode="resident"), rng=3, overrides=LARGE).run(2)
    assert list(np.flatnonzero(m.values["election_mode"] != ElectionMode.APPOINTED)) == [5]
    cf = m.community_frame()
    held = cf[(cf["step"] == 1) & (cf["turnout"] > 0)][["street", "community"]].to_numpy().tolist()
    assert held == [[1, 2]]


def test_communities_may_differ_in_size():
    sizes = [[3000, 10000, 20000], [5000, 8000, 12000]]
    overrides = {**LARGE, "community_sizes": sizes}
    m = GovernanceModel(None, rng=4, overrides=overrides).run(6)
    scale = m.values["scale"]
    assert m.population.sizes.tolist() == [round(s * scale) for street in sizes for s in street]
    cf = m.community_frame()
    assert np.isfinite(cf.drop(columns=["step", "street", "community"]).to_numpy()).all()
    # district shares pool residents, so a big community weighs more
    assert m.district_frame()["trust"].iloc[-1] == pytest.approx(float(m.population.trust.mean()), rel=1e-5)
    lognormal = {**base_defaults(), **LARGE, "community_sizes": {"distribution": "lognormal", "cv": 0.5, "seed": 7}}
    assert (real_sizes(lognormal) == real_sizes(lognormal)).all()
    assert real_sizes(lognormal).std() > 0 and simulated_sizes(lognormal).min() >= 20


def test_reform_values_can_be_varied_like_base_ones():
    m = GovernanceModel("burden_reduction", rng=1, overrides={**LARGE, "burden_reduction.ledgers": 20}).run(30)
    assert (m.values["ledgers"] == 20).all()
    assert m.shequ_scenario.reforms[0].params["ledgers"] == 20
    from model import InputError
    with pytest.raises(InputError, match=r"overrides: burden_reduction.ledgers: expected an integer in \[0, 200\]"):
        GovernanceModel("burden_reduction", rng=1, overrides={"burden_reduction.ledgers": -5})
    with pytest.raises(InputError, match="a reform parameter"):
        GovernanceModel("burden_reduction", rng=1, overrides={"burden_reduction.ledgrs": 5})


def test_the_seed_pilots_are_pilots():
    s = load_scenario("seed_pilots")
    scoped = [r for r in s.reforms if not r.scope.district]
    assert len(scoped) >= 4
    assert 3000 in [size for street in s.parameters["community_sizes"] for size in street]
    pilot_election = min((r for r in s.reforms if r.kind == "election"), key=lambda r: r.start_month)
    assert pilot_election.params["election_mode"] == "resident" and len(pilot_election.scope.communities) == 1
    m = GovernanceModel(s, rng=1, resident_agents=False).run(pilot_election.start_month + 2)
    cf = m.community_frame()
    voted = cf[(cf["step"] == pilot_election.start_month + 1) & (cf["turnout"] > 0)]
    assert voted[["street", "community"]].to_numpy().tolist() == [list(pilot_election.scope.communities[0])]
