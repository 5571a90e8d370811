"""calibrate --fit --method smc: ABC-SMC (pyabc) recovers a parameter the model generated the data with, and
continues after an interrupt from the populations it stored."""

from __future__ import annotations

import pytest
from conftest import SMALL, VOLUME, VOLUME_HIGH, VOLUME_LOW, VOLUME_TRUE, volume_problem

from model.parameters import PARAMETERS
from model.research.calibration import Check
from model.research.smc import distance, run_smc

pytest.importorskip("pyabc")


def test_the_distance_is_zero_inside_and_grows_outside_on_either_side():
    patterns = [Check("A", "", "a", 0.2, 0.4, None, months=(0, 0)), Check("B", "", "b", 1.0, 3.0, None, months=(0, 0))]
    assert distance({"A": 0.3, "B": 2.0}, patterns, ["A", "B"]) == 0
    assert distance({"A": 0.5, "B": 2.0}, patterns, ["A", "B"]) == pytest.approx(0.5)      # 0.1 over a width of 0.2
    assert distance({"A": 0.3, "B": 0.0}, patterns, ["A", "B"]) == pytest.approx(0.5)      # 1 under, width 2
    assert distance({"A": float("nan"), "B": 2.0}, patterns, ["A", "B"]) == float("inf")


@pytest.mark.slow      # 2 x 12 x 3 runs of 24 months: about a minute and a half on 2 busy cores
def test_smc_recovers_a_parameter_and_resumes(tmp_path):
    """Offloading per worker rises steeply with the task volume: a target made from a run at a known volume
    (another seed) is found again, the volume narrowed to less than half its range, a bystander not; a second
    call with more populations continues from the stored ones instead of starting again."""
    name, true, low, high = VOLUME, VOLUME_TRUE, VOLUME_LOW, VOLUME_HIGH
    assert PARAMETERS[name].role == "uncertainty"
    base, target, factors = volume_problem()
    first = run_smc(factors, [base], [target], tmp_path, population=12, generations=2, steps=24, master_seed=5)
    assert list(first.populations["t"]) == [0, 1]
    fit = run_smc(factors, [base], [target], tmp_path, population=12, generations=3, steps=24, master_seed=5)
    assert list(fit.populations["t"]) == [0, 1, 2]
    assert list(fit.populations["epsilon"][:2]) == list(first.populations["epsilon"])     # continued, not redone
    row = fit.posterior.set_index("parameter").loc[name]
    assert abs(row["median"] - true) < 0.1 * (high - low)
    assert row["identified"] and row["shrinkage"] >= 0.5
    assert fit.posterior.set_index("parameter").loc["vote_habit_weight", "shrinkage"] < 0.5
    assert list(fit.accepted.columns) == [name, "vote_habit_weight"] and len(fit.accepted) == 12
    ident = fit.identification.set_index("parameter")     # one pattern: one row per parameter
    assert ident.loc[name, "identified"] and not ident.loc["vote_habit_weight", "identified"]
    assert ident.loc[name, "ks"] > ident.loc["vote_habit_weight", "ks"]       # the volume moved from its prior


@pytest.mark.slow      # a population of 6 through the six scenarios the checks read, 120 months, tiny district
def test_calibrate_fit_smc_writes_the_posterior_and_resumes(tmp_path, research_layout, capsys):
    import pandas as pd

    from model import cli
    research_layout(SMALL)
    out = tmp_path / "smc"
    command = ["calibrate", "--fit", "--method", "smc", "--population", "6", "--generations", "1", "--vary",
               "tasks_per_community_month", "--vary", "exit_intercept", "--scale", "0.002", "--workers", "1",
               "--out", str(out)]
    assert cli.main(command) == 0, capsys.readouterr().err
    accepted = pd.read_csv(out / "accepted.csv")
    assert list(accepted.columns) == ["tasks_per_community_month", "exit_intercept"] and len(accepted) == 6
    posterior = pd.read_csv(out / "posterior.csv")
    assert {"parameter", "q05", "median", "q95", "shrinkage", "identified"} <= set(posterior.columns)
    assert (out / "smc.db").is_file() and "ABC-SMC" in (out / "fit_report.md").read_text()
    identification = pd.read_csv(out / "identification.csv")
    assert {"pattern", "parameter", "passing", "ks", "ks_p_adjusted", "median_shift", "spearman", "informs",
            "identifies", "shrinkage", "identified"} <= set(identification.columns)
    assert len(identification) == 2 * identification["pattern"].nunique() and identification["pattern"].nunique() >= 7
    populations = (out / "populations.csv").read_text()
    assert cli.main(command) == 0                      # the same command again: the stored population is read
    assert (out / "populations.csv").read_text() == populations


def test_a_population_too_small_for_its_parameters_is_refused_in_one_line(tmp_path, capsys):
    from model import cli
    code = cli.main(["calibrate", "--fit", "--method", "smc", "--population", "5", "--vary", "need_rate", "--vary",
                     "exit_intercept", "--out", str(tmp_path / "smc")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--population" in err[0] and "at least 6" in err[0]
    assert not (tmp_path / "smc").exists()
