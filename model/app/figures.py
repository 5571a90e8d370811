"""Charts of a session: ECharts options for the screen (drawn by the browser, so they stay sharp
on a projector and at any zoom) and a matplotlib figure for the printed handout.

Both show a metric in its display unit (shares as %, from model.report.i18n) on a fixed range where the
unit has one, and the whole ten years on the time axis, so a line moves only when its value does.
"""

from __future__ import annotations

import math

import matplotlib
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex
from matplotlib.figure import Figure  # no pyplot: figures are drawn without touching the backend
from matplotlib.ticker import MaxNLocator

from ..metrics import METRIC_BY_NAME
from ..report.fonts import figure_lang, rc
from ..report.i18n import display, metric_factor, metric_unit
from .i18n import kind_label, metric_label, scenario_title, t
from .state import HORIZON, SERIES_METRICS, Session

CMAP = "viridis"
RUN_COLOUR, OTHER_COLOUR, EVENT_COLOUR = "#1f77b4", "#222222", "#d62728"


def colour(value: float, low: float, high: float) -> str:
    """Hex colour of ``value`` on the map's fixed scale (grey when there is no value yet)."""
    if value != value:   # NaN: nothing recorded yet
        return "#d0d0d0"
    return to_hex(colormaps[CMAP](Normalize(low, high, clip=True)(value)))


def gradient_css(steps: int = 8) -> str:
    """The colour scale as a CSS gradient, for the map's legend."""
    stops = ", ".join(to_hex(colormaps[CMAP](i / (steps - 1))) for i in range(steps))
    return f"linear-gradient(to right, {stops})"


def fixed_range(metric: str) -> tuple[float, float] | None:
    """The axis range in display units where the unit fixes one (shares 0–100 %, indices 0–1)."""
    unit = METRIC_BY_NAME[metric].unit
    if unit == "share":
        return 0.0, 100.0
    if unit == "index 0-1":
        return 0.0, 1.0
    return None


def other_label(session: Session, lang: str) -> str:
    """How the compared run is named on screen: the baseline, or the other preset's title."""
    other = session.other
    return "" if other is None else scenario_title(other, lang)


def _points(frame, metric: str) -> list[list[float | None]]:
    factor = metric_factor(metric)
    digits = display(METRIC_BY_NAME[metric].unit).digits + 1
    return [[int(m), None if v != v else round(float(v) * factor, digits)]
            for m, v in zip(frame["step"], frame[metric], strict=True)]


def chart_option(session: Session, metric: str, lang: str) -> dict:
    """An ECharts option: this run (solid), the compared run (dashed), reform starts as red lines."""
    run, other = session.district(), session.district(baseline=True)
    unit = metric_unit(metric, lang)
    fixed = fixed_range(metric)
    axis_text = {"fontSize": 15, "color": "#333"}
    series = [{"type": "line", "name": t("this_run", lang), "color": RUN_COLOUR, "showSymbol": False,
               "lineStyle": {"width": 3}, "data": _points(run, metric) if not run.empty else [],
               "markLine": {"symbol": "none", "silent": True, "label": {"show": False},
                            "lineStyle": {"color": EVENT_COLOUR, "type": "solid", "width": 1.5},
                            "data": [{"xAxis": m} for m, _ in session.events()]}}]
    if not other.empty:
        series.append({"type": "line", "name": other_label(session, lang), "color": OTHER_COLOUR,
                       "showSymbol": False, "lineStyle": {"width": 2, "type": "dashed"},
                       "data": _points(other, metric)})
    y_axis = {"type": "value", "name": unit, "nameTextStyle": axis_text, "axisLabel": axis_text,
              "splitNumber": 4, "scale": fixed is None}
    if fixed:
        y_axis.update(min=fixed[0], max=fixed[1], interval=(fixed[1] - fixed[0]) / 4)
    else:
        y_axis["min"] = 0
    return {
        "animation": False,
        "grid": {"left": 70, "right": 24, "top": 36, "bottom": 44},
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": 15}},
        "xAxis": {"type": "value", "min": 0, "max": max(HORIZON, session.month), "interval": 12,
                  "name": t("month_axis", lang), "nameLocation": "middle", "nameGap": 28,
                  "nameTextStyle": axis_text, "axisLabel": axis_text},
        "yAxis": y_axis,
        "series": series,
    }


def timeseries_figure(session: Session, lang: str, metrics=SERIES_METRICS, size=(10, 5.0), dpi=80) -> Figure:
    """The printed version: one panel per metric in display units, the compared run dashed,
    reform starts marked, the whole ten years on the time axis."""
    flang = figure_lang(lang)
    # a CJK font whenever there is one: English titles of scenarios keep Chinese terms (费随事转)
    with matplotlib.rc_context(rc("zh")):
        fig = Figure(figsize=size, dpi=dpi)
        fig.subplots_adjust(left=0.06, right=0.99, top=0.82, bottom=0.08, wspace=0.28, hspace=0.45)
        columns = math.ceil(len(metrics) / 2)
        axes = fig.subplots(2, columns).flat
        run, base = session.district(), session.district(baseline=True)
        for ax, metric in zip(axes, metrics, strict=False):
            factor = metric_factor(metric)
            if not run.empty:
                ax.plot(run["step"], run[metric] * factor, color=RUN_COLOUR, lw=1.8, label=t("this_run", flang))
            if not base.empty:
                ax.plot(base["step"], base[metric] * factor, color=OTHER_COLOUR, lw=1.2, ls="--",
                        label=other_label(session, flang))
            for month, _kind in session.events():
                ax.axvline(month, color=EVENT_COLOUR, lw=0.8, alpha=0.6)
            unit = metric_unit(metric, flang)
            ax.set_title(f"{metric_label(metric, flang)} ({unit})", fontsize=8.5)
            ax.set_xlim(0, max(HORIZON, session.month))
            fixed = fixed_range(metric)
            if fixed:
                ax.set_ylim(*fixed)
            else:
                ax.set_ylim(bottom=0)
            ax.tick_params(labelsize=7.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        lines = fig.axes[0].get_legend_handles_labels()
        events = "; ".join(f"{m}: {kind_label(k, flang)}" for m, k in dict.fromkeys(session.events()))
        if lines[0]:
            fig.legend(*lines, loc="upper left", ncol=2, fontsize=8.5, frameon=False, bbox_to_anchor=(0.04, 1.0))
        if events:
            fig.text(0.05, 0.915, events, fontsize=7, color=EVENT_COLOUR, ha="left", va="top", wrap=True)
    return fig
