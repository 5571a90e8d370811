"""The study report and its figures in Chinese or English (labels from METRICS and scenario files)."""

from __future__ import annotations

import pytest

from model import load_scenario
from model.experiment import run_study, summarise
from model.metrics import METRIC_BY_NAME
from model.report import plot_final, plot_timeseries, write_report


@pytest.fixture(scope="module")
def study():
    scenarios = [load_scenario("baseline"), load_scenario("burden_reduction")]
    result = run_study(scenarios, replications=2, steps=6, workers=1, progress=False,
                       overrides={"n_streets": 2, "communities_per_street": 2})
    return scenarios, result.timeseries, summarise(result.timeseries)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_in_the_chosen_language(tmp_path, study, lang):
    scenarios, timeseries, summary = study
    few = ("admin_share", "trust", "turnout", "satisfaction")   # few panels keep the test quick
    assert plot_timeseries(timeseries, tmp_path / "t.png", few, lang=lang).stat().st_size > 10_000
    assert plot_final(summary, tmp_path / "f.png", few, lang=lang).stat().st_size > 10_000
    text = write_report(tmp_path, scenarios, summary, steps=6, replications=2, master_seed=1, scale=0.05,
                        lang=lang).read_text(encoding="utf-8")
    burden = scenarios[1]
    first, second = (burden.title_zh, burden.title_en) if lang == "zh" else (burden.title_en, burden.title_zh)
    assert f"### burden_reduction: {first}" in text and f"*{second}*" in text
    assert text.index(first) < text.index(second)
    label = METRIC_BY_NAME["admin_share"].label_zh
    assert (label in text) == (lang == "zh")
    assert ("社区治理改革模拟研究报告" in text) == (lang == "zh")
    assert ("Shequ study report" in text) == (lang == "en")
