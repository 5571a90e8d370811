"""Shared fixtures: small districts (6 communities x 500 residents) run once per session."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model import GovernanceModel, load_scenario  # noqa: E402

SEEDS = (11, 12, 13, 14, 15)
SMALL = {"n_streets": 2, "communities_per_street": 3}
STEPS = 120


def pytest_collection_modifyitems(config, items):
    """`make test` is the fast tier: slow and browser tests run only with SHEQU_ALL_TESTS=1 (as .ci/run sets)
    or when asked for by -m."""
    for item in items:
        if "test_app_browser" in item.nodeid:
            item.add_marker(pytest.mark.browser)
    if os.environ.get("SHEQU_ALL_TESTS") == "1" or config.getoption("markexpr"):
        return
    keep = [i for i in items if not (i.get_closest_marker("slow") or i.get_closest_marker("browser"))]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


def layout(scenario: str) -> dict:
    """Small districts, except for a scenario that lays out its own communities (sizes, scopes)."""
    own = load_scenario(scenario).parameters["community_sizes"] != "equal"
    return {"resident_agents": False} if own else SMALL


@cache
def _run(scenario: str, seed: int, steps: int = STEPS) -> tuple[pd.DataFrame, dict]:
    model = GovernanceModel(scenario, rng=seed, overrides=layout(scenario)).run(steps)
    return model.district_frame(), model.task_ledger()


@pytest.fixture(scope="session")
def district():
    """district(scenario, seed) -> district metrics frame of a small 10-year run (cached)."""
    return lambda scenario, seed: _run(scenario, seed)[0]


@pytest.fixture(scope="session")
def ledger():
    return lambda scenario, seed: _run(scenario, seed)[1]


# A synthetic calibration for the sequential fits: offloading per worker rises steeply with the task volume.
VOLUME, VOLUME_TRUE, VOLUME_LOW, VOLUME_HIGH = "tasks_per_community_month", 185.0, 110.0, 200.0


def volume_problem():
    """A target made from a run at a known task volume (another seed), on a tiny baseline of 24 months, and
    the factors of a fit: the volume and a bystander that does not move the target. Returns (scenario,
    pattern, factors)."""
    from dataclasses import replace

    from model.parameters import PARAMETERS
    from model.research.calibration import Check, _mean
    from model.study.design import Factor
    base = load_scenario("baseline")
    base = replace(base, parameters={**base.parameters, "scale": 0.002, **SMALL})
    observed = float(GovernanceModel(base, rng=987654, overrides={VOLUME: VOLUME_TRUE}).run(24).district_frame()
                     ["offloaded_tasks_per_worker"].mean())
    target = Check("T", "synthetic", "baseline: offloaded tasks per worker, months 0-23", observed - 1.0,
                   observed + 1.0, lambda r: _mean(r, "baseline", "offloaded_tasks_per_worker", 0, 23),
                   months=(0, 23))
    bystander = PARAMETERS["vote_habit_weight"]
    factors = [Factor(VOLUME, VOLUME_LOW, VOLUME_HIGH),
               Factor(bystander.name, float(bystander.plausible_low), float(bystander.plausible_high))]
    return base, target, factors


@pytest.fixture
def research_layout(monkeypatch):
    """Put every scenario of the research commands (calibrate --fit and its methods) on a given layout:
    ``research_layout(SMALL)``; a command's contract does not need the whole district."""
    from dataclasses import replace

    from model.cli import research as cli_research
    research_scenarios = cli_research.research_scenarios

    def use(layout: dict) -> None:
        monkeypatch.setattr(cli_research, "research_scenarios", lambda names, default, args: [
            replace(s, parameters={**s.parameters, **layout}) for s in research_scenarios(names, default, args)])
    return use


@pytest.fixture
def command(capsys, monkeypatch):
    """command(*args, cwd=ROOT) -> (exit code, stderr): the command line run through model.cli.main
    in this process, for error paths and quick commands (no interpreter start per test)."""
    from model import cli as cli_module

    def run(*args, cwd=ROOT) -> tuple[int, str]:
        monkeypatch.chdir(cwd)
        try:
            code = cli_module.main([str(a) for a in args])
        except SystemExit as stop:                      # argparse's own errors
            code = stop.code
        return code, capsys.readouterr().err
    return run


def window_mean(frames: list[pd.DataFrame], metric: str, first: int, last: int) -> list[float]:
    """Per seed: mean of ``metric`` over months first..last (inclusive)."""
    return [float(f.loc[(f["step"] >= first) & (f["step"] <= last), metric].mean()) for f in frames]
