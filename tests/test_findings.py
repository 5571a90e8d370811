"""run.py findings: each headline conclusion over posterior draws, its sign share and verdict."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.research import findings as fd
from model.study.comparison import MIN_PAIRS, ROBUST_SHARE

SMALL = {"n_streets": 2, "communities_per_street": 1, "scale": 0.002, "resident_agents": False}


def synthetic(effects_by_replication: dict[int, float], finding: fd.Finding) -> pd.DataFrame:
    """District series in which ``finding``'s scenario differs from its reference by the given effect in
    each replication over the finding's window (and not before it), every other month equal."""
    rows = []
    for r, effect in effects_by_replication.items():
        for name in (finding.reference, finding.scenario):
            for step in range(finding.last_month + 1):
                inside = finding.window[0] <= step <= finding.window[1]
                value = 0.3 + (effect if name == finding.scenario and inside else 0.0)
                rows.append({"scenario": name, "replication": r, "step": step, finding.metric: value})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("key", [f.key for f in fd.FINDINGS if f.where == "district"])
def test_the_effect_is_the_paired_difference_over_the_window(key):
    finding = next(f for f in fd.FINDINGS if f.key == key)
    wanted = {0: 0.05, 1: -0.02, 2: 0.11}
    table = fd.effects(synthetic(wanted, finding), None, [finding], scenarios={})
    got = table.set_index("replication")["effect"]
    assert got.to_dict() == pytest.approx(wanted)


def test_a_conclusion_whose_sign_flips_is_called_fragile_or_reversed():
    """The same finding over three posteriors: the sign holding in every draw, in 7 of 10 and in 2 of 10."""
    finding = next(f for f in fd.FINDINGS if f.key == "funding")       # claims a lower admin share (sign -1)
    sets = pd.DataFrame({"compliance_intercept": np.linspace(-2.0, 2.0, 10)},
                        index=pd.RangeIndex(10, name="replication"))
    verdicts = {}
    for label, flipped in (("all", 0), ("some", 3), ("most", 8)):
        # the draws with the lowest compliance flip the sign: the effect moves with the parameter
        wanted = {r: (0.04 if r < flipped else -0.05 - 0.01 * r) for r in range(10)}
        table = fd.summarise(fd.effects(synthetic(wanted, finding), None, [finding], scenarios={}), sets, [finding])
        row = table.iloc[0]
        assert row["sign_share"] == pytest.approx(1 - flipped / 10)
        assert row["draws"] == 10
        verdicts[label] = row["verdict"]
        if flipped:
            assert row["drivers"].startswith("compliance_intercept (-")
    assert verdicts == {"all": "robust", "some": "fragile", "most": "reversed"}
    assert fd.verdict(ROBUST_SHARE) == "robust" and fd.verdict(ROBUST_SHARE - 0.01) == "fragile"
    assert fd.verdict(1.0, draws=MIN_PAIRS - 1) == "fragile"           # every draw agrees, but too few of them
    assert fd.verdict(0.2, draws=3) == "reversed"


def test_cautions_name_the_fragile_findings_a_scenario_states(tmp_path):
    table = pd.DataFrame([{"finding": "funding", "claim_en": "Funding lowers", "claim_zh": "费随事转降低", "draws": 20,
                           "sign_share": 0.6, "verdict": "fragile", "stated_by": "function_transfer_funded baseline"},
                          {"finding": "rebound", "claim_en": "It rebounds", "claim_zh": "反弹", "sign_share": 0.95,
                           "verdict": "robust", "stated_by": "function_transfer_funded"}])
    path = tmp_path / "findings.csv"
    table.to_csv(path, index=False)
    lines = fd.cautions("function_transfer_funded", "en", path)
    assert len(lines) == 1 and "Funding lowers" in lines[0] and "60% of 20" in lines[0] and "fragile" in lines[0]
    assert "脆弱" in fd.cautions("function_transfer_funded", "zh", path)[0]
    assert fd.cautions("deliberation", "en", path) == []
    assert fd.cautions("function_transfer_funded", "en", tmp_path / "missing.csv") == []


def test_every_finding_is_well_formed_and_its_scenarios_load():
    fd.check_findings()
    names = {s.name for s in fd.scenarios_for()}
    assert {f.scenario for f in fd.FINDINGS} | {f.reference for f in fd.FINDINGS} == names
    assert {"rebound", "renewal", "funding", "elections", "displacement", "package"} == {f.key for f in fd.FINDINGS}
    renewed = fd.scenario("burden_reduction_renewed")
    assert [r.params.get("campaign_renewal_months") for r in renewed.reforms] == [12]


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_findings_command_writes_every_conclusion_with_its_sign_share(tmp_path, monkeypatch):
    """A tiny budget (a district of 2 small communities, 2 posterior draws): findings.md, findings.zh.md and
    findings.csv name every finding with its sign share and verdict, in --out and in --docs."""
    original = fd.scenario
    monkeypatch.setattr(fd, "scenario", lambda name: (lambda s: replace(s, parameters={**s.parameters, **SMALL}))(
        original(name)))
    posterior = tmp_path / "accepted.csv"
    posterior.write_text("hours_per_admin_task,compliance_intercept\n3.5,-1.0\n4.5,0.5\n", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    code = main(["findings", "--posterior", str(posterior), "--workers", "1", "--out", str(tmp_path / "out"),
                 "--docs", str(docs)])
    assert code == 0
    table = pd.read_csv(docs / "findings.csv")
    assert list(table["finding"]) == [f.key for f in fd.FINDINGS]
    assert (table["draws"] == 2).all() and table["sign_share"].between(0, 1).all()
    assert set(table["verdict"]) <= set(fd.VERDICTS)
    english, chinese = (docs / "findings.md").read_text(), (docs / "findings.zh.md").read_text()
    for r in table.itertuples():
        assert r.claim_en in english and r.claim_zh in chinese
        assert f"{r.sign_share:.0%} (2)" in english
    assert (tmp_path / "out" / "findings.md").read_text() == english
    effects = pd.read_csv(tmp_path / "out" / "effects.csv")
    assert len(effects) == 2 * len(fd.FINDINGS) and {"hours_per_admin_task", "compliance_intercept"} <= set(effects)


def test_findings_refuses_bad_input_in_one_line(tmp_path, capsys):
    bad = tmp_path / "accepted.csv"
    bad.write_text("no_such_parameter\n1\n", encoding="utf-8")
    assert main(["findings", "--posterior", str(bad), "--docs", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no_such_parameter" in err[0] and str(bad) in err[0]
    assert main(["findings", "--posterior", str(bad), "--docs", str(tmp_path / "nowhere")]) == 2
    assert "--docs" in capsys.readouterr().err
    assert main(["findings", "--steps", "60", "--docs", str(tmp_path)]) == 2
    assert "120" in capsys.readouterr().err
