#!/usr/bin/env python3
"""Set up and run Shequ with Python alone: no make needed (Windows, macOS, Linux).

    python bootstrap.py                 the default study (what `make run` does)
    python bootstrap.py test            the test suite (what `make test` does)
    python bootstrap.py list            any other arguments go to the Shequ command line
    python bootstrap.py run baseline --replications 10
    python bootstrap.py install         only create .venv and install the project into it

On first use (and whenever pyproject.toml or constraints.txt change) it creates a virtual
environment in .venv and installs the project with the pinned versions of constraints.txt.
The Makefile's install step runs this same script.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"
INPUTS = (ROOT / "pyproject.toml", ROOT / "constraints.txt")
MIN_PYTHON = (3, 12)


def venv_python(venv: Path = VENV, windows: bool = os.name == "nt") -> Path:
    """The virtual environment's interpreter (Scripts\\python.exe on Windows, bin/python elsewhere)."""
    return venv / "Scripts" / "python.exe" if windows else venv / "bin" / "python"


def up_to_date() -> bool:
    return STAMP.exists() and all(STAMP.stat().st_mtime >= p.stat().st_mtime for p in INPUTS if p.exists())


def install_steps() -> list[list[str]]:
    """The commands that set up .venv, in order, run in the project folder (the READMEs list the same)."""
    py = str(venv_python())
    return [
        [sys.executable, "-m", "venv", str(VENV)],
        [py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [py, "-m", "pip", "install", "--quiet", "-c", "constraints.txt", "-e", ".[test]"],
    ]


def install() -> None:
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"Shequ needs Python {'.'.join(map(str, MIN_PYTHON))} or newer; this is {sys.version.split()[0]}. "
                 "Run this script with a newer Python (on Windows: py -3.12 bootstrap.py).")
    if up_to_date():
        return
    for step in install_steps():
        if step[1:3] == ["-m", "venv"] and venv_python().exists():
            continue
        print("+", " ".join(step), file=sys.stderr)
        subprocess.run(step, check=True, cwd=ROOT)
    STAMP.touch()


def test_workers() -> list[str]:
    """The fast tier runs on every core (pytest-xdist); every test (SHEQU_ALL_TESTS=1, as CI) runs in one
    process, since the slow tier starts its own pools, servers and browsers."""
    return [] if os.environ.get("SHEQU_ALL_TESTS") == "1" else ["-n", "auto"]


def command(args: list[str]) -> list[str]:
    """What to run in .venv for ``args``: the test suite, or the Shequ command line."""
    py = str(venv_python())
    if args[:1] == ["test"]:
        return [py, "-m", "pytest", "-q", *test_workers(), *args[1:]]
    if (ROOT / "model" / "cli" / "__init__.py").exists():
        return [py, "-m", "model.cli", *args]
    return [py, str(ROOT / "run.py"), *args]


def main(argv: list[str]) -> int:
    try:
        install()
    except subprocess.CalledProcessError as exc:
        print(f"bootstrap.py: setting up .venv failed at: {' '.join(exc.cmd)}", file=sys.stderr)
        return exc.returncode or 1
    if argv[:1] == ["install"]:
        return 0
    return subprocess.run(command(argv), cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
