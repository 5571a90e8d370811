"""Documentation stays in step with the code, and the code stays lint-clean."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from model import METRIC_NAMES, PARAMETERS
from model.parameters import as_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_parameters_doc_is_generated_from_the_registry():
    assert (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8") == as_markdown(), \
        "run: python run.py params --markdown > docs/parameters.md"


def test_odd_names_every_metric_and_every_parameter():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    missing_metrics = [m for m in METRIC_NAMES if f"`{m}`" not in odd]
    assert not missing_metrics, missing_metrics

    def described(name: str) -> bool:
        forms = [name] if "." not in name else [name, "." + name.split(".")[1]]
        return any(re.search(r"(?<![\w.])" + re.escape(f) + r"(?!\w)", odd) for f in forms)

    missing = [n for n in PARAMETERS if not described(n)]
    assert not missing, f"parameters the ODD document does not describe: {missing}"


def test_code_is_lint_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
