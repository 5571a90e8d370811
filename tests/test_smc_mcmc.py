"""calibrate --fit --method smc-mcmc: ABC-SMC with Metropolis moves recovers a parameter the model generated
the data with, gives one fit serial or parallel, and continues after an interrupt from its stored populations."""

from __future__ import annotations

import pytest
from conftest import SMALL, VOLUME, VOLUME_HIGH, VOLUME_LOW, VOLUME_TRUE, volume_problem

from model.research.calibration import Check
from model.research.smc_mcmc import _population_path, run_smc_mcmc
from model.study.design import Factor

NAME, TRUE, LOW, HIGH = VOLUME, VOLUME_TRUE, VOLUME_LOW, VOLUME_HIGH


@pytest.mark.slow      # 12 particles x 7 rounds of 24-month runs, serial and parallel: about 20 s
def test_smc_mcmc_recovers_a_parameter_alike_serial_or_parallel_and_resumes(tmp_path):
    base, target, factors = volume_problem()
    serial = run_smc_mcmc(factors, [base], [target], tmp_path / "serial", population=12, generations=4, steps=24,
                          master_seed=5, workers=1, moves=2)
    row = serial.posterior.set_index("parameter").loc[NAME]
    assert abs(row["median"] - TRUE) < 0.1 * (HIGH - LOW)
    assert row["identified"] and row["shrinkage"] >= 0.5
    assert serial.posterior.set_index("parameter").loc["vote_habit_weight", "shrinkage"] < 0.5
    assert list(serial.populations["t"]) == [0, 1, 2, 3]
    assert serial.populations["epsilon"].iloc[-1] == 0          # every particle inside the range in the end
    assert list(serial.accepted.columns) == [NAME, "vote_habit_weight"] and len(serial.accepted) == 12
    ident = serial.identification.set_index("parameter")
    assert ident.loc[NAME, "identified"] and not ident.loc["vote_habit_weight", "identified"]
    # two processes: the same particles; an interrupt after population 1: the same fit, populations 0-1 not rerun
    parallel = tmp_path / "parallel"
    run_smc_mcmc(factors, [base], [target], parallel, population=12, generations=2, steps=24, master_seed=5,
                 workers=2, moves=2)
    kept = _population_path(parallel, 1).read_text()
    resumed = run_smc_mcmc(factors, [base], [target], parallel, population=12, generations=4, steps=24,
                           master_seed=5, workers=2, moves=2)
    assert _population_path(parallel, 1).read_text() == kept
    assert resumed.accepted.equals(serial.accepted)
    assert resumed.populations.equals(serial.populations)


def test_a_moved_population_keeps_equal_weights_and_only_steps_within_the_tolerance(tmp_path):
    """Without a model: a pattern read off a stub simulator whose value is the first parameter itself. Every
    particle of the last population lies inside the range, the tolerances never rise, and a
    particle outside the prior's ranges is never kept."""
    import pandas as pd

    from model.research import smc_mcmc

    class Echo:
        def __init__(self, *args):
            pass

        def __call__(self, params):
            return {"echo": pd.DataFrame({"step": [0], "turnout": [float(params[A])]})}
    target = Check("T", "synthetic", "a itself", 0.4, 0.5, lambda runs: float(runs("echo")["turnout"].iloc[0]),
                   months=(0, 0))
    A, B = "exit_intercept", "vote_habit_weight"      # registry names; their ranges here are the stub's own
    factors = [Factor(A, 0.0, 1.0), Factor(B, 0.0, 1.0)]
    real = smc_mcmc.ScenarioRuns
    smc_mcmc.ScenarioRuns = Echo
    try:
        fit = run_smc_mcmc(factors, [], [target], tmp_path, population=20, generations=6, master_seed=3, moves=3)
    finally:
        smc_mcmc.ScenarioRuns = real
    eps = list(fit.populations["epsilon"])
    assert all(later <= earlier for earlier, later in zip(eps[1:], eps[2:], strict=False))
    assert eps[-1] == 0
    assert fit.accepted[A].between(0.4, 0.5).all() and fit.accepted[B].between(0.0, 1.0).all()
    assert fit.posterior.set_index("parameter").loc[A, "identified"]
    assert not fit.posterior.set_index("parameter").loc[B, "identified"]
    assert fit.populations["distinct"].iloc[-1] > 5          # the moves spread the resampled copies out again


@pytest.mark.slow      # 6 particles x 2-3 rounds through the six scenarios the checks read, tiny district: about 40 s
def test_calibrate_fit_smc_mcmc_writes_the_posterior_and_resumes(tmp_path, research_layout, capsys):
    import pandas as pd

    from model import cli
    research_layout(SMALL)
    out = tmp_path / "fit"
    command = ["calibrate", "--fit", "--method", "smc-mcmc", "--population", "6", "--generations", "2", "--moves",
               "1", "--vary", "tasks_per_community_month", "--vary", "exit_intercept", "--scale", "0.002",
               "--workers", "1", "--out", str(out)]
    assert cli.main(command) == 0, capsys.readouterr().err
    assert "Metropolis" in (out / "fit_report.md").read_text()
    assert (out / "smc_mcmc" / "population_001.csv").is_file()
    accepted = pd.read_csv(out / "accepted.csv")
    assert list(accepted.columns) == ["tasks_per_community_month", "exit_intercept"] and len(accepted) == 6
    populations = pd.read_csv(out / "populations.csv")
    assert list(populations["t"]) == [0, 1] and {"distinct", "steps_taken"} <= set(populations.columns)
    identification = pd.read_csv(out / "identification.csv")
    assert identification["pattern"].nunique() >= 7 and {"shrinkage", "identified", "informs"} <= set(
        identification.columns)
    kept = (out / "populations.csv").read_text()
    assert cli.main(command) == 0                      # the same command again: the stored populations are read
    assert (out / "populations.csv").read_text() == kept
    second = (out / "smc_mcmc" / "population_001.csv").read_text()
    longer = [("3" if word == "2" and before == "--generations" else word)
              for before, word in zip(["", *command], command, strict=False)]
    assert cli.main(longer) == 0                       # more populations continue the same fit
    assert list(pd.read_csv(out / "populations.csv")["t"]) == [0, 1, 2]
    assert (out / "smc_mcmc" / "population_001.csv").read_text() == second


def test_pyabc_smc_refuses_a_dask_scheduler_in_one_line(tmp_path, capsys):
    from model import cli
    code = cli.main(["calibrate", "--fit", "--method", "smc", "--scheduler", "tcp://127.0.0.1:1", "--vary",
                     "need_rate", "--vary", "exit_intercept", "--population", "6", "--out", str(tmp_path / "fit")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scheduler" in err[0] and "smc-mcmc" in err[0]
    assert not (tmp_path / "fit").exists()
