"""The built package: a wheel installed into a fresh environment works from any folder; licence,
extras and pinned versions are declared where pip and the README's commands read them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SHIPPED = sorted(p.name for p in (ROOT / "scenarios").glob("*.toml"))


def test_licence_extras_and_package_data_are_declared():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"] and "MIT License" in (ROOT / "LICENSE").read_text()
    assert {"analysis", "app", "test"} <= set(project["optional-dependencies"])
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert setuptools["package-dir"]["model.scenarios"] == "scenarios"
    assert setuptools["package-data"]["model.scenarios"] == ["*.toml"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_constraints_pin_every_dependency_and_are_used_by_the_install():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and re.fullmatch(r"[\w.+-]+", version), line
            pins[_name(name)] = version
    required = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
    missing = [r for r in required if _name(r) not in pins and _name(r) != "shequ"]   # shequ[app]: itself
    assert not missing, f"add to constraints.txt: {missing}"
    bootstrap = (ROOT / "bootstrap.py").read_text()
    assert '"-c", "constraints.txt"' in bootstrap
    assert "bootstrap.py install" in (ROOT / "Makefile").read_text()


def _fresh_venv(path: Path) -> Path:
    """A new virtual environment without the project, seeing this environment's packages
    (offline: only the wheel itself is installed into it)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=120)
    python = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # Plain paths in a .pth file: their own .pth files (such as an editable install of this
    # project) are not processed, so only the dependencies come from here.
    here = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(site) / "dependencies.pth").write_text("\n".join(here) + "\n")
    return python


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_runs_from_another_folder(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("model", "scenarios"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                            "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("shequ-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert sorted(Path(n).name for n in names if n.startswith("model/scenarios/")) == SHIPPED
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in metadata

    python = _fresh_venv(tmp_path / "venv")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-index", "--quiet", str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "我的情景.toml").write_text('title_zh = "我的情景"\n[[reforms]]\nkind = "burden_reduction"\n'
                                          "start_month = 1\n", encoding="utf-8")
    script = """
import sys
from pathlib import Path
import model
from model import GovernanceModel, list_scenarios, load_scenario
from model.study import run_study, summarise
from model.report import write_reports
assert Path(model.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), model.__file__
print(sorted(p.name for p in list_scenarios()))
mine = load_scenario("我的情景.toml")
scenarios = [load_scenario("baseline"), mine]
study = run_study(scenarios, replications=2, steps=3, workers=1, progress=False,
                  overrides={"scale": 0.002, "n_streets": 1, "communities_per_street": 2})
paths = write_reports(Path("out"), scenarios, study.timeseries, summarise(study.timeseries), steps=3,
                      replications=2, master_seed=1, scale=0.002, lang="zh")
print(sorted(paths), mine.name)
"""
    (elsewhere / "out").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    r = subprocess.run([python, "-W", "error::UserWarning", "-c", script], cwd=elsewhere, capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    listed, written = r.stdout.strip().splitlines()
    assert eval(listed) == SHIPPED
    assert "report.html" in written and "differences.csv" in written and written.endswith("我的情景")

    # The installed command line. It needs the model/cli package and the `shequ` console script in pyproject.
    shequ = python.parent / ("shequ.exe" if os.name == "nt" else "shequ")
    if shequ.exists():
        command = [str(shequ)]
    elif (src / "model" / "cli" / "__init__.py").exists():
        command = [str(python), "-m", "model.cli"]
    else:
        pytest.skip("the package has no command-line package (model/cli) yet")
    listing = subprocess.run([*command, "list"], cwd=elsewhere, capture_output=True, text=True, timeout=120, env=env)
    assert listing.returncode == 0, listing.stderr
    assert "baseline" in listing.stdout and "减负" in listing.stdout
    run = subprocess.run([*command, "run", "baseline", "--steps", "2", "--replications", "1", "--workers", "1",
                          "--scale", "0.002", "--out", "cli_out"], cwd=elsewhere, capture_output=True, text=True,
                         timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    assert (elsewhere / "cli_out" / "timeseries.csv").stat().st_size > 0
