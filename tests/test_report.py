"""Paired differences against the reference, and the reports: registry labels in the chosen
language, NaN intervals as "—" with a note, user text escaped, report.html self-contained."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model import load_scenario
from model.metrics import METRIC_BY_NAME, METRIC_NAMES
from model.report.document import write_html_report, write_report, write_reports
from model.scenario import scenario_from_dict
from model.study.comparison import COLUMNS, differences_over_time, paired_differences
from model.study.experiment import summarise


def table(values: dict[str, list[float]], seeds=(7, 8, 9, 10)) -> pd.DataFrame:
    """Final-month rows: scenario -> one admin_share value per replication (other metrics 0.5)."""
    rows = []
    for name, xs in values.items():
        for r, x in enumerate(xs):
            rows.append({"scenario": name, "replication": r, "seed": seeds[r], "step": 5,
                         **dict.fromkeys(METRIC_NAMES, 0.5), "admin_share": x})
    return pd.DataFrame(rows)


def test_paired_differences_use_the_same_seeds():
    ref = [0.70, 0.80, 0.75, 0.90]
    diff = [-0.10, -0.12, -0.09, -0.11]
    ts = table({"baseline": ref, "burden_reduction": [a + d for a, d in zip(ref, diff, strict=True)]})
    ts = ts.sample(frac=1, random_state=1)          # row order must not matter: pairs go by seed
    out = paired_differences(ts, reference="baseline")
    assert list(out.columns) == COLUMNS and set(out["scenario"]) == {"burden_reduction"}
    row = out.set_index("metric").loc["admin_share"]
    half = stats.t.ppf(0.975, 3) * np.std(diff, ddof=1) / 2
    assert row["mean_difference"] == pytest.approx(np.mean(diff))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((np.mean(diff) - half, np.mean(diff) + half))
    assert row["replications"] == 4
    # the paired interval is far narrower than the per-scenario ones (common random numbers)
    s = summarise(ts).set_index(["scenario", "metric"])
    assert row["ci_high"] - row["ci_low"] < (s.loc[("baseline", "admin_share"), "ci_high"]
                                             - s.loc[("baseline", "admin_share"), "ci_low"]) / 5


def test_paired_differences_edge_cases():
    one = paired_differences(table({"baseline": [0.7], "x": [0.6]}))
    row = one.set_index("metric").loc["admin_share"]
    assert row["mean_difference"] == pytest.approx(-0.1) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
    assert paired_differences(table({"a": [0.7], "b": [0.6]})).empty
    named = paired_differences(table({"a": [0.7, 0.8], "b": [0.6, 0.6]}), reference="b")
    assert set(named["scenario"]) == {"a"}
    # turnout with no election in the reference cannot be compared: absent, not 0
    assert named.set_index("metric").loc["turnout", "replications"] == 2
    ts = table({"baseline": [0.7, 0.8], "x": [0.6, 0.7]})
    ts["turnout"] = np.where(ts["scenario"] == "baseline", 0.0, 0.9)
    t = paired_differences(ts).set_index("metric").loc["turnout"]
    assert t["replications"] == 0 and np.isnan(t["mean_difference"])


def test_differences_over_time_are_the_paired_differences_of_each_month():
    """The over-time table is computed in one pass; it must be, row for row and to the last digit,
    paired_differences month by month -- with shuffled rows, a scenario that has no pair with the
    reference in one month (its rows then say 0 pairs), and an election that starts in month 1."""
    rng = np.random.default_rng(5)
    rows = []
    for step in range(3):
        for name in ("x", "baseline", "y"):
            for rep, seed in enumerate((7, 8, 9)):
                if name == "y" and step == 2:
                    seed += 100                       # no pair with the reference this month
                rows.append({"scenario": name, "replication": rep, "seed": seed, "step": step,
                             **{m: rng.random() for m in METRIC_NAMES},
                             "turnout": 0.0 if step == 0 or name == "y" else rng.random()})
    ts = pd.DataFrame(rows).sample(frac=1, random_state=2)
    over_time = differences_over_time(ts)
    by_month = pd.concat([paired_differences(ts, step=t) for t in range(3)], ignore_index=True)
    pd.testing.assert_frame_equal(over_time, by_month, check_exact=True)
    empty = over_time[(over_time["scenario"] == "y") & (over_time["step"] == 2)]
    assert len(empty) == len(METRIC_NAMES) and (empty["replications"] == 0).all()
    assert differences_over_time(ts, reference="z").empty


def test_floats_as_text_writes_the_bytes_pandas_float_format_writes():
    """communities.csv is written from floats formatted once per distinct value; the file must be the
    one ``to_csv(float_format="%.6g")`` writes, byte for byte, for every kind of value a metric takes
    (NaN, both zeros in either order, infinities, tiny and huge values, repeats) beside integer and text
    columns -- and a column whose negative zero is not told apart must make it fail."""
    from model.study.comparison import floats_as_text
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.random(200), rng.integers(0, 5, 100).astype(float),
                             [np.nan, -0.0, 0.0, -0.0, np.inf, -np.inf, 1e-300, 1.5e17, -2.5, 1 / 3, np.nan]])
    frame = pd.DataFrame({"scenario": ["a,b", 'say "x"', "社区"] * (len(values) // 3) + ["a"] * (len(values) % 3),
                          "step": np.arange(len(values)), "value": values, "zero_first": values[::-1]})
    expected = frame.to_csv(index=False, float_format="%.6g")
    assert floats_as_text(frame, "%.6g").to_csv(index=False) == expected
    assert ",-0," in expected or ",-0\n" in expected        # the case the negative-zero rule is there for
    positive = frame.assign(value=frame["value"] + 0.0)      # every -0.0 made 0.0: must differ
    assert floats_as_text(positive, "%.6g").to_csv(index=False) != expected


def test_election_results_are_absent_until_turnout_marks_an_election():
    from model.study.comparison import absent_before_first_event
    ts = pd.DataFrame({"scenario": "x", "replication": 0, "step": range(4),
                       "turnout": [0.0, 0.0, 0.8, 0.8], "personal_turnout": [0.0, 0.0, 0.0, 0.0],
                       "contested_seat_share": [0.0, 0.0, 0.0, 0.25], "admin_share": [0.0, 0.5, 0.5, 0.5]})
    out = absent_before_first_event(ts)
    # before the election: absent; from it on, a 0 is a real 0 (no seat contested, nobody in person)
    assert out["turnout"].isna().tolist() == [True, True, False, False]
    assert out["contested_seat_share"].tolist()[2:] == [0.0, 0.25] and out["contested_seat_share"][:2].isna().all()
    assert out["personal_turnout"].tolist()[2:] == [0.0, 0.0]
    assert out["admin_share"].tolist() == ts["admin_share"].tolist()     # not an election metric
    # with no turnout column, each metric's own first non-zero month
    alone = absent_before_first_event(ts.drop(columns="turnout"))
    assert alone["contested_seat_share"].isna().tolist() == [True, True, True, False]


@pytest.fixture
def study(tmp_path):
    hostile = scenario_from_dict(
        {"name": "hostile", "title_en": "<script>alert(1)</script> | *bold* [link](http://example.com)",
         "title_zh": "<b>危险</b> | 标题", "about": {"zh": "说明 <img src=x>", "en": "About <img src=x>"}},
        "hostile.toml", "hostile")
    scenarios = [load_scenario("baseline"), load_scenario("burden_reduction"), hostile]
    rng = np.random.default_rng(2)
    rows = []
    for s in scenarios:
        for r in range(3):
            for step in range(6):
                rows.append({"scenario": s.name, "replication": r, "seed": 40 + r, "step": step,
                             **{m: 0.4 + 0.05 * rng.standard_normal() for m in METRIC_NAMES}, "turnout": 0.0})
    ts = pd.DataFrame(rows)
    summary = summarise(ts)
    summary.loc[summary["metric"] == "satisfaction", ["ci_low", "ci_high"]] = np.nan   # as with 1 replication
    return tmp_path, scenarios, ts, summary


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reports_in_the_chosen_language(study, lang):
    out, scenarios, ts, summary = study
    paths = write_reports(out, scenarios, ts, summary, steps=6, replications=3, master_seed=9, scale=0.01,
                          lang=lang)
    assert set(paths) == {"timeseries.png", "final_comparison.png", "differences_over_time.png", "differences.csv",
                          "report.md", "report.html"}
    diffs = pd.read_csv(paths["differences.csv"])
    assert list(diffs.columns) == COLUMNS and set(diffs["scenario"]) == {"burden_reduction", "hostile"}
    md = paths["report.md"].read_text(encoding="utf-8")
    page = paths["report.html"].read_text(encoding="utf-8")
    label = "label_zh" if lang == "zh" else "label_en"
    for text in (md, page):
        assert getattr(METRIC_BY_NAME["admin_share"], label) in text
        assert ("与参照情景的差值" if lang == "zh" else "Differences from the reference") in text
        assert ("尚未举行" if lang == "zh" else "not held yet") in text         # turnout never held
        assert "[—]" in text and ("没有区间" if lang == "zh" else "means no interval") in text
    assert ("## 情景" if lang == "zh" else "## Scenarios") in md
    # user text is literal: no raw HTML, no Markdown table breaks or links
    raw, escaped = ("<b>危险</b>", "&lt;b&gt;危险&lt;/b&gt;") if lang == "zh" else ("<script>", "&lt;script&gt;")
    assert raw not in page and "<img src=x>" not in page and escaped in page
    assert raw not in md and "<img src=x>" not in md and "\\|" in md
    assert "](http" not in md
    # self-contained and printable: embedded figures, no outside requests, A4 page
    assert page.count("src='data:image/png;base64,") == 3
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", page) and "@import" not in page
    assert "size: A4" in page and (f"lang='{'zh-CN' if lang == 'zh' else 'en'}'") in page


def test_without_the_reference_the_report_says_so(study):
    out, scenarios, ts, summary = study
    ts, summary = ts[ts["scenario"] != "baseline"], summary[summary["scenario"] != "baseline"]
    differences = paired_differences(ts, reference="baseline")
    assert differences.empty
    common = {"steps": 6, "replications": 3, "master_seed": 9, "scale": 0.01, "lang": "zh",
              "differences": differences}
    for write in (write_report, write_html_report):
        assert "不包含参照情景" in write(out, scenarios[1:], summary, **common).read_text(encoding="utf-8")
    common["differences"] = None          # not computed: no section at all
    assert "## 与参照情景的差值" not in write_report(out, scenarios[1:], summary, **common).read_text(encoding="utf-8")


def test_holds_needs_ten_pairs_and_an_effect_worth_reporting():
    """Two agreeing pairs are not enough, nor is a consistent effect smaller than the metric's min_effect;
    the sign test's p-value is given beside the share."""
    from model.metrics import METRICS, MIN_EFFECTS, min_effect
    from model.study.comparison import MIN_PAIRS
    assert all(m.smallest_effect > 0 for m in METRICS)
    assert set(MIN_EFFECTS) <= {m.name for m in METRICS}
    few = paired_differences(table({"baseline": [0.5, 0.5], "x": [0.6, 0.61]})).set_index("metric").loc["admin_share"]
    assert few["robust"] and not few["holds"] and few["sign_test_p"] == pytest.approx(0.5)
    n = MIN_PAIRS
    tiny = paired_differences(table({"baseline": [0.5] * n, "x": [0.5 + min_effect("admin_share") / 2] * n},
                                    seeds=range(n))).set_index("metric").loc["admin_share"]
    assert tiny["robust"] and not tiny["holds"]
    big = paired_differences(table({"baseline": [0.5] * n, "x": [0.6] * n}, seeds=range(n)))
    big = big.set_index("metric").loc["admin_share"]
    assert big["holds"] and big["sign_test_p"] < 0.01


def test_window_compares_averages_over_months():
    """--window A:B compares each replication's average over the months, which shows a relapse."""
    from model.study.experiment import summarise
    rows = []
    for rep in range(3):
        for step, (b, x) in enumerate([(0.5, 0.5), (0.5, 0.7), (0.5, 0.5)]):
            rows += [{"scenario": "baseline", "replication": rep, "seed": rep, "step": step, "turnout": b},
                     {"scenario": "x", "replication": rep, "seed": rep, "step": step, "turnout": x}]
    ts = pd.DataFrame(rows)
    last = paired_differences(ts, metrics=["turnout"]).iloc[0]
    window = paired_differences(ts, window=(1, 2), metrics=["turnout"]).iloc[0]
    assert last["mean_difference"] == pytest.approx(0) and window["mean_difference"] == pytest.approx(0.1)
    at = paired_differences(ts, step=1, metrics=["turnout"]).iloc[0]
    assert at["mean_difference"] == pytest.approx(0.2) and at["step"] == 1
    summary = summarise(ts.assign(**{m: 0.0 for m in METRIC_NAMES if m != "turnout"}), window=(1, 2))
    assert summary.set_index(["scenario", "metric"]).loc[("x", "turnout"), "mean"] == pytest.approx(0.6)


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_the_report_calls_a_fragile_finding_fragile(study, tmp_path, monkeypatch):
    """A conclusion the burden-reduction scenario's notice states, holding in fewer than 90% of the posterior
    draws (docs/findings.csv of `run.py findings`), is called fragile under that scenario in both reports."""
    from model.research import findings
    out, scenarios, ts, summary = study
    table = tmp_path / "findings.csv"
    table.write_text("finding,claim_en,claim_zh,draws,sign_share,verdict,stated_by\n"
                     "rebound,Offloading rebounds,下派任务反弹,20,0.3,reversed,burden_reduction\n", encoding="utf-8")
    monkeypatch.setattr(findings, "FINDINGS_CSV", table)
    paths = write_reports(out, scenarios, ts, summary, steps=6, replications=3, master_seed=9, scale=0.01, lang="en")
    for name in ("report.md", "report.html"):
        text = paths[name].read_text(encoding="utf-8")
        assert "Offloading rebounds" in text and "30%" in text and "reversed" in text
    table.write_text("finding,claim_en,claim_zh,draws,sign_share,verdict,stated_by\n"
                     "rebound,Offloading rebounds,下派任务反弹,20,0.97,robust,burden_reduction\n", encoding="utf-8")
    paths = write_reports(out, scenarios, ts, summary, steps=6, replications=3, master_seed=9, scale=0.01, lang="en")
    assert "Offloading rebounds" not in paths["report.md"].read_text(encoding="utf-8")
