"""calibrate --fit: rejection ABC recovers a parameter from the model's own output; the command's contract."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL

from model import cli
from model.governance import GovernanceModel
from model.metrics import METRIC_NAMES
from model.parameters import PARAMETERS
from model.research.calibration import CHECKS, Check, _mean
from model.research.fitting import (
    distances,
    fit,
    inside,
    min_steps,
    pattern_names,
    patterns_within,
    scenarios_read,
    select,
)
from model.scenario import load_scenario
from model.study.design import Factor, make_design

ROOT = Path(__file__).resolve().parent.parent
TINY = {"n_streets": 1, "communities_per_street": 1}    # the command's contract does not need a district


def test_each_check_declares_the_months_it_reads():
    """Check.months is what the fit's minimum --steps comes from: it must cover every window read,
    and no more than that (a frame ending one month earlier changes the value)."""
    rng = np.random.default_rng(0)
    # the baseline a level above the reforms, so a check that divides by a relief
    # (baseline minus reform) reads a defined value whatever the random draws
    frames = {s: pd.DataFrame({"step": np.arange(150),
                               **{m: rng.random(150) + (s == "baseline") for m in METRIC_NAMES}})
              for s in scenarios_read(CHECKS)}
    for check in CHECKS:
        first, last = check.months
        def cut(a: int, b: int):
            return lambda s: frames[s][frames[s]["step"].between(a, b)]
        full = check.read(lambda s: frames[s])
        kept = check.read(cut(first, last))
        shorter = check.read(cut(first + 1, last - 1))
        assert kept == pytest.approx(full), check.measure
        assert shorter != pytest.approx(full), check.measure


def test_the_checks_read_six_scenarios_and_need_120_months():
    names = scenarios_read(CHECKS)
    assert sorted(names) == sorted(["baseline", "direct_election_resident", "direct_election_household",
                                    "burden_reduction", "function_transfer_funded", "function_transfer_unfunded"])
    assert min_steps(CHECKS, [load_scenario(n) for n in names]) == 120
    assert pattern_names(CHECKS) == ["SF6", "SF7", "SF9", "SF4a", "SF4b", "SF10a", "SF10b",
                                     "SF14", "SF15", "SF16", "SF17", "SF18"]


def test_distance_is_zero_in_range_and_scaled_outside_and_selection_falls_back():
    patterns = [Check("A", "", "a", 0.0, 1.0, None, months=(0, 0)),
                Check("B", "", "b", 10.0, np.inf, None, months=(0, 0))]
    values = pd.DataFrame({"A": [0.5, 2.0, 3.0, 0.5, np.nan], "B": [11.0, 11.0, 12.0, 5.0, 11.0]})
    d = distances(values, patterns)
    assert d[0] == 0 and d[1] > 0 and d[2] > d[1] and np.isinf(d[4])
    assert d[3] == pytest.approx(5.0 / values["B"].std(ddof=1))      # below the low bound, over the spread
    passed = inside(values, patterns).all(axis=1)
    assert list(passed) == [True, False, False, False, False]
    chosen, rule = select(d, passed)                  # 1 of 5 passes, >= 10%: the passing one
    assert list(chosen) == [True, False, False, False, False] and "all patterns" in rule
    chosen, rule = select(d, passed, accept=0.4)      # the nearest two, whatever passes
    assert chosen.sum() == 2 and chosen[0] and "nearest" in rule
    chosen, _ = select(d, pd.Series(False, index=d.index))    # none passes: the nearest 10%, one point
    assert list(chosen) == [True, False, False, False, False]


def test_abc_recovers_a_parameter_the_model_generated_the_data_with():
    """Offloading per worker rises steeply with the departments' task volume. Make a target from a
    run at a known volume (not the default) with a seed the fit does not use, fit the volume over its
    plausible range, and find it again."""
    name, true, low, high = "tasks_per_community_month", 185.0, 110.0, 200.0
    assert PARAMETERS[name].value != true and PARAMETERS[name].role == "uncertainty"
    base = load_scenario("baseline")
    base = replace(base, parameters={**base.parameters, "scale": 0.002, **SMALL})
    frame = GovernanceModel(base, rng=987654, overrides={name: true}).run(24).district_frame()
    observed = float(frame["offloaded_tasks_per_worker"].mean())
    target = Check("T", "synthetic", "baseline: offloaded tasks per worker, months 0-23", observed - 1.0,
                   observed + 1.0, lambda r: _mean(r, "baseline", "offloaded_tasks_per_worker", 0, 23),
                   months=(0, 23))
    design = make_design("lhs", [Factor(name, low, high)], 16, master_seed=5)
    result = fit(design, [base], [target], replications=1, steps=24, master_seed=5, workers=1)
    row = result.posterior.set_index("parameter").loc[name]
    assert len(result.accepted) >= 2
    assert abs(row["median"] - true) < 0.1 * (high - low)
    assert row["q95"] - row["q05"] < 0.5 * 0.9 * (high - low)      # the prior's 90% range, at least halved
    assert row["shrinkage"] > 0.5
    assert result.identification.set_index("parameter").loc[name, "ks"] > 0.5


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_calibrate_fit_writes_the_posterior(tmp_path, research_layout, capsys):
    """The command at the smallest size the checks allow: 3 points x 6 scenarios x 120 months, in a
    tiny district (the contract, not the district, is under test)."""
    research_layout(TINY)
    out = tmp_path / "fit"
    vary = ["tasks_per_community_month", "exit_intercept"]
    code = cli.main(["calibrate", "--fit", "--samples", "3", "--steps", "120", "--vary", vary[0], "--vary", vary[1],
                     "--scale", "0.002", "--workers", "1", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    accepted = pd.read_csv(out / "accepted.csv")
    assert list(accepted.columns) == vary and 1 <= len(accepted) <= 3
    posterior = pd.read_csv(out / "posterior.csv")
    assert {"parameter", "prior_low", "prior_high", "q05", "median", "q95", "shrinkage", "ks", "ks_p",
            "identified"} <= set(posterior.columns)
    assert sorted(posterior["parameter"]) == sorted(vary)
    patterns = pd.read_csv(out / "patterns.csv")
    assert len(patterns) == 3 and {"SF6", "SF10b", "distance", "accepted"} <= set(patterns.columns)
    identification = pd.read_csv(out / "identification.csv")
    assert len(identification) == len(CHECKS) * 2
    for name in ("fit_report.md", "posterior.png"):
        assert (out / name).stat().st_size > 0
    assert '"status": "complete"' in (out / "manifest.json").read_text()
    assert "Accepted" in capsys.readouterr().out


def test_too_short_steps_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "never"
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "calibrate", "--fit", "--steps", "50", "--out",
                           str(out)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--steps: expected at least 60 months" in proc.stderr, proc.stderr
    assert "(all of them need 120)" in proc.stderr and not out.exists()


def test_a_shorter_fit_leaves_out_the_patterns_it_cannot_read():
    scenarios = {n: load_scenario(n) for n in scenarios_read(CHECKS)}
    kept = patterns_within(100, CHECKS, scenarios)
    # the SF4, SF14 and SF15 windows end in month 119, SF17's starts in month 108
    assert [c.key for c in kept] == ["SF6", "SF7", "SF9", "SF10", "SF10", "SF16", "SF18"]
    assert scenarios_read(kept) == ["baseline", "burden_reduction", "function_transfer_unfunded",
                                    "function_transfer_funded"]
    assert patterns_within(120, CHECKS, scenarios) == list(CHECKS)


@pytest.mark.parametrize("args, needle", [
    (["calibrate", "--samples", "3"], "--samples: expected --fit"),
    (["calibrate", "--replications", "1"], "--replications: expected an integer in [2, 100]"),
    (["calibrate", "--fit", "--replications", "0"], "--replications: expected an integer in [1, 1000]"),
    (["calibrate", "--fit", "--accept", "0"], "--accept: expected a number in [0.001, 1]"),
])
def test_bad_calibrate_options_exit_2_with_one_line(args, needle, capsys):
    """Without --fit, calibrate takes what it took before (its --replications at least 2)."""
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err, err


def test_leave_out_drops_the_named_patterns_and_refuses_an_unknown_name_in_one_line(capsys):
    """A fact the model's structure cannot meet (SF15, SF16, SF18) would dominate the fit's distance: --leave-out
    takes it out of the fit, by the name `calibrate` prints, and nothing else."""
    from argparse import Namespace

    from model.cli.research import fitted_patterns
    from model.errors import InputError
    scenarios = {n: load_scenario(n) for n in scenarios_read(CHECKS)}
    kept = fitted_patterns(Namespace(leave_out=["SF15", "SF16", "SF18"], steps=120), scenarios)
    assert pattern_names(kept) == ["SF6", "SF7", "SF9", "SF4a", "SF4b", "SF10a", "SF10b", "SF14", "SF17"]
    assert fitted_patterns(Namespace(leave_out=None, steps=120), scenarios) == list(CHECKS)
    with pytest.raises(InputError, match="SF99"):
        fitted_patterns(Namespace(leave_out=["SF99"], steps=120), scenarios)
    assert cli.main(["calibrate", "--fit", "--leave-out", "SF4"]) == 2      # SF4 has two patterns: SF4a, SF4b
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--leave-out" in err[0] and "SF4a" in err[0]
