"""Matplotlib figures of a session: time series beside the baseline, in the chosen language."""

from __future__ import annotations

import matplotlib
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex
from matplotlib.figure import Figure  # no pyplot: figures are drawn without touching the backend
from matplotlib.ticker import MaxNLocator

from ..report.fonts import figure_lang, rc
from .i18n import kind_label, metric_label, t
from .state import SERIES_METRICS, Session

CMAP = "viridis"


def colour(value: float, low: float, high: float) -> str:
    """Hex colour of ``value`` on the map's fixed scale (grey when there is no value yet)."""
    if value != value:   # NaN: nothing recorded yet
        return "#d0d0d0"
    return to_hex(colormaps[CMAP](Normalize(low, high, clip=True)(value)))


def gradient_css(steps: int = 8) -> str:
    """The colour scale as a CSS gradient, for the map's legend."""
    stops = ", ".join(to_hex(colormaps[CMAP](i / (steps - 1))) for i in range(steps))
    return f"linear-gradient(to right, {stops})"


def timeseries_figure(session: Session, lang: str, metrics=SERIES_METRICS) -> Figure:
    """One panel per metric: this run, the baseline dashed when compared, reform starts marked."""
    flang = figure_lang(lang)
    with matplotlib.rc_context(rc(lang)):
        fig = Figure(figsize=(10, 5.6), dpi=80)
        fig.subplots_adjust(left=0.06, right=0.98, top=0.95, bottom=0.06, wspace=0.25, hspace=0.3)
        axes = fig.subplots(2, 3).flat
        run, base = session.district(), session.district(baseline=True)
        for ax, metric in zip(axes, metrics, strict=False):
            if not run.empty:
                ax.plot(run["step"], run[metric], color="#1f77b4", lw=1.8, label=t("this_run", flang))
            if not base.empty:
                ax.plot(base["step"], base[metric], color="black", lw=1.2, ls="--", label=t("baseline", flang))
            for month, _kind in session.events():
                ax.axvline(month, color="#d62728", lw=0.8, alpha=0.6)
            ax.set_title(metric_label(metric, flang), fontsize=9)
            ax.tick_params(labelsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        legend_ax = list(fig.axes)[-1]
        legend_ax.axis("off")
        lines = fig.axes[0].get_legend_handles_labels()
        if lines[0]:
            legend_ax.legend(*lines, loc="upper left", fontsize=9, frameon=False)
        events = [f"{m}: {kind_label(k, flang)}" for m, k in session.events()]
        legend_ax.text(0, 0.55, "\n".join(events[:8]), fontsize=8, va="top", color="#d62728",
                       transform=legend_ax.transAxes)
    return fig
