"""Every shell and TOML block in README.md, README.zh.md and docs/levers.md, run as a reader would,
at a tiny size (issue 21, item 1). A command that installs, serves or needs root is skipped by
SKIP below, each with its reason; anything else that fails the test names the file and the line."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = ("README.md", "README.zh.md", "docs/levers.md")
# (start of a command, why it is not run here)
SKIP = (
    ("make ", "make run is the full default study and make test the suite itself"),
    ("SHEQU_ALL_TESTS=1 make test", "the whole test suite, slow and browser tests included"),
    ("python bootstrap.py ", "the default study: every scenario, whose reforms start after a tiny run ends"),
    (".venv/bin/python run.py status results/", "reads a folder an earlier block wrote at full size"),
    (".venv/bin/python run.py calibrate --fit", "needs at least 60 months, more than the tiny run"),
    (".venv/bin/python run.py run baseline burden_reduction --parameter-uncertainty posterior",
     "reads the fit the calibrate block writes"),
    (".venv/bin/python run.py findings --posterior results/fit", "reads the fit the calibrate block writes"),
    ("python bootstrap.py test", "runs the test suite"),
    ("sudo ", "installs system packages"),
    ("rm -rf ~/", "touches the user's cache"),
    (".venv/bin/pip", "installs packages"),
    ("python3 -m venv", "creates an environment"),
    (".venv/bin/python -m model.app.server", "serves the app until stopped (the app tests cover it)"),
)
# a TOML file name per block, for the commands that run it
TOML_NAMES = {"README.md": "my_scenario.toml", "README.zh.md": "我的情景.toml", "docs/levers.md": "我的减负.toml"}
TINY = {"--steps": "40", "--replications": "2", "--samples": "4", "--scale": "0.01"}


def blocks(kind: tuple[str, ...]):
    for name in FILES:
        text = (ROOT / name).read_text(encoding="utf-8")
        for m in re.finditer(r"```(\w+)\n(.*?)```", text, re.S):
            if m.group(1) in kind:
                yield name, text[:m.start()].count("\n") + 2, m.group(2)


def commands():
    for name, line, body in blocks(("bash", "sh", "shell")):
        body = body.replace("\\\n", " ")
        for i, raw in enumerate(body.splitlines()):
            command = raw.split("  #")[0].split(" # ")[0].strip()
            if command and not command.startswith("#"):
                yield pytest.param(name, command, id=f"{name}:{line + i}")


def tiny(command: str) -> list[str]:
    words = shlex.split(command)
    if words[:2] == ["python", "bootstrap.py"]:
        words = words[2:] or ["--replications", "1"]       # bare: the default study
    elif words[:2] == [".venv/bin/python", "run.py"]:
        words = words[2:]
    else:
        raise AssertionError(f"not a project command: {command}")
    out, i = [], 0
    while i < len(words):
        w = words[i]
        if w in TINY:
            out += [w, TINY[w]]
            i += 2
            continue
        out.append(w)
        i += 1
    if not out or out[0].startswith("--"):                     # the default study
        out += ["--steps", TINY["--steps"], "--scale", TINY["--scale"]]
    if out and out[0] in ("run", "sweep", "sensitivity", "discover", "calibrate") and "--steps" not in out:
        out += ["--steps", TINY["--steps"]]
    if out and out[0] in ("run", "sweep") and "--replications" not in out:
        out += ["--replications", "1"]
    if out and out[0] in ("run", "sweep", "sensitivity", "discover") and "--scale" not in out:
        out += ["--scale", TINY["--scale"]]
    if out and out[0] in ("sweep", "sensitivity", "discover", "calibrate") and "--samples" not in out:
        out += ["--samples", TINY["--samples"]]
    return out


def scenario_text(name: str, body: str) -> str:
    """A TOML block as a file: README.md's abbreviates community_sizes with `...`, which is dropped
    (the shipped scenario seed_district_package has the full list)."""
    return re.sub(r"community_sizes = \[\[.*?\.\.\.\][^\n]*\n", "", body, flags=re.S)


@pytest.mark.parametrize("name,line,body", [pytest.param(*b, id=f"{b[0]}:{b[1]}") for b in blocks(("toml",))])
def test_toml_blocks_are_scenarios(tmp_path, name, line, body):
    from model import load_scenario
    path = tmp_path / TOML_NAMES[name]
    path.write_text(scenario_text(name, body), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))
    load_scenario(path)


@pytest.mark.slow
@pytest.mark.parametrize("name,command", list(commands()))
def test_shell_blocks_run(tmp_path, name, command):
    for start, why in SKIP:
        if command.startswith(start) or command == start.strip():
            pytest.skip(why)
    for doc, body in ((n, b) for n, _, b in blocks(("toml",))):
        (tmp_path / TOML_NAMES[doc]).write_text(scenario_text(doc, body), encoding="utf-8")
    (tmp_path / "results" / "baseline").mkdir(parents=True)      # what `status results/baseline` reads
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SHEQU_NO_PROGRESS": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), *tiny(command)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1) if tiny(command)[:1] == ["status"] else done.returncode == 0, \
        f"{name}: {command}\n{done.stderr[-2000:]}"
