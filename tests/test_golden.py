"""The same seed gives the same study, to the last digit: a small study's timeseries.csv, recorded
once, is rerun in process and compared byte for byte.

The recording catches a change of behaviour that no other test notices: a moved module, a
reordered draw, a rounding that differs. A change to the model's rules or parameters legitimately
changes it; then check that the change was meant, and record it again from the repository's root:

    python run.py run baseline burden_reduction --replications 2 --steps 36 --scale 0.01 \\
        --workers 1 --out results/golden && cp results/golden/timeseries.csv tests/data/golden_timeseries.csv
"""

from __future__ import annotations

from pathlib import Path

from model.cli import main

GOLDEN = Path(__file__).resolve().parent / "data" / "golden_timeseries.csv"


def test_a_small_study_reproduces_its_recorded_timeseries(tmp_path, capsys):
    out = tmp_path / "golden"
    code = main(["run", "baseline", "burden_reduction", "--replications", "2", "--steps", "36", "--scale", "0.01",
                 "--workers", "1", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert (out / "timeseries.csv").read_bytes() == GOLDEN.read_bytes()
