"""Figures for people: Chinese labels without missing glyphs, registry labels and units, the
reference emphasised, reform starts marked, absent values not drawn as 0, plain-number axes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from model import load_scenario
from model.metrics import METRIC_BY_NAME, METRIC_NAMES
from model.report.figures import KEY_METRICS, final_figure, save, timeseries_figure
from model.report.fonts import cjk_font
from model.study.experiment import summarise

STEPS = 30


def synthetic(names=("baseline", "burden_reduction"), reps=3, election_from=10) -> pd.DataFrame:
    """A small study table: a metric per column, turnout only from ``election_from`` on."""
    rng = np.random.default_rng(3)
    rows = []
    for s, name in enumerate(names):
        for r in range(reps):
            for step in range(STEPS):
                row = {"scenario": name, "replication": r, "seed": 100 + r, "step": step}
                row.update({m: 0.5 + 0.1 * s + 0.01 * rng.standard_normal() for m in METRIC_NAMES})
                row["department_cost"] = 6_500_000 + 1000 * s
                held = name != "baseline" and step >= election_from
                row["turnout"] = row["personal_turnout"] = 0.9 if held else 0.0
                rows.append(row)
    return pd.DataFrame(rows)


def render(fig: Figure) -> None:
    """Draw the figure as PNG; a glyph missing from every font in the list is an error here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"(?s).*Glyph .* missing from")
        save(fig, io.BytesIO())


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def test_missing_glyph_is_an_error_in_this_test():
    """The check below can fail: Chinese in DejaVu Sans alone warns about missing glyphs."""
    fig = Figure()
    fig.text(0.5, 0.5, "行政事务占比", family="DejaVu Sans")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"(?s).*Glyph .* missing from")
        with pytest.raises(UserWarning, match="missing from"):
            fig.savefig(io.BytesIO(), format="png")


def test_chinese_figures_render_every_glyph_with_registry_labels():
    assert cjk_font() is not None
    if sys.platform == "linux":       # pyproject installs a Noto Sans SC package there
        assert cjk_font() == "Noto Sans SC"
    scenarios = [load_scenario("baseline"), load_scenario("burden_reduction")]
    ts = synthetic()
    fig = timeseries_figure(ts, scenarios=scenarios, lang="zh")
    render(fig)
    shown = "\n".join(texts(fig)).replace("\n", "")
    for metric in KEY_METRICS:
        assert METRIC_BY_NAME[metric].label_zh.replace(" ", "") in shown.replace(" ", ""), metric
    assert "减负（经费不随事转）" in shown and "万元/月" in shown and "月份" in shown
    final = final_figure(summarise(ts), scenarios=scenarios, lang="zh")
    render(final)
    assert "尚未举行" in "".join(texts(final))


def test_reference_stands_out_reforms_are_marked_and_absent_turnout_is_a_gap():
    scenarios = [load_scenario("baseline"), load_scenario("burden_reduction")]
    fig = timeseries_figure(synthetic(), scenarios=scenarios, lang="en")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    admin = axes[KEY_METRICS.index("admin_share")]
    lines = {line.get_label(): line for line in admin.get_lines() if not line.get_label().startswith("_")}
    base = next(v for k, v in lines.items() if k.startswith("Baseline"))
    other = next(v for k, v in lines.items() if not k.startswith("Baseline"))
    assert matplotlib.colors.to_hex(base.get_color()) == "#000000" and base.get_linewidth() > other.get_linewidth()
    assert max(base.get_ydata()) > 1          # shares are drawn in %
    start = scenarios[1].reforms[0].start_month
    assert any(list(line.get_xdata()) == [start, start] for line in admin.get_lines())
    turnout = axes[KEY_METRICS.index("turnout")]
    drawn = next(line for line in turnout.get_lines() if line.get_label().startswith("Burden"))
    y = np.asarray(drawn.get_ydata(), float)
    assert np.isnan(y[:10]).all() and np.allclose(y[10:], 90)


def test_scaling_once_draws_the_figures_matplotlib_scaling_throughout_draws(monkeypatch):
    """The panel figures scale their limits once, after every line and band is in (autoscale_once);
    the PNG must be the one matplotlib draws when it rescales after every artist -- the same limits,
    to the byte -- and must show every scenario's data (limits not left at matplotlib's 0-1)."""
    import contextlib

    import model.report.figures as figures
    from model.study.comparison import differences_over_time
    scenarios = [load_scenario("baseline"), load_scenario("burden_reduction")]
    table = synthetic(("baseline", "burden_reduction", "x"))
    metrics = ("admin_share", "turnout", "department_cost", "trust")     # two rows of panels sharing x
    draw = {"timeseries": lambda: timeseries_figure(table, scenarios=scenarios, metrics=metrics, lang="en"),
            "differences": lambda: figures.differences_figure(differences_over_time(table, metrics=metrics),
                                                              scenarios=scenarios, metrics=metrics)}
    once = {}
    for name, figure in draw.items():
        fig = figure()
        assert all(ax.get_xlim()[1] >= STEPS - 1 for ax in fig.axes if ax.get_visible())
        once[name] = save(fig, io.BytesIO()).getvalue()
    monkeypatch.setattr(figures, "autoscale_once", lambda axes: contextlib.nullcontext())
    for name, figure in draw.items():
        assert save(figure(), io.BytesIO()).getvalue() == once[name], name


def test_cost_axis_has_plain_numbers_and_no_offset():
    fig = timeseries_figure(synthetic(), lang="en")
    render(fig)
    cost = [ax for ax in fig.axes if ax.get_visible()][KEY_METRICS.index("department_cost")]
    assert cost.yaxis.get_offset_text().get_text() == ""
    labels = [t.get_text() for t in cost.get_yticklabels() if t.get_text()]
    assert labels and not any("e" in t for t in labels)
    assert "10,000 yuan/month" in cost.get_ylabel()


def test_panels_and_plain_axes_are_shared_by_every_panel_figure():
    """One panel grid and one axis format for the study and research figures: spare cells hidden,
    plain numbers (no offset, no 1e6) on the value axis of bar panels too."""
    from model.report.figures import panels, plain_axis
    fig = Figure()
    axes = panels(fig, 4, 3)
    assert len(axes) == 4 and [ax.get_visible() for ax in fig.axes] == [True] * 4 + [False] * 2
    plain_axis(axes[0].yaxis, 5)
    axes[0].plot([0, 1], [6_500_000, 6_600_000])
    render(fig)
    assert axes[0].yaxis.get_offset_text().get_text() == ""
    final = final_figure(summarise(synthetic()), metrics=["department_cost"] * 2)
    render(final)
    shown = [ax for ax in final.axes if ax.get_visible()]
    assert len(shown) == 2 and len(final.axes) == 3
    labels = [t.get_text() for t in shown[0].get_xticklabels() if t.get_text()]
    assert labels and all("e" not in t for t in labels)


def test_importing_the_package_keeps_the_backend():
    code = ("import matplotlib; before = matplotlib.get_backend(); import model.report.document, model.report.figures; "
            "print(before, matplotlib.get_backend())")
    env = {**os.environ, "MPLBACKEND": "svg"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["svg", "svg"]
