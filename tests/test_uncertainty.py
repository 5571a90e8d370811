"""Parameter uncertainty in comparisons (run --parameter-uncertainty): each replication draws its
own parameter set as well as its seed, the pair is the same in every scenario, the band of the
replications widens, the report says which conclusions hold across it, and bad posterior files
are one-line errors."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL

from model import load_scenario
from model.cli import main
from model.cli.study import study_description
from model.metrics import METRIC_NAMES
from model.parameters import PARAMETERS
from model.report.document import write_html_report, write_report
from model.scenario import scenario_from_dict
from model.study.comparison import ROBUST_SHARE, paired_differences, same_sign
from model.study.experiment import run_study, summarise
from model.study.store import fingerprint
from model.study.uncertainty import ParameterSets, plausible_sets, posterior_sets

ROOT = Path(__file__).resolve().parent.parent
TINY = {**SMALL, "scale": 0.005}   # many studies here: communities of a few residents
FIXTURE = {"initial_trust": [0.25, 0.5, 0.7], "mean_ties": [1.5, 2.0, 3.5]}   # three accepted sets


def cut(month: int = 3):
    """Burden reduction from an early month, so short runs see it."""
    return scenario_from_dict({"name": "cut", "reforms": [{"kind": "burden_reduction", "start_month": month}]},
                              "cut.toml", "cut")


@pytest.fixture
def accepted(tmp_path):
    folder = tmp_path / "fit"
    folder.mkdir()
    pd.DataFrame(FIXTURE).to_csv(folder / "accepted.csv", index=False)
    return folder


def test_plausible_sets_are_a_hypercube_over_the_plausible_ranges():
    sets = plausible_sets(5, 11)
    uncertain = [p for p in PARAMETERS.values() if p.role == "uncertainty"]
    assert len(sets) == 5 and set(sets.names) == {p.name for p in uncertain}
    for p in uncertain:
        values = [s[p.name] for s in sets.sets]
        assert all(p.plausible_low <= v <= p.plausible_high for v in values), p.name
    # a float parameter takes a different value in every replication (one per stratum)
    trust = sorted(s["initial_trust"] for s in sets.sets)
    assert len(set(trust)) == 5
    width = PARAMETERS["initial_trust"].plausible_high - PARAMETERS["initial_trust"].plausible_low
    assert trust[-1] - trust[0] > 0.5 * width
    assert plausible_sets(5, 11).sets == sets.sets and plausible_sets(5, 12).sets != sets.sets


def test_the_band_is_wider_with_parameters_than_with_seeds_only():
    base = load_scenario("baseline")
    seeds = run_study([base], 4, 12, 5, 1, TINY, progress=False)
    params = run_study([base], 4, 12, 5, 1, TINY, progress=False, parameter_sets=plausible_sets(4, 5))
    assert "parameter_set" not in seeds.timeseries and params.timeseries["parameter_set"].nunique() == 4
    assert seeds.seeds == params.seeds                      # the seeds do not move
    width = {}
    for name, study in (("seeds", seeds), ("params", params)):
        s = summarise(study.timeseries).set_index("metric").loc["trust"]
        assert s["band_low"] <= s["mean"] <= s["band_high"]
        width[name] = s["band_high"] - s["band_low"]
    # initial_trust alone spans 0.3 of the index; seed noise in trust is about 0.005
    assert width["params"] > 5 * width["seeds"] > 0


def test_replication_r_has_the_same_seed_and_parameter_set_in_every_scenario(monkeypatch):
    import model.study.experiment as experiment
    calls = []
    real = experiment.GovernanceModel

    def recording(scenario, rng=None, overrides=None):
        calls.append((scenario.name, rng, dict(overrides)))
        return real(scenario, rng=rng, overrides=overrides)

    monkeypatch.setattr(experiment, "GovernanceModel", recording)
    sets = plausible_sets(3, 8)
    result = run_study([load_scenario("baseline"), cut()], 3, 6, 8, 1, TINY, progress=False, parameter_sets=sets)
    assert len(calls) == 6
    by = {name: [(rng, o) for n, rng, o in calls if n == name] for name in ("baseline", "cut")}
    for r in range(3):
        assert by["baseline"][r] == by["cut"][r]                       # same seed, same parameter set
        assert by["baseline"][r][1] == {**TINY, **sets.sets[r], **experiment.NO_VIEWS}   # no views: frames only
    assert len({rng for rng, _ in by["baseline"]}) == 3
    assert by["baseline"][0][1]["initial_trust"] != by["baseline"][1][1]["initial_trust"]
    # the tables say which draw each replication had, the same in both scenarios
    final = result.timeseries[result.timeseries["step"] == 5]
    assert (final.pivot(index="replication", columns="scenario", values="parameter_set").nunique(axis=1) == 1).all()


def test_posterior_draws_only_rows_of_accepted_csv(accepted):
    rows = [dict(zip(FIXTURE, v, strict=True)) for v in zip(*FIXTURE.values(), strict=True)]
    many = posterior_sets(accepted, 7, 3)                # more replications than rows: rows reused evenly
    assert many.source == "posterior" and len(many) == 7 and set(many.draws) <= {0, 1, 2}
    assert sorted(np.bincount(many.draws, minlength=3)) == [2, 2, 3]
    assert all(s == rows[d] for s, d in zip(many.sets, many.draws, strict=True))
    assert isinstance(many.sets[0]["initial_trust"], float)
    few = posterior_sets(accepted / "accepted.csv", 3, 3)   # as many rows as replications: each once
    assert sorted(few.draws) == [0, 1, 2]
    assert posterior_sets(accepted, 7, 3).draws == many.draws


@pytest.mark.slow      # a whole study in a new process: the command's contract, run in CI
def test_run_with_posterior_writes_paired_bands_and_robustness(tmp_path, accepted):
    toml = tmp_path / "cut.toml"
    toml.write_text('name = "cut"\n[[reforms]]\nkind = "burden_reduction"\nstart_month = 2\n', encoding="utf-8")
    out = tmp_path / "study"
    r = subprocess.run([sys.executable, str(ROOT / "run.py"), "run", "baseline", str(toml), "--steps", "6",
                        "--replications", "3", "--workers", "1", "--scale", "0.005", "--parameter-uncertainty",
                        "posterior", "--posterior", str(accepted), "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    sets = pd.read_csv(out / "parameter_sets.csv")
    assert list(sets.columns) == ["replication", "seed", "parameter_set", "initial_trust", "mean_ties"]
    fixture = pd.DataFrame(FIXTURE)
    for row in sets.itertuples():
        assert (row.initial_trust, row.mean_ties) == tuple(fixture.iloc[row.parameter_set])
    ts = pd.read_csv(out / "timeseries.csv")
    assert list(ts.columns[:4]) == ["scenario", "replication", "seed", "parameter_set"]
    assert set(ts["parameter_set"]) <= {0, 1, 2}
    summary = pd.read_csv(out / "summary.csv")
    assert {"band_low", "band_high"} <= set(summary.columns)
    diffs = pd.read_csv(out / "differences.csv")
    assert {"same_sign_share", "robust"} <= set(diffs.columns)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "calibration posterior" in report and "Which conclusions hold across the band" in report
    import json
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameter_uncertainty"]["source"] == "posterior"
    assert manifest["parameter_uncertainty"]["draws"] == sets["parameter_set"].tolist()


@pytest.mark.parametrize("case", ["no_option", "missing_file", "empty_folder", "unknown_column", "out_of_range",
                                  "not_a_number", "no_rows", "posterior_with_plausible", "posterior_alone"])
def test_bad_posterior_inputs_are_one_line_exit_2(tmp_path, capsys, case):
    bad = tmp_path / "accepted.csv"
    options = ["--parameter-uncertainty", "posterior", "--posterior", str(bad)]
    expect = ["accepted.csv", "column"]
    if case == "no_option":
        options, expect = ["--parameter-uncertainty", "posterior"], ["--posterior", "calibrate --fit"]
    elif case == "missing_file":
        expect = [str(bad), "calibrate --fit"]
    elif case == "empty_folder":
        options[-1], expect = str(tmp_path), [str(bad), "calibrate --fit"]
    elif case == "unknown_column":
        bad.write_text("initial_trust,no_such_parameter\n0.5,1\n")
        expect += ["no_such_parameter"]
    elif case == "out_of_range":
        bad.write_text("initial_trust,mean_ties\n0.5,2\n7,2\n")
        expect += ["initial_trust", "row 2"]
    elif case == "not_a_number":
        bad.write_text("mean_ties\nmany\n")
        expect += ["mean_ties", "many"]
    elif case == "no_rows":
        bad.write_text("initial_trust,mean_ties\n")
        expect = [str(bad), "rows"]
    elif case == "posterior_with_plausible":
        options, expect = ["--parameter-uncertainty", "plausible", "--posterior", str(tmp_path)], ["--posterior"]
    else:
        options, expect = ["--posterior", str(tmp_path)], ["--posterior"]
    out = tmp_path / "never"
    code = main(["run", "baseline", "--steps", "3", "--replications", "2", "--scale", "0.005", "--out", str(out),
                 *options])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: "), err
    assert all(part in err for part in expect), err
    assert not out.exists()                    # refused before any folder is made


def test_a_missing_posterior_on_the_command_line_is_one_line(command):
    code, stderr = command("run", "baseline", "--parameter-uncertainty", "posterior")
    assert code == 2 and stderr.count("\n") == 1 and "calibrate --fit" in stderr, stderr


@pytest.mark.slow
def test_serial_and_two_workers_give_the_same_tables():
    scenarios = [load_scenario("baseline"), cut()]
    sets = plausible_sets(2, 4)
    serial = run_study(scenarios, 2, 6, 4, 1, TINY, progress=False, parameter_sets=sets)
    pooled = run_study(scenarios, 2, 6, 4, 2, TINY, progress=False, parameter_sets=sets)
    pd.testing.assert_frame_equal(serial.timeseries, pooled.timeseries)
    pd.testing.assert_frame_equal(serial.communities, pooled.communities)


def test_the_study_fingerprint_includes_the_parameter_sets(accepted):
    args = argparse.Namespace(steps=6, replications=3, seed=1)
    scenarios = [load_scenario("baseline")]
    prints = {fingerprint(study_description(scenarios, args, None, sets)) for sets in
              (None, plausible_sets(3, 1), plausible_sets(3, 2), posterior_sets(accepted, 3, 1))}
    assert len(prints) == 4
    assert fingerprint(study_description(scenarios, args, None, plausible_sets(3, 1))) in prints
    assert "parameter_uncertainty" not in study_description(scenarios, args, None)   # old studies resume


def test_same_sign_share_and_robustness():
    assert same_sign(np.array([-0.1, -0.2, -0.05, -0.3])) == (1.0, True)
    share, robust = same_sign(np.array([-0.3, -0.2, 0.1, -0.1, 0.2]))
    assert share == pytest.approx(0.6) and not robust
    assert np.isnan(same_sign(np.array([0.1]))[0]) and np.isnan(same_sign(np.array([0.0, 0.0]))[0])
    assert ROBUST_SHARE == pytest.approx(0.9)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_says_which_conclusions_hold(tmp_path, lang):
    """admin_share falls in every pair (holds); trust moves either way (depends on the parameters)."""
    rng = np.random.default_rng(3)
    rows = []
    for r in range(10):
        level = rng.uniform(0.3, 0.7)                 # what the parameter set does to both scenarios
        for name, admin, trust in (("baseline", 0.8, 0.0), ("cut", 0.6, 0.03 if r % 2 else -0.02)):
            rows.append({"scenario": name, "replication": r, "seed": 100 + r, "parameter_set": r, "step": 5,
                         **dict.fromkeys(METRIC_NAMES, level), "admin_share": admin + 0.1 * level,
                         "trust": level + trust, "turnout": 0.0})
    ts = pd.DataFrame(rows)
    diffs = paired_differences(ts).set_index("metric")
    assert diffs.loc["admin_share", "same_sign_share"] == 1.0 and diffs.loc["admin_share", "robust"]
    assert diffs.loc["trust", "same_sign_share"] == 0.5 and not diffs.loc["trust", "robust"]
    summary = summarise(ts)
    scenarios = [load_scenario("baseline"), cut()]
    common = {"steps": 6, "replications": 10, "master_seed": 1, "scale": 0.005, "lang": lang,
              "differences": paired_differences(ts), "uncertainty": "plausible"}
    holds, depends, band = (("成立", "取决于参数", "合理范围") if lang == "zh"
                            else ("holds", "depends on the parameters", "plausible ranges"))
    for write in (write_report, write_html_report):
        text = write(tmp_path, scenarios, summary, **common).read_text(encoding="utf-8")
        assert holds in text and depends in text and band in text and "parameter_sets.csv" in text
    seeds_only = write_report(tmp_path, scenarios, summary, **{**common, "uncertainty": "seeds"})
    text = seeds_only.read_text(encoding="utf-8")
    assert ("取决于随机种子" if lang == "zh" else "depends on the seed") in text and depends not in text


def test_parameter_sets_table_lines_up_with_the_seeds():
    sets = ParameterSets("given", (4, 2), ({"mean_ties": 2.0}, {"mean_ties": 3.0}))
    table = sets.table([11, 12])
    assert table.to_dict("list") == {"replication": [0, 1], "seed": [11, 12], "parameter_set": [4, 2],
                                     "mean_ties": [2.0, 3.0]}


def test_a_posterior_of_a_few_parameters_leaves_the_others_at_their_plausible_ranges(tmp_path):
    """A fit that varied two parameters says nothing about the others: findings draw those from their
    plausible ranges (a Latin hypercube from the master seed), keeping the fitted values as they are."""
    from model.parameters import PARAMETERS
    from model.study.design import default_factors
    from model.study.uncertainty import completed_with_plausible, posterior_sets
    path = tmp_path / "accepted.csv"
    path.write_text("exit_intercept,vote_intercept\n-3.9,1.5\n-3.8,1.6\n-3.7,1.7\n-4.0,1.4\n", encoding="utf-8")
    fitted = posterior_sets(path, 8, 7)
    sets = completed_with_plausible(fitted, 7)
    assert [(s["exit_intercept"], s["vote_intercept"]) for s in sets.sets] == \
        [(s["exit_intercept"], s["vote_intercept"]) for s in fitted.sets]
    others = [f for f in default_factors() if f.name not in ("exit_intercept", "vote_intercept")]
    assert len(others) > 100 and all(f.name in sets.sets[0] for f in others)
    for f in others[:40]:
        values = [s[f.name] for s in sets.sets]
        assert all(f.low <= v <= f.high for v in values), f.name
        assert len(set(values)) > 1, f.name                      # drawn, not left at the default
        assert PARAMETERS[f.name].role == "uncertainty"
    assert completed_with_plausible(posterior_sets(path, 8, 7), 7).sets == sets.sets      # the seed fixes it
    assert "plausible" in sets.source and sets.draws == fitted.draws
