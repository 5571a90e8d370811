"""The workshop session behind the app: levers, baseline comparison, map values, hours, handout."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from model import GovernanceModel, load_scenario
from model.app import handout
from model.app.figures import chart_option, colour, other_label
from model.app.i18n import choice_label, param_value, scenario_questions
from model.app.state import ALL, HORIZON, LEVER_PARAMS, Session, build_scenario, levers_from
from model.metrics import METRIC_BY_NAME
from model.parameters import PARAMETERS, reform_defaults

THREE_STREETS = {"n_streets": 3, "communities_per_street": 2}   # the app's views compare streets


def session(preset="seed_district_package", **kw) -> Session:
    return Session(preset, seed=7, overrides=THREE_STREETS, **kw)


def test_levers_rebuild_the_preset_exactly():
    """Reading a scenario into levers and back changes nothing: same seed, same results."""
    preset = load_scenario("seed_district_package")
    rebuilt = build_scenario(preset, levers_from(preset))
    assert [(r.kind, r.start_month, r.params) for r in rebuilt.reforms] == \
        [(r.kind, r.start_month, r.params) for r in preset.reforms]
    a = GovernanceModel(preset, rng=3, overrides=THREE_STREETS).run(14).district_frame()
    b = GovernanceModel(rebuilt, rng=3, overrides=THREE_STREETS).run(14).district_frame()
    pd.testing.assert_frame_equal(a, b)


def test_baseline_runs_beside_on_the_same_seed():
    s = session()
    s.step(11)   # the preset's first reforms start in month 12
    pd.testing.assert_frame_equal(s.district(), s.district(baseline=True))
    s.step(3)
    assert [k for _, k in s.events()][:3] == ["services_into_community", "no_economic_activity", "burden_reduction"]
    # the practised ledgers: the cut to 6, plus what has grown back since (model/government.py)
    assert s.district()["ledgers"].iloc[-1] == pytest.approx(6, abs=0.5)
    assert s.district(baseline=True)["ledgers"].iloc[-1] == 72
    assert s.month == 14


def test_a_lever_switched_on_takes_effect_at_its_month():
    s = session("baseline")
    s.set_lever("burden_reduction", on=True, start_month=2, ledgers=10)
    s.reset()
    s.step(4)
    ledgers = s.district()["ledgers"].tolist()
    assert ledgers[:2] == s.district(baseline=True)["ledgers"].tolist()[:2]
    assert ledgers[2:] == pytest.approx([10, 10], abs=0.1)
    with pytest.raises(KeyError):
        s.set_lever("burden_reduction", nonsense=1)


def test_no_baseline_when_not_comparing():
    s = session(compare=False)
    s.step(2)
    assert s.district(baseline=True).empty
    assert s.community_values("trust")["baseline"].isna().all()


def test_map_values_are_the_latest_community_values():
    s = session()
    s.step(5)
    values = s.community_values("trust")
    places = list(zip(values["street"], values["community"], strict=True))
    assert places == [(st, c) for st in range(3) for c in range(2)]
    frame = s.model.community_frame()
    assert values["value"].tolist() == frame.loc[frame["step"] == 4, "trust"].tolist()
    assert s.colour_range("trust") == (0.0, 1.0)
    low, high = s.colour_range("cost_per_resolved")
    cost = s.community_values("cost_per_resolved")["value"]
    assert low <= cost.min() <= cost.max() <= high


def test_pilot_scope_toggles_communities_and_streets():
    s = session()
    s.toggle_scope(1)
    assert s.scope == frozenset({(1, 0), (1, 1)})
    s.toggle_scope(2, 1)
    assert s.scope == frozenset({(1, 0), (1, 1), (2, 1)})
    s.toggle_scope(1)
    s.toggle_scope(2, 1)
    assert s.scope == ALL


def test_hours_split_adds_up_and_queue_is_counted():
    s = session()
    s.step(2)
    hours = s.hours(1, 1)
    p = s.model.p
    assert sum(hours.values()) == pytest.approx(p["workers_per_committee"] * p["hours_per_worker_month"])
    assert all(v >= 0 for v in hours.values())
    queue = s.queue(1, 1)
    assert queue["requests"] >= 0 and queue["tasks"] == s.model.committee_tasks.backlog[3]


@pytest.mark.filterwarnings("error:Glyph .* missing from font:UserWarning")   # no boxes for Chinese
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_handout_in_the_chosen_language(tmp_path, lang):
    s = session("burden_reduction")
    s.step(30)
    path = handout.save(s, lang, tmp_path)
    text = path.read_text(encoding="utf-8")
    preset = load_scenario("burden_reduction")
    m = METRIC_BY_NAME["admin_share"]
    assert (preset.title_zh if lang == "zh" else preset.title_en) in text
    assert (m.label_zh if lang == "zh" else m.label_en) in text
    assert (m.label_en if lang == "zh" else m.label_zh) not in text
    run, base = s.district()["admin_share"].iloc[-1], s.district(baseline=True)["admin_share"].iloc[-1]
    # shares as %, their change in percentage points, one decimal
    points = " 个百分点" if lang == "zh" else " pp"
    assert f"<td>{100 * run:.1f}%</td>" in text and f"<td>{100 * (run - base):+.1f}{points}</td>" in text
    assert run < base
    assert "data:image/png;base64," in text
    assert ("一次运行，种子 7" if lang == "zh" else "One run, seed 7") in text
    for question in scenario_questions(preset, lang):
        assert html.escape(question) in text
    assert "True" not in text and "False" not in text


def test_handout_calls_a_fragile_finding_fragile(tmp_path, monkeypatch):
    """A conclusion the scenario's "what to notice" states, and that holds in fewer than 90% of the posterior
    draws (docs/findings.csv, written by `run.py findings`), is called fragile on the handout."""
    from model.research import findings
    table = tmp_path / "findings.csv"
    table.write_text("finding,claim_en,claim_zh,draws,sign_share,verdict,stated_by\n"
                     "rebound,Offloading rebounds,下派任务反弹,20,0.55,fragile,"
                     "burden_reduction seed_district_package\n",
                     encoding="utf-8")
    monkeypatch.setattr(findings, "FINDINGS_CSV", table)
    s = session("burden_reduction")
    s.step(3)
    assert "Offloading rebounds" in handout.render(s, "en") and "55%" in handout.render(s, "en")
    assert "脆弱" in handout.render(s, "zh")
    table.write_text(table.read_text(encoding="utf-8").replace("0.55,fragile", "0.95,robust"), encoding="utf-8")
    assert "Offloading rebounds" not in handout.render(s, "en")


def test_handout_settings_in_words_and_a_warning_before_the_reforms(tmp_path):
    s = session("seed_district_package")
    s.set_lever("election", on=True, election_mode="household", proxy_voting=True)
    s.step(3)
    text = handout.render(s, "zh")
    assert "居委会产生方式: 户代表直选" in text and "允许委托投票: 是" in text
    assert "household" not in text and "True" not in text
    assert "差别尚未出现" in text    # saved before the first reform month
    s.step(20)
    assert "差别尚未出现" not in handout.render(s, "zh")


def test_every_choice_and_lever_unit_has_words():
    for p in PARAMETERS.values():
        for choice in p.choices or ():
            assert choice_label(choice, "zh") != choice_label(choice, "en")
    for kind, keys in LEVER_PARAMS.items():
        for key in keys:
            for lang in ("zh", "en"):
                assert param_value(f"{kind}.{key}", reform_defaults(kind)[key], lang)
    assert param_value("workforce.training", False, "zh") == "否"
    assert param_value("function_transfer.transfer_share", 0.5, "en") == "50%"
    assert param_value("burden_reduction.ledgers", 6, "zh") == "6本"


def test_compare_with_another_preset_on_the_same_seed():
    s = session("function_transfer_funded", compare="function_transfer_unfunded")
    first = min(r.start_month for r in s.preset.reforms)
    s.step(first)
    pd.testing.assert_frame_equal(s.district(), s.district(baseline=True))
    s.run_to(first + 24)
    assert s.month == first + 24
    assert s.district()["admin_share"].iloc[-1] != s.district(baseline=True)["admin_share"].iloc[-1]
    assert other_label(s, "zh") == load_scenario("function_transfer_unfunded").title_zh
    # the same run as that preset on its own, on the same seed
    alone = Session("function_transfer_unfunded", seed=7, overrides=THREE_STREETS, compare=None)
    alone.run_to(first + 24)
    pd.testing.assert_frame_equal(s.district(baseline=True), alone.district())
    s.set_compare(None)
    assert s.district(baseline=True).empty and s.month == 0


def test_run_to_the_end_and_the_charts_show_the_ten_years():
    s = session("burden_reduction")
    s.run_to(HORIZON)
    assert s.month == HORIZON
    s.run_to(HORIZON)
    assert s.month == HORIZON
    option = chart_option(s, "admin_share", "zh")
    assert (option["xAxis"]["min"], option["xAxis"]["max"]) == (0, HORIZON)
    assert (option["yAxis"]["min"], option["yAxis"]["max"]) == (0, 100)   # shares as %, fixed range
    run = option["series"][0]["data"]
    assert len(run) == HORIZON and run[-1][1] == pytest.approx(100 * s.district()["admin_share"].iloc[-1], abs=0.01)
    assert [d["xAxis"] for d in option["series"][0]["markLine"]["data"]] == [24]
    assert option["series"][1]["name"] == load_scenario("baseline").title_zh
    assert "max" not in chart_option(s, "cost_per_resolved", "en")["yAxis"]


def test_the_map_can_show_12_month_averages():
    s = session()
    s.step(20)
    frame = s.model.community_frame()
    averaged = s.community_values("requests_resolved_share", window=12)["value"].to_numpy()
    expected = frame[frame["step"] >= 8].groupby(["street", "community"])["requests_resolved_share"].mean()
    assert averaged == pytest.approx(expected.to_numpy())


def test_the_app_seed_is_the_project_seed():
    from model.study.seeds import DEFAULT_SEED
    assert Session("baseline", overrides=THREE_STREETS).seed == DEFAULT_SEED


def test_use_cjk_sets_matplotlib_globally(monkeypatch):
    import matplotlib

    from model.report import fonts
    with matplotlib.rc_context():
        monkeypatch.setattr(fonts, "cjk_font", lambda: None)
        before = list(matplotlib.rcParams["font.family"])
        assert fonts.use_cjk() is None and matplotlib.rcParams["font.family"] == before
        monkeypatch.setattr(fonts, "cjk_font", lambda: "Noto Sans CJK SC")
        assert fonts.use_cjk() == "Noto Sans CJK SC"
        assert matplotlib.rcParams["font.family"][0] == "Noto Sans CJK SC"


def test_a_reform_scoped_to_one_street_moves_only_its_colours():
    s = session("baseline")
    s.set_lever("deliberation", on=True, start_month=0)
    s.toggle_scope(0)
    s.reset()
    s.step(6)
    values = s.community_values("deliberation_participation")
    moved = [colour(v, 0, 1) != colour(b, 0, 1) for v, b in zip(values["value"], values["baseline"], strict=True)]
    assert any(moved)
    assert moved == [street == 0 for street in values["street"]]


def test_every_app_word_and_reform_kind_has_both_languages():
    from model.app.i18n import KIND_LABELS, UI
    from model.parameters import REFORM_KINDS
    assert set(KIND_LABELS) == set(REFORM_KINDS)
    for zh, en in [*UI.values(), *KIND_LABELS.values()]:
        assert zh and en and zh != en


def test_figures_fall_back_to_english_without_a_cjk_font(monkeypatch):
    from model.report import fonts
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    assert fonts.figure_lang("zh") == "en" and fonts.rc("zh") == {}
    monkeypatch.setattr(fonts, "cjk_font", lambda: "Noto Sans CJK SC")
    assert fonts.figure_lang("zh") == "zh" and fonts.figure_lang("en") == "en"
    assert fonts.rc("zh")["font.family"][0] == "Noto Sans CJK SC"


@pytest.mark.parametrize("text, message", [
    ("n_streets=x", "command line: --district n_streets: expected a number, got 'x'"),
    ("n_streets=0", "command line: --district n_streets: expected an integer in [1, 50]"),
    ("nonsense=1", "command line: --district nonsense: expected a known parameter name"),
    ("n_streets", "command line: --district: expected name=value pairs"),
    ("=", "command line: --district: expected name=value pairs separated by commas, got '='"),
    ("=3", "command line: --district: expected name=value pairs separated by commas, got '=3'"),
])
def test_app_command_rejects_a_bad_district_in_one_line(capsys, text, message):
    from model.app import server
    with pytest.raises(SystemExit) as exit_info:
        server.cli(["--district", text])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_app_district_overrides_are_parsed():
    from model.app.server import parse_district
    assert parse_district("n_streets=3, communities_per_street=4,scale=0.02") == {
        "n_streets": 3, "communities_per_street": 4, "scale": 0.02}
    assert parse_district("") == {}


def test_every_scenario_has_questions_and_no_code_names_in_chinese():
    import re

    from model.scenario import list_scenarios
    code = re.compile(r"\b(?!communities\.csv)[a-z]+_[a-z_]+\b|\bSF\d+")   # snake_case names, SF codes
    for path in list_scenarios():
        s = load_scenario(path.stem)
        assert len(s.about.get("questions_zh", [])) >= 2 and len(s.about.get("questions_en", [])) >= 2, path.name
        for key in ("zh", "notice_zh"):
            assert not code.findall(s.about.get(key, "")), (path.name, key, code.findall(s.about[key]))
        for question in s.about["questions_zh"]:
            assert not code.findall(question)


@pytest.mark.parametrize("value", ['"one string"', '[1, 2]', '[""]'])
def test_scenario_questions_must_be_a_list_of_texts(tmp_path, value):
    from model import InputError
    path = tmp_path / "q.toml"
    path.write_text(f'name = "q"\n[about]\nquestions_zh = {value}\n', encoding="utf-8")
    with pytest.raises(InputError, match="about.questions_zh: expected an array of non-empty strings"):
        load_scenario(path)
    path.write_text('name = "q"\n[about]\nquestions_zh = ["为什么？"]\n', encoding="utf-8")
    assert load_scenario(path).about["questions_zh"] == ["为什么？"]


def test_every_metric_unit_is_translated():
    """The map and the handout show any registry metric: its unit must read in both languages."""
    from model.metrics import METRICS
    from model.report.i18n import UNIT_DISPLAY
    for m in METRICS:
        assert m.unit in UNIT_DISPLAY, m.name
        assert UNIT_DISPLAY[m.unit].zh != m.unit or not m.unit.isascii() or m.unit == "%", m.name


def test_the_panel_has_a_lever_for_every_reform_kind_and_only_registry_parameters():
    """LEVER_PARAMS is written by hand: a new reform kind must appear on the panel (and in the
    handout), and every parameter it shows must be one the registry gives that kind."""
    from model import REFORM_KINDS
    from model.parameters import reform_defaults
    assert set(LEVER_PARAMS) == set(REFORM_KINDS)
    for kind, params in LEVER_PARAMS.items():
        assert set(params) <= set(reform_defaults(kind)), kind
