"""Study figures that read on A4 paper, in Chinese or English, without touching matplotlib's global state.

``model.report.document.write_reports`` calls::

    from model.report.figures import plot_timeseries, plot_final
    plot_timeseries(result.timeseries, out / "timeseries.png", scenarios=scenarios, lang="zh")
    plot_final(summary, out / "final_comparison.png", scenarios=scenarios, lang="zh")

Figures are ``matplotlib.figure.Figure`` objects drawn inside ``matplotlib.rc_context``: importing
this module or drawing a figure never changes the backend or the user's rcParams. Chinese text needs
a CJK font: ``fonts.cjk_font()`` takes the Noto Sans SC font installed with the package on Linux
(pylopdf-fonts-zh-cn), else the first CJK font the system has (Microsoft YaHei on Windows, PingFang on
macOS, Noto Sans CJK on Debian), with DejaVu Sans as the per-glyph fallback, so no glyph is a box.
"""

from __future__ import annotations

import textwrap
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..metrics import METRIC_BY_NAME, TURNOUTS
from ..study.comparison import absent_before_first_event
from ..study.experiment import band
from .fonts import font_families
from .i18n import (
    band_source,
    check_lang,
    metric_factor,
    metric_label,
    metric_unit,
    scenario_title,
    word,
)

KEY_METRICS = (
    "admin_share", "offloaded_tasks_per_worker", "requests_resolved_share", "satisfaction",
    "trust", "turnout", "personal_turnout", "deliberation_participation",
    "resident_agenda_share", "vulnerable_coverage", "worker_turnover", "department_cost",
)
PNG_META = {"Software": None}   # keep files byte-identical across runs
DPI = 150
A4_WIDTH_IN = 7.5               # the printable width of A4 with 15 mm margins, in inches
# Okabe-Ito colours (safe for colour-blind readers), without yellow; the reference is black.
# After them, matplotlib's tab20 (dark shades first), so up to 8 + 20 scenarios have distinct colours.
COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#999999", "#882255",
           *[matplotlib.colors.to_hex(c) for c in matplotlib.colormaps["tab20"].colors[0::2]],
           *[matplotlib.colors.to_hex(c) for c in matplotlib.colormaps["tab20"].colors[1::2]])
PAGE_HEIGHT_IN = 9.8            # the printable height of A4 with 15 mm margins, less room for a heading
DASHES = ("-", "--", "-.", (0, (1, 1)))
REFERENCE_COLOUR = "#000000"
BAND_ALPHA = 0.07               # the 5-95% band of replications, lighter than the 95% CI (0.15)
BAND_GREY = "#9a9a9a"
def style() -> dict:
    """rcParams for figures printed at their real size on A4: 7–9 pt text, plain-number axes."""
    return {
        "font.family": font_families(),
        "font.size": 8,
        "axes.titlesize": 8,
        "axes.labelsize": 7.5,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "legend.fontsize": 7.5,
        "figure.titlesize": 9.5,
        "axes.formatter.useoffset": False,
        "axes.formatter.limits": (-9, 12),      # no scientific notation ("1e6") on axes
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "grid.linewidth": 0.5,
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
    }


def _plain_number(x: float, _pos=None) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:g}"


def panels(fig: Figure, count: int, cols: int, *, sharex: bool = False) -> np.ndarray:
    """``count`` panels in rows of ``cols``; the grid's spare cells are hidden."""
    rows = max(1, -(-count // cols))
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=sharex, squeeze=False)).ravel()
    for ax in axes[count:]:
        ax.set_visible(False)
    return axes[:count]


@contextmanager
def autoscale_once(axes):
    """Draw many artists into ``axes`` and scale their limits once at the end. Matplotlib rescales every
    panel sharing an axis each time a line or band is added while scaling is on; the limits come out
    the same either way (they follow from the data alone), but a figure of 20 scenarios in 6 panels
    took seconds of it."""
    for ax in axes:
        ax.set_autoscale_on(False)
    yield
    for ax in axes:
        ax.set_autoscale_on(True)
        ax.autoscale_view()


def plain_axis(axis, ticks: int) -> None:
    """An x or y axis with at most ``ticks`` + 1 ticks, written as plain numbers (no offset, no 1e6)."""
    axis.set_major_formatter(FuncFormatter(_plain_number))
    axis.set_major_locator(MaxNLocator(ticks))


def bar_axes(ax, bars: int) -> None:
    """A panel of ``bars`` horizontal bars, the first on top: plain-number values, no grid across the bars."""
    ax.set_ylim(bars - 0.5, -0.5)
    plain_axis(ax.xaxis, 4)
    ax.grid(axis="y", visible=False)


def month_axes(axes, cols: int, lang: str) -> None:
    """The month label and tick labels under the lowest panel of each column (shared x axes hide the others)."""
    for ax in axes[max(0, len(axes) - cols):]:
        ax.set_xlabel(word("month", lang))
        ax.xaxis.set_tick_params(labelbottom=True)


def _wrap(text: str, lang: str, width_en: int = 30, width_zh: int = 16) -> str:
    """Lines of at most about ``width`` characters; Chinese breaks anywhere but before closing punctuation."""
    if lang != "zh":
        return "\n".join(textwrap.wrap(text, width_en))
    lines = [""]
    for ch in text:
        if len(lines[-1]) >= width_zh and ch not in "）)，。、：；”’":
            lines.append("")
        lines[-1] += ch
    return "\n".join(line.strip() for line in lines)


def _short(text: str, lang: str) -> str:
    """A bar label on one line: at most 14 Chinese or 26 other characters, cut with an ellipsis."""
    width = 14 if lang == "zh" else 26
    return text if len(text) <= width else text[:width - 1] + "…"


def _title(metric: str, lang: str, width_en: int, width_zh: int) -> str:
    """A panel title: the metric's label, then its unit in brackets (on a line of its own if need be)."""
    label, unit = metric_label(metric, lang), metric_unit(metric, lang)
    unit = f"（{unit}）" if lang == "zh" else f"({unit})"
    width = width_zh if lang == "zh" else width_en
    if len(label) + len(unit) + 1 <= width:
        return f"{label} {unit}"
    return f"{_wrap(label, lang, width_en, width_zh)}\n{unit}"


def _order(names: list[str], reference: str | None) -> list[str]:
    """Scenario names with the reference first."""
    return ([reference] if reference in names else []) + [n for n in names if n != reference]


def _styles(names: list[str], reference: str | None) -> dict[str, dict]:
    """Line style per scenario: the reference thick and black, the others in colours safe for colour-blind
    readers (and dashes once colours run out)."""
    out, i = {}, 0
    for name in names:
        if name == reference:
            # thick and underneath, so a scenario that coincides with it stays visible on top
            out[name] = {"color": REFERENCE_COLOUR, "lw": 2.4, "ls": "-", "zorder": 3}
        else:
            out[name] = {"color": COLOURS[i % len(COLOURS)], "lw": 1.1,
                         "ls": DASHES[(i // len(COLOURS)) % len(DASHES)], "zorder": 4}
            i += 1
    return out


def _by_name(scenarios) -> dict:
    return {s.name: s for s in scenarios or ()}


def _band_handle(uncertainty: str, lang: str) -> Patch:
    """The legend entry saying what the light band includes."""
    return Patch(color=BAND_GREY, alpha=0.35, label=word("band_legend", lang, band=band_source(uncertainty, lang)))


def timeseries_figure(timeseries: pd.DataFrame, *, scenarios=None, metrics=KEY_METRICS, lang: str = "en",
                      reference: str | None = "baseline", uncertainty: str = "seeds") -> Figure:
    """Key metrics over time: one panel per metric, one line per scenario with its 95% CI band and,
    lighter, the 5-95% band of its replications (which ``uncertainty`` says what it includes: seeds
    only, or seeds and parameters), the reference thick and black, reform starts as dashed vertical
    lines, absent values as gaps."""
    check_lang(lang)
    known = _by_name(scenarios)
    names = _order(list(dict.fromkeys(timeseries["scenario"])), reference)
    looks = _styles(names, reference)
    data = absent_before_first_event(timeseries)
    cols = 3
    rows = -(-len(metrics) // cols)
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(A4_WIDTH_IN, min(1.95 * rows + 1.3 + 0.12 * len(names), PAGE_HEIGHT_IN)),
                     layout="constrained")
        axes = panels(fig, len(metrics), cols, sharex=True)
        with autoscale_once(axes):
            for ax, metric in zip(axes, metrics, strict=True):
                factor = metric_factor(metric)
                b = band(data, metric)
                for name in names:
                    s = b[b["scenario"] == name]
                    look = looks[name]
                    label = scenario_title(known[name], lang) if name in known else name
                    ax.plot(s["step"], s["mean"] * factor, label=_wrap(label, lang, 48, 24), **look)
                    low, high = s["ci_low"] * factor, s["ci_high"] * factor
                    if METRIC_BY_NAME[metric].unit == "share":     # a share's interval stays in [0, 100]%
                        low, high = low.clip(0, 100), high.clip(0, 100)
                    ax.fill_between(s["step"], low, high, color=look["color"],
                                    alpha=0.15, lw=0, zorder=look["zorder"] - 1)
                    ax.fill_between(s["step"], s["band_low"] * factor, s["band_high"] * factor, color=look["color"],
                                    alpha=BAND_ALPHA, lw=0, zorder=look["zorder"] - 2)
                    for reform in getattr(known.get(name), "reforms", ()):
                        if s["step"].min() <= reform.start_month <= s["step"].max():
                            ax.axvline(reform.start_month, color=look["color"], ls=(0, (3, 2)), lw=0.7, alpha=0.8,
                                       zorder=1)
                ax.set_title(_wrap(metric_label(metric, lang), lang), loc="left")
                ax.set_ylabel(metric_unit(metric, lang))
                plain_axis(ax.yaxis, 5)
        month_axes(axes, cols, lang)
        handles, labels = axes[0].get_legend_handles_labels()
        band_entry = _band_handle(uncertainty, lang)
        fig.legend([*handles, band_entry], [*labels, band_entry.get_label()], loc="outside lower center",
                   ncol=2 if len(labels) <= 8 else 3, frameon=False)
        fig.suptitle(word("timeseries_title", lang))
    return fig


def final_figure(summary: pd.DataFrame, *, scenarios=None, metrics=KEY_METRICS, lang: str = "en",
                 reference: str | None = "baseline", uncertainty: str = "seeds") -> Figure:
    """The final month: a bar per scenario (mean, 95% CI whiskers) in the scenario's colour of the time
    series figure, behind it a light grey line for the 5-95% band of replications (if the summary has
    band_low/band_high), the reference black and as a dashed line; a metric that does not exist (no
    election held) is written out, not drawn as a zero bar. One shared legend keeps the panels narrow
    enough for A4."""
    check_lang(lang)
    known = _by_name(scenarios)
    names = _order(list(dict.fromkeys(summary["scenario"])), reference)
    looks = _styles(names, reference)
    cols = 3
    rows = -(-len(metrics) // cols)
    step = int(summary["step"].iloc[0])
    has_band = {"band_low", "band_high"} <= set(summary.columns)
    with matplotlib.rc_context(style()):
        # every bar is labelled with its scenario, so the legend only explains the band; the figure
        # never grows taller than a printed page (the bars get thinner instead)
        height = min((0.16 * len(names) + 0.75) * rows + 0.8, PAGE_HEIGHT_IN)
        fig = Figure(figsize=(A4_WIDTH_IN, height), layout="constrained")
        axes = panels(fig, len(metrics), cols)
        y = np.arange(len(names))
        for ax, metric in zip(axes, metrics, strict=True):
            factor = metric_factor(metric)
            s = summary[summary["metric"] == metric].set_index("scenario").reindex(names)
            mean = s["mean"].to_numpy(float) * factor
            low, high = s["ci_low"].to_numpy(float) * factor, s["ci_high"].to_numpy(float) * factor
            absent = np.isnan(mean) | ((mean == 0) & (high == 0) & (metric in TURNOUTS))
            shown = ~absent
            err = np.vstack([mean - low, high - mean])
            err = np.where(np.isnan(err), 0, err)
            ax.barh(y[shown], mean[shown], xerr=err[:, shown], capsize=1.5, height=0.75,
                    color=[looks[n]["color"] for n, ok in zip(names, shown, strict=True) if ok],
                    error_kw={"lw": 0.7})
            if has_band:
                lo_b, hi_b = s["band_low"].to_numpy(float) * factor, s["band_high"].to_numpy(float) * factor
                ok = shown & ~np.isnan(lo_b) & ~np.isnan(hi_b)
                ax.hlines(y[ok], lo_b[ok], hi_b[ok], color=BAND_GREY, lw=2.4, alpha=0.55, zorder=3)
            for yy in y[absent]:
                ax.text(0, yy, " " + word("not_held", lang), va="center", ha="left", fontsize=6.5, color="#555555")
            if reference in names and not absent[0]:
                ax.axvline(mean[0], color=REFERENCE_COLOUR, lw=0.8, ls=(0, (3, 2)))
            ax.set_yticks(y)
            if ax in axes[::cols]:       # the scenario names once per row of panels, one line each
                ax.set_yticklabels([_short(scenario_title(known[n], lang) if n in known else n, lang) for n in names],
                                   fontsize=max(4.5, min(7.0, 60 / max(len(names), 1))))
            else:
                ax.set_yticklabels([])
            ax.tick_params(axis="y", length=0)
            bar_axes(ax, len(names))
            ax.set_title(_title(metric, lang, 34, 17), loc="left")
        if has_band:
            fig.legend(handles=[_band_handle(uncertainty, lang)], loc="outside lower center", frameon=False)
        fig.suptitle(_wrap(word("final_title", lang, step=step), lang, 90, 45))
    return fig


def differences_figure(over_time: pd.DataFrame, *, scenarios=None, metrics=KEY_METRICS, lang: str = "en",
                       reference: str | None = "baseline") -> Figure:
    """Paired differences from the reference over time (``comparison.differences_over_time``): one panel
    per metric, one line per scenario with its 95% interval, zero as a black line and, shaded grey, the
    metric's smallest effect worth reporting either side of zero, so a reform that fades or relapses
    shows as a line returning into the grey."""
    from ..metrics import min_effect
    check_lang(lang)
    known = _by_name(scenarios)
    names = list(dict.fromkeys(over_time["scenario"]))
    looks = _styles(names, reference)
    present = set(over_time["metric"].unique())      # once: a set built inside the filter is built per metric
    metrics = [m for m in metrics if m in present]
    cols = 3
    rows = max(1, -(-len(metrics) // cols))
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(A4_WIDTH_IN, min(1.95 * rows + 0.12 * len(names) + 1.3, PAGE_HEIGHT_IN)),
                     layout="constrained")
        axes = panels(fig, len(metrics), cols, sharex=True)
        with autoscale_once(axes):
            for ax, metric in zip(axes, metrics, strict=True):
                factor = metric_factor(metric)
                d = over_time[over_time["metric"] == metric]
                smallest = min_effect(metric) * factor
                ax.axhspan(-smallest, smallest, color=BAND_GREY, alpha=0.25, lw=0, zorder=0)
                ax.axhline(0, color=REFERENCE_COLOUR, lw=0.8, zorder=1)
                for name in names:
                    s = d[d["scenario"] == name].sort_values("step")
                    look = looks[name]
                    label = scenario_title(known[name], lang) if name in known else name
                    ax.plot(s["step"], s["mean_difference"] * factor, label=_wrap(label, lang, 48, 24), **look)
                    ax.fill_between(s["step"], s["ci_low"] * factor, s["ci_high"] * factor, color=look["color"],
                                    alpha=0.15, lw=0, zorder=look["zorder"] - 1)
                ax.set_title(_wrap(metric_label(metric, lang), lang), loc="left")
                ax.set_ylabel(metric_unit(metric, lang, difference=True))
                plain_axis(ax.yaxis, 5)
        month_axes(axes, cols, lang)
        handles, labels = axes[0].get_legend_handles_labels()
        grey = Patch(color=BAND_GREY, alpha=0.5, label=word("min_effect_legend", lang))
        fig.legend([*handles, grey], [*labels, grey.get_label()], loc="outside lower center",
                   ncol=2 if len(labels) <= 8 else 3, frameon=False)
        title = word("differences_title", lang,
                     ref=scenario_title(known[reference], lang) if reference in known else reference)
        fig.suptitle(_wrap(title, lang, 90, 45))
    return fig


def plot_differences(over_time: pd.DataFrame, path: Path, metrics=KEY_METRICS, *, scenarios=None,
                     lang: str = "en", reference: str | None = "baseline") -> Path:
    """differences_over_time.png: see ``differences_figure``."""
    return save(differences_figure(over_time, scenarios=scenarios, metrics=metrics, lang=lang,
                                   reference=reference), path)


def save(fig: Figure, path):
    """Write a figure as PNG at print resolution, byte-identical across runs (``path``: a file name or
    a binary file object)."""
    with matplotlib.rc_context(style()):
        fig.savefig(path, dpi=DPI, format="png", metadata=PNG_META)
    return Path(path) if isinstance(path, str | Path) else path


def plot_timeseries(timeseries: pd.DataFrame, path: Path, metrics=KEY_METRICS, *, scenarios=None,
                    lang: str = "en", reference: str | None = "baseline", uncertainty: str = "seeds") -> Path:
    """timeseries.png: see ``timeseries_figure``."""
    return save(timeseries_figure(timeseries, scenarios=scenarios, metrics=metrics, lang=lang,
                                  reference=reference, uncertainty=uncertainty), path)


def plot_final(summary: pd.DataFrame, path: Path, metrics=KEY_METRICS, *, scenarios=None,
               lang: str = "en", reference: str | None = "baseline", uncertainty: str = "seeds") -> Path:
    """final_comparison.png: see ``final_figure``."""
    return save(final_figure(summary, scenarios=scenarios, metrics=metrics, lang=lang, reference=reference,
                             uncertainty=uncertainty), path)
