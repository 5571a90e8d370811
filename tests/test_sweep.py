"""Sweeps: designs drawn from the registry, the same tables serial, on a pool and on Dask, a
failing run isolated, a killed or interrupted sweep resumed to the same final table."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import GovernanceModel, load_scenario
from model.errors import InputError
from model.parameters import PARAMETERS
from model.research.sweep import load_sweep, run_sweep
from model.study.design import default_factors, factors_from, make_design

ROOT = Path(__file__).resolve().parent.parent
TINY = {"n_streets": 1, "communities_per_street": 2, "scale": 0.005}
VARY = ["--vary", "initial_trust", "--vary", "mean_ties", "--vary", "burden_reduction.ledgers=3:20"]


def tiny(name: str):
    s = load_scenario(name)
    return replace(s, parameters={**s.parameters, **TINY})


def cli(*args, **kw):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, **kw)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns=["wall_s"], errors="ignore").reset_index(drop=True),
                                  b.drop(columns=["wall_s"], errors="ignore").reset_index(drop=True),
                                  check_exact=True)


# ---------------------------------------------------------------- designs

def test_default_factors_are_every_uncertainty_parameter_at_its_plausible_range():
    factors = default_factors()
    expected = [p for p in PARAMETERS.values() if p.role == "uncertainty"]
    assert [f.name for f in factors] == [p.name for p in expected] and len(factors) > 100
    for f, p in zip(factors, expected, strict=True):
        assert (f.low, f.high) == (p.plausible_low, p.plausible_high)


@pytest.mark.parametrize(("method", "samples", "points"), [
    ("lhs", 10, 10), ("factorial", 3, 27), ("morris", 4, 16), ("sobol", 8, 40)])
def test_designs_have_their_size_stay_in_range_and_repeat_with_the_seed(method, samples, points):
    factors = factors_from(["initial_trust", "mean_ties", "burden_reduction.ledgers=3:20"])
    d = make_design(method, factors, samples, master_seed=7)
    assert len(d.points) == points
    for f in factors:
        assert d.points[f.name].between(f.low, f.high).all()
        assert d.points[f.name].nunique() > 1
    assert d.points["burden_reduction.ledgers"].dtype.kind == "i"       # integers stay integers
    pd.testing.assert_frame_equal(d.points, make_design(method, factors, samples, master_seed=7).points)
    if method != "factorial":
        assert not d.points.equals(make_design(method, factors, samples, master_seed=8).points)


def test_latin_hypercube_fills_each_stratum_once():
    d = make_design("lhs", factors_from(["initial_trust"]), 20, master_seed=3)
    f = d.factors[0]
    strata = np.floor((d.points["initial_trust"] - f.low) / (f.high - f.low) * 20).astype(int)
    assert sorted(strata) == list(range(20))


@pytest.mark.parametrize(("texts", "message"), [
    (["no_such_parameter"], "a parameter name"),
    (["burden_reduction.ledgers"], "a range for burden_reduction.ledgers"),
    (["initial_trust=0.5:0.2"], "LOW < HIGH"),
    (["initial_trust=0:2"], "LOW < HIGH within initial_trust's valid range"),
    (["initial_trust=a:b"], "NAME=LOW:HIGH with two numbers"),
    (["initial_trust", "initial_trust"], "each parameter once"),
])
def test_bad_factors_are_one_line_input_errors(texts, message):
    with pytest.raises(InputError, match=message):
        factors_from(texts)


def test_a_huge_factorial_is_refused_and_an_unbalanced_sobol_design_is_warned_of(capsys):
    with pytest.raises(InputError, match="factorial design of at most"):
        make_design("factorial", default_factors(), 2, 1)
    d = make_design("sobol", factors_from(["initial_trust"]), 10, 1)
    assert len(d.points) == 10 * 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a power of two" in err


# ---------------------------------------------------------------- runs

@pytest.fixture(scope="module")
def small():
    design = make_design("lhs", factors_from(["initial_trust", "mean_ties", "burden_reduction.ledgers=3:20"]), 3, 5)
    return design, [tiny("baseline"), tiny("burden_reduction")]


@pytest.fixture(scope="module")
def serial(small):
    design, scenarios = small
    return run_sweep(design, scenarios, 2, 30, 5, workers=1, progress=False)


def test_a_sweep_crosses_points_scenarios_and_replications_with_common_seeds(small, serial):
    design, scenarios = small
    runs = serial.runs
    assert len(runs) == 3 * 2 * 2 and (runs["status"] == "ok").all()
    assert list(runs["run_id"]) == list(range(12))
    # replication r has one seed across points and scenarios; the two replications differ
    seeds = runs.groupby("replication")["seed"].nunique()
    assert (seeds == 1).all() and runs.loc[runs.replication == 0, "seed"].iloc[0] != runs.loc[
        runs.replication == 1, "seed"].iloc[0]
    # every row carries its point's values, and the run used them: a run equals a direct model run
    row = runs.iloc[7]
    assert row["initial_trust"] == design.points.loc[row["point"], "initial_trust"]
    values = design.values(int(row["point"]))
    model = GovernanceModel(scenarios[int(row["run_id"]) // 2 % 2], rng=int(row["seed"]), overrides=values).run(30)
    final = model.district_frame().iloc[-1]
    assert row["trust"] == final["trust"] and row["ledgers"] == final["ledgers"]
    # the reform parameter moved the reform scenario's ledgers only
    reform = runs[runs.scenario == "burden_reduction"]
    assert np.corrcoef(reform["burden_reduction.ledgers"], reform["ledgers"])[0, 1] > 0.99
    assert runs.loc[runs.scenario == "baseline", "ledgers"].nunique() == 1
    # the long time series holds every metric of every month of every run
    assert len(serial.timeseries) == 12 * 30 * serial.timeseries["metric"].nunique()


def test_initial_trust_moves_trust_the_way_it_should(serial):
    base = serial.runs[serial.runs.scenario == "baseline"]
    assert np.corrcoef(base["initial_trust"], base["trust"])[0, 1] > 0.5


@pytest.mark.slow
def test_serial_pool_and_dask_give_identical_tables(small, serial):
    distributed = pytest.importorskip("dask.distributed")
    design, scenarios = small
    pool = run_sweep(design, scenarios, 2, 30, 5, workers=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        dask = run_sweep(design, scenarios, 2, 30, 5, executor=client.get_executor(), progress=False)
    for other in (pool, dask):
        same(serial.runs, other.runs)
        pd.testing.assert_frame_equal(serial.timeseries, other.timeseries, check_exact=True)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(small, serial, monkeypatch):
    design, scenarios = small
    original = GovernanceModel.run
    bad_seed = int(serial.runs.loc[0, "seed"])

    def run(self, steps):
        if self._seed == bad_seed and self.values["initial_trust"] == design.values(1)["initial_trust"]:
            raise ZeroDivisionError("a division by zero deep inside")
        return original(self, steps)

    monkeypatch.setattr(GovernanceModel, "run", run)
    result = run_sweep(design, scenarios, 2, 30, 5, workers=1, progress=False)
    failed = result.runs[result.runs.status == "failed"]
    assert list(failed["point"].unique()) == [1] and len(failed) == 2          # both scenarios of that point
    assert failed["error"].str.startswith("ZeroDivisionError: a division by zero deep inside").all()
    assert failed["trust"].isna().all() and not result.timeseries["run_id"].isin(failed["run_id"]).any()
    ok = result.runs.status == "ok"
    same(result.runs[ok], serial.runs[ok])


def test_sweep_figures_draw_an_outcome_against_each_parameter_and_one_strategy_minus_another(serial):
    import io
    import warnings

    from model.report.figures import save
    from model.research.sweep_figures import (
        difference_figure,
        outcome_figure,
        point_differences,
        point_means,
        strongest,
        sweep_figures,
    )
    names = ["initial_trust", "mean_ties", "burden_reduction.ledgers"]
    runs = serial.runs
    means = point_means(serial, "trust")
    assert len(means) == 3 * 2 and set(names) <= set(means.columns)
    one = means[(means.scenario == "baseline") & (means.point == 1)]["value"].item()
    assert one == runs[(runs.scenario == "baseline") & (runs.point == 1)]["trust"].mean()
    # the difference is taken run by run on the same point and seed, then averaged over replications
    diff = point_differences(serial, "ledgers", "burden_reduction", "baseline").set_index("point")
    pairs = runs.pivot_table(index=["point", "replication"], columns="scenario", values="ledgers")
    expected = (pairs["burden_reduction"] - pairs["baseline"]).groupby("point").mean()
    assert np.allclose(diff.loc[expected.index, "value"], expected)
    # with fewer panels than parameters, the one that moves the outcome comes first
    assert strongest(means, names, limit=1) == ["initial_trust"]
    assert strongest(means, names) == names
    fig = outcome_figure(serial, "trust", lang="zh")
    assert sum(ax.get_visible() for ax in fig.axes) == len(names)
    diff_fig = difference_figure(serial, "ledgers", "burden_reduction")
    assert sum(ax.get_visible() for ax in diff_fig.axes) == len(names) + 1      # the spread across the design first
    shares = [t.get_text() for t in diff_fig.legends[0].get_texts()]
    assert shares == [f"burden_reduction: higher at {(expected > 0).mean():.0%} of the points"]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"(?s).*Glyph .* missing from")
        save(fig, io.BytesIO())
    assert set(sweep_figures(serial, ["trust"])) == {"sweep_trust.png", "sweep_trust_difference.png"}
    with pytest.raises(InputError, match="expected a strategy of the sweep"):
        point_differences(serial, "trust", "nope", "baseline")


# ---------------------------------------------------------------- the command, interrupted and resumed

SWEEP = ["sweep", "baseline", "burden_reduction", "--design", "lhs", "--samples", "8", "--replications", "2",
         "--steps", "26", "--scale", "0.005", *VARY]
RUNS = 8 * 2 * 2


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep run once, uninterrupted, on two workers."""
    out = tmp_path_factory.mktemp("sweep") / "reference"
    done = cli(*SWEEP, "--out", out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_a_loaded_sweep_goes_to_ema_and_salib(reference):
    """to_ema(load_sweep(folder)) used to raise AttributeError: the loaded sweep had no design."""
    from model.research.ema import to_ema, to_salib
    result = load_sweep(reference)
    experiments, outcomes = to_ema(result)
    assert len(experiments) == (result.runs["status"] == "ok").sum() and "trust" in outcomes
    problem, x, y = to_salib(result, "trust", "baseline")
    assert problem["names"] == [f.name for f in result.design.factors] and len(x) == len(y)


@pytest.mark.slow
def test_the_sweep_command_writes_its_contract(reference):
    out = reference
    runs, ts = load_sweep(out)
    assert {"run_id", "scenario", "replication", "seed", "status", "error", "initial_trust",
            "burden_reduction.ledgers", "trust"} <= set(runs.columns)
    assert len(runs) == RUNS and runs["run_id"].is_unique
    assert list(ts.columns) == ["run_id", "step", "metric", "value"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["description"]["design"]["method"] == "lhs"
    assert not (out / "parts").exists()
    # the figures: each headline outcome against the varied parameters, and the strategies' difference
    assert {"sweep_admin_share.png", "sweep_admin_share_difference.png", "sweep_trust.png"} <= {
        p.name for p in out.iterdir()}
    # the same command again finds the sweep complete and gives the same files
    again = cli(*SWEEP, "--out", out, "--workers", "1")
    assert again.returncode == 0, again.stderr
    same(runs, pd.read_parquet(out / "runs.parquet"))


@pytest.mark.parametrize("how", ["kill", "interrupt"])
@pytest.mark.slow
def test_a_sweep_stopped_mid_way_resumes_to_the_same_table(tmp_path, reference, how):
    out = tmp_path / "stopped"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *SWEEP, "--out", str(out), "--workers", "2"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "parts").glob("part-*"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (-signal.SIGKILL, 130), err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == ("running" if how == "kill" else "interrupted")
    assert not (out / "runs.parquet").exists()                      # nothing half-done looks complete
    with pytest.raises(InputError, match="expected a complete study"):
        load_sweep(out)
    kept = pd.concat([pd.read_parquet(f / "runs.parquet") for f in (out / "parts").glob("part-*")])
    assert 0 < len(kept) < RUNS
    resumed = cli(*SWEEP, "--out", out, "--workers", "2")
    assert resumed.returncode == 0, resumed.stderr
    same(pd.read_parquet(reference / "runs.parquet"), pd.read_parquet(out / "runs.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(reference / "timeseries.parquet"),
                                  pd.read_parquet(out / "timeseries.parquet"), check_exact=True)


def test_library_errors_name_the_argument_and_the_command_line_names_its_option():
    from model.cli.parser import as_option
    with pytest.raises(InputError, match=r"^make_design: samples=: expected an integer >= 2") as caught:
        make_design("sobol", factors_from(["initial_trust"]), 1, 1)
    assert str(as_option(caught.value, "sweep")).startswith("command line: --samples: expected an integer >= 2")
    with pytest.raises(InputError, match=r"^factors_from: texts=: expected a parameter name") as caught:
        factors_from(["nope"])
    assert str(as_option(caught.value, "sweep")).startswith("command line: --vary: ")
    with pytest.raises(InputError, match=r"^make_design: method=: ") as caught:
        make_design("nope", factors_from(["initial_trust"]), 2, 1)
    assert as_option(caught.value, "sweep").field == "--design"
    assert as_option(caught.value, "sensitivity").field == "--method"
    scenario_error = InputError("custom.toml", "start_month", "a month within the run", 200)
    assert as_option(scenario_error, "sweep") is scenario_error


@pytest.mark.parametrize(("args", "message"), [
    (["--design", "sobol", "--samples", "1"], "command line: --samples: expected an integer >= 2 for the sobol"),
    (["--vary", "nope"], "command line: --vary: expected a parameter name"),
    (["--steps", "12"], "start_month: expected a month within the run"),
    (["--scheduler", "tcp://127.0.0.1:1"], "command line: --scheduler: expected the address of a running Dask"),
])
def test_bad_sweep_input_is_one_line_and_exit_2(tmp_path, args, message, command, monkeypatch):
    from model.research import sweep as sweep_module
    monkeypatch.setattr(sweep_module, "CONNECT_SECONDS", 3.0)      # a refused address is retried until then
    code, stderr = command("sweep", "baseline", "burden_reduction", "--samples", "2", "--steps", "26",
                           "--scale", "0.005", "--out", tmp_path / "x", *args)
    assert code == 2, stderr
    lines = [line for line in stderr.strip().splitlines() if not line.startswith(("Sweep", "sweep"))]
    assert len(lines) == 1 and "Traceback" not in stderr and message in lines[0], stderr


def test_sweep_figures_of_many_parameters_warn_of_nothing(serial):
    """A sweep over the default factors has some 200 parameter columns; a figure's difference
    table made from them must not print pandas' 'highly fragmented' warning to the user."""
    import types
    import warnings

    from model.research.sweep_figures import point_differences, point_means
    runs = serial.runs.copy()
    extra = [f"p{i:03d}" for i in range(150)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        for i, name in enumerate(extra):   # one block per column, as a frame read column by column is
            runs[name] = float(i)
    factors = [*serial.design.factors, *(types.SimpleNamespace(name=n) for n in extra)]
    result = types.SimpleNamespace(runs=runs, design=types.SimpleNamespace(factors=factors))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        diff = point_differences(result, "ledgers", "burden_reduction", "baseline")
        means = point_means(result, "trust")
    assert list(diff["p149"].unique()) == [149.0] and len(diff) == 3
    assert len(means) == 6 and set(extra) <= set(means.columns)
