"""The ways in for non-programmers: the route without make, Chinese scenario file names, both
READMEs, the lever card, and no traceback when output goes into a pipe that closes early."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import bootstrap
from model import InputError, load_scenario
from model.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parent.parent
PRINTER = """
import sys
from model.cli.console import run_main
def main(argv):
    for i in range(200000):
        print("line", i)
{call}
"""


def pipe_into_early_close(call: str) -> subprocess.CompletedProcess:
    """Run a printer whose reader stops after one line, like `shequ params | head -1`."""
    proc = subprocess.Popen([sys.executable, "-c", PRINTER.format(call=call)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, first.decode(), err)


def test_a_closed_pipe_ends_quietly():
    r = pipe_into_early_close("sys.exit(run_main(main))")
    assert r.stdout == "line 0\n" and r.stderr == "" and r.returncode == 1
    bare = pipe_into_early_close("main(None)")       # what run_main prevents
    assert "BrokenPipeError" in bare.stderr


def test_chinese_scenario_file_names(tmp_path):
    path = tmp_path / "我的情景.toml"
    path.write_text('title_zh = "我的情景"\n[[reforms]]\nkind = "burden_reduction"\nstart_month = 12\n',
                    encoding="utf-8")
    assert load_scenario(path).name == "我的情景"
    bad = tmp_path / "Mine.toml"
    bad.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"name: expected a name = \"...\" entry \(lower-case letters, digits, "
                                         "Chinese characters"):
        load_scenario(bad)


def test_bootstrap_paths_and_steps(monkeypatch):
    assert bootstrap.venv_python(Path("v"), windows=True) == Path("v") / "Scripts" / "python.exe"
    assert bootstrap.venv_python(Path("v"), windows=False) == Path("v") / "bin" / "python"
    steps = bootstrap.install_steps()
    assert steps[0][1:3] == ["-m", "venv"] and steps[-1][-4:] == ["-c", "constraints.txt", "-e", ".[test]"]
    monkeypatch.setenv("SHEQU_ALL_TESTS", "1")      # every test: one process
    assert bootstrap.command(["test", "-x"])[1:] == ["-m", "pytest", "-q", "-x"]
    monkeypatch.delenv("SHEQU_ALL_TESTS")            # the fast tier: every core
    assert bootstrap.command(["test", "-x"])[1:] == ["-m", "pytest", "-q", "-n", "auto", "-x"]


@pytest.mark.parametrize("readme", ["README.md", "README.zh.md"])
def test_readmes_give_both_routes(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    for command in ("make run", "make test", "python bootstrap.py", "python bootstrap.py test",
                    "py -3.12 bootstrap.py", "docs/levers.md"):
        assert command in text, (readme, command)
    if readme == "README.zh.md":
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 500


def test_lever_card_names_real_parameters_in_both_languages():
    text = (ROOT / "docs" / "levers.md").read_text(encoding="utf-8")
    named = re.findall(r"`([a-z_]+\.[a-z_]+|[a-z_]+)`", text)
    levers = [n for n in named if n in PARAMETERS]
    assert 6 <= len(set(levers)) <= 14, levers
    for name in set(levers):
        assert PARAMETERS[name].label_zh in text and PARAMETERS[name].label_en in text, name


@pytest.mark.slow
def test_the_route_without_make_runs_a_study(tmp_path):
    """`python bootstrap.py run ...`, as the READMEs give it, in the environment make or it set up."""
    if not bootstrap.up_to_date():
        pytest.skip(".venv was not set up by `make` or `python bootstrap.py`")
    r = subprocess.run([sys.executable, str(ROOT / "bootstrap.py"), "run", "baseline", "--steps", "2",
                        "--replications", "1", "--workers", "1", "--scale", "0.002", "--out", str(tmp_path)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "timeseries.csv").stat().st_size > 0 and (tmp_path / "report.md").exists()
