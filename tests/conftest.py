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
