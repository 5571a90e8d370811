"""Global sensitivity (SALib), scenario discovery (PRIM) and the EMA Workbench adapter.

Sobol must recover the Ishigami function's known indices; Morris on a real (tiny) sweep must
rank a parameter that drives an outcome above one that does not; the commands keep their
contract at tiny sizes; failed runs follow the stated policy; the Workbench model runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.errors import InputError
from model.governance import GovernanceModel
from model.metrics import METRIC_NAMES
from model.research.sensitivity import INDEX_COLUMNS, analyse, indices, to_salib
from model.research.sweep import SweepResult, run_sweep
from model.scenario import load_scenario
from model.study.design import factors_from, make_design

ROOT = Path(__file__).resolve().parent.parent
TINY = {"scale": 0.01, "n_streets": 2, "communities_per_street": 2}
SEED = 7
DRIVER, BYSTANDER = "hours_per_admin_task", "vote_habit_weight"   # admin hours drive admin_share; a vote weight
# cannot move it in a baseline with no election (habit_weight can: participation now changes who brings needs)
CLI_TINY = ["--steps", "12", "--workers", "1", "--seed", str(SEED)]


def tiny_baseline():
    s = load_scenario("baseline")
    return replace(s, parameters={**s.parameters, **TINY})


@pytest.fixture
def tiny_toml(tmp_path) -> str:
    """The baseline in a district of 4 small communities, as a scenario file for the commands."""
    path = tmp_path / "tiny.toml"
    path.write_text("name = 'tiny'\n[parameters]\n" + "".join(f"{k} = {v}\n" for k, v in TINY.items()),
                    encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def morris_sweep() -> SweepResult:
    design = make_design("morris", factors_from([DRIVER, BYSTANDER]), 3, SEED)
    return run_sweep(design, [tiny_baseline()], 1, 12, SEED, workers=1, progress=False)


def test_sobol_recovers_the_ishigami_indices():
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = sobol_sample.sample(problem, 1024, calc_second_order=False, seed=3)
    found = indices("sobol", problem, X, Ishigami.evaluate(X), seed=4)
    assert set(found) == set(INDEX_COLUMNS["sobol"])
    np.testing.assert_allclose(found["S1"], [0.314, 0.442, 0.0], atol=0.05)
    np.testing.assert_allclose(found["ST"], [0.558, 0.442, 0.244], atol=0.05)
    assert (found["S1_conf"] > 0).all() and (found["ST_conf"] < 0.15).all()


def test_morris_ranks_the_driver_above_a_bystander(morris_sweep):
    assert (morris_sweep.runs["status"] == "ok").all()
    table = analyse(morris_sweep, "morris", ["admin_share", "trust"], SEED)
    assert list(table.columns[:6]) == ["outcome", "parameter", *INDEX_COLUMNS["morris"]]
    assert len(table) == 4 and (table["trajectories"] == 3).all()
    admin = table[table["outcome"] == "admin_share"].set_index("parameter")
    assert admin.loc[DRIVER, "mu_star"] > 5 * admin.loc[BYSTANDER, "mu_star"]
    assert admin.loc[DRIVER, "mu"] > 0            # more hours per task, more of the week on admin work
    # the same sweep gives the same table (the bootstrap is seeded from the master seed)
    pd.testing.assert_frame_equal(table, analyse(morris_sweep, "morris", ["admin_share", "trust"], SEED))


def test_morris_drops_failed_trajectories_and_sobol_refuses(morris_sweep):
    runs = morris_sweep.runs.copy()
    runs.loc[runs["point"] == 4, "status"] = "failed"          # point 4 is in the second trajectory (3 points each)
    broken = SweepResult(runs, morris_sweep.timeseries, morris_sweep.design)
    table = analyse(broken, "morris", ["admin_share"], SEED)
    assert (table["trajectories"] == 2).all()
    problem, X, Y = to_salib(broken, "admin_share")
    assert X.shape == (6, 2) and Y.shape == (6,) and problem["names"] == [DRIVER, BYSTANDER]

    design = make_design("sobol", factors_from([DRIVER, BYSTANDER]), 2, SEED)
    n = len(design.points)
    fake = pd.DataFrame({"point": range(n), "scenario": "baseline", "status": ["ok"] * (n - 1) + ["failed"],
                         **{m: np.linspace(0, 1, n) for m in METRIC_NAMES}})
    with pytest.raises(InputError, match="narrow the ranges"):
        analyse(SweepResult(fake, pd.DataFrame(), design), "sobol", ["admin_share"])


def test_sensitivity_command_writes_its_table_and_figure(tmp_path, tiny_toml):
    out = tmp_path / "sens"
    code = main(["sensitivity", tiny_toml, "--method", "morris", "--samples", "2", "--vary", DRIVER,
                 "--vary", BYSTANDER, "--outcomes", "admin_share", "trust", *CLI_TINY, "--out", str(out)])
    assert code == 0
    assert (out / "sensitivity.csv").read_bytes().startswith(b"\xef\xbb\xbf")   # label_zh: a BOM for Excel
    table = pd.read_csv(out / "sensitivity.csv", encoding="utf-8-sig")
    assert list(table.columns[:6]) == ["outcome", "parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    assert set(table["outcome"]) == {"admin_share", "trust"} and set(table["parameter"]) == {DRIVER, BYSTANDER}
    assert (out / "sensitivity.png").stat().st_size > 10_000
    assert (out / "sensitivity_mu_sigma.png").stat().st_size > 10_000      # Morris: the μ*–σ plot
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert len(pd.read_parquet(out / "runs.parquet")) == 2 * 3


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_discover_command_finds_the_driver(tmp_path, tiny_toml):
    # a threshold halfway between the outcome at the two ends of the driver's range, so some runs miss
    ends = [GovernanceModel(tiny_baseline(), rng=1, overrides={DRIVER: v}).run(12).district_frame()
            ["admin_share"].iloc[-1] for v in (2.0, 6.0)]
    assert ends[1] > ends[0]
    threshold = (ends[0] + ends[1]) / 2
    out = tmp_path / "disc"
    code = main(["discover", tiny_toml, "--outcome", "admin_share", "--threshold", f"{threshold:.4f}",
                 "--miss", "above", "--samples", "16", "--vary", DRIVER, "--vary", BYSTANDER, *CLI_TINY,
                 "--out", str(out)])
    assert code == 0
    for name in ("prim_boxes.csv", "prim_tradeoff.png", "prim_box.png", "discovery.md", "feature_scores.csv"):
        assert (out / name).is_file(), name
    assert (out / "prim_boxes.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    box = pd.read_csv(out / "prim_boxes.csv", encoding="utf-8-sig")
    assert {"parameter", "low", "high", "coverage", "density", "mass"} <= set(box.columns)
    assert DRIVER in set(box["parameter"])
    cut = box.set_index("parameter").loc[DRIVER]
    assert cut["low"] > 2.0 and cut["high"] == 6.0       # misses (too much admin work) at many hours per task
    scores = pd.read_csv(out / "feature_scores.csv")
    assert scores["parameter"].iloc[0] == DRIVER
    text = (out / "discovery.md").read_text()
    assert "tends to miss when" in text and DRIVER in text
    manifest = json.loads((out / "manifest.json").read_text())
    runs = pd.read_parquet(out / "runs.parquet")
    assert manifest["status"] == "complete" and manifest["misses"] == int((runs["admin_share"] > threshold).sum())


def test_discover_with_nothing_to_discover_says_so(morris_sweep):
    from model.research.discovery import discover, summary
    found = discover(morris_sweep, "admin_share", 2.0, "above")         # a share never exceeds 1
    assert found.misses == 0 and found.chosen is None and found.box.empty
    assert found.message.startswith("no run misses") and "\n" not in found.message
    assert "No run misses" in summary(found, "baseline", 9, 2, 12, 1)


def test_a_bad_outcome_is_one_line_and_exit_2(tmp_path, capsys):
    r = subprocess.run([sys.executable, str(ROOT / "run.py"), "sensitivity", "--outcomes", "admin_share", "nonsense",
                        "--out", str(tmp_path / "s")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--outcomes" in r.stderr and "nonsense" in r.stderr
    assert main(["discover", "--outcome", "nonsense", "--threshold", "0.5", "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--outcome" in err
    assert not (tmp_path / "s").exists() and not (tmp_path / "d").exists()


def test_the_ema_workbench_model_runs_and_matches_our_sweep(morris_sweep):
    from model.research.ema import ema_model, ema_name, to_ema, workbench
    wb = workbench()
    factors = list(morris_sweep.design.factors)
    model = ema_model(steps=12, factors=factors, levers=[], outcomes=["admin_share", "trust"], master_seed=SEED,
                      overrides=TINY)
    experiments, outcomes = wb.perform_experiments(model, 4, evaluator=wb.SequentialEvaluator(model))
    assert len(experiments) == 4 and set(outcomes) == {"admin_share", "trust"}
    assert all(np.isfinite(v).all() and v.shape == (4,) for v in outcomes.values())
    assert experiments[DRIVER].between(2, 6).all()

    # the same points run through the Workbench give our sweep's outcomes (same seed, same overrides)
    points = [wb.Sample(f"p{i}", **{ema_name(k): v for k, v in morris_sweep.design.values(i).items()})
              for i in (0, 1)]
    _, again = wb.perform_experiments(model, points, evaluator=wb.SequentialEvaluator(model))
    ours = morris_sweep.runs.set_index("point").loc[[0, 1], "admin_share"].to_numpy()
    np.testing.assert_allclose(again["admin_share"], ours)

    runs = morris_sweep.runs.copy()
    runs.loc[0, "status"] = "failed"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ex, out = to_ema(SweepResult(runs, morris_sweep.timeseries, morris_sweep.design), ["admin_share"])
    assert any("1 failed run(s)" in str(w.message) for w in caught)
    assert len(ex) == len(runs) - 1 and out["admin_share"].shape == (len(runs) - 1,)
    assert {ema_name(DRIVER), "scenario", "policy", "model"} <= set(ex.columns)


@pytest.mark.slow
def test_the_benchmark_keeps_the_whole_morris_screen(tmp_path):
    """`benchmarks/run.py --only morris_screen` at a tiny budget: its CSV holds the indices of every
    uncertainty parameter for every headline outcome, once each, with the columns the issue names."""
    from model.parameters import PARAMETERS
    from model.research.sensitivity import HEADLINE
    csv = tmp_path / "morris_indices.csv"
    proc = subprocess.run([sys.executable, "benchmarks/run.py", "--only", "morris_screen", "--morris-trajectories",
                           "2", "--morris-steps", "2", "--morris-scale", "0.002", "--out", str(tmp_path / "b.json"),
                           "--morris-csv", str(csv)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_csv(csv)
    assert list(table.columns[:4]) == ["parameter", "outcome", "mu_star", "sigma"]
    uncertain = {n for n, p in PARAMETERS.items() if p.role == "uncertainty"}
    assert set(table["parameter"]) == uncertain and set(table["outcome"]) == set(HEADLINE)
    assert len(table) == len(uncertain) * len(HEADLINE)
    assert table[["mu_star", "sigma"]].notna().all().all() and (table["mu_star"] >= 0).all()
    record = json.loads((tmp_path / "b.json").read_text())["morris_screen"]
    assert record["trajectories"] == 2 and record["runs"] == 2 * (len(uncertain) + 1)


def test_the_kept_morris_screen_covers_the_registry():
    """benchmarks/morris_indices.csv is the whole screen of the registry as it stands: every
    uncertainty parameter for every headline outcome, from 10 trajectories. A parameter added or
    removed without regenerating it (`python benchmarks/run.py --only morris_screen`) fails here."""
    from model.parameters import PARAMETERS
    from model.research.sensitivity import HEADLINE
    table = pd.read_csv(ROOT / "benchmarks" / "morris_indices.csv")
    uncertain = {n for n, p in PARAMETERS.items() if p.role == "uncertainty"}
    assert set(table["parameter"]) == uncertain, sorted(set(table["parameter"]) ^ uncertain)
    assert set(table["outcome"]) == set(HEADLINE) and len(table) == len(uncertain) * len(HEADLINE)
    assert (table["trajectories"] == 10).all() and (table["mu_star"] >= 0).all()
