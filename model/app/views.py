"""Solara components of the workshop app: run buttons, controls, charts, district map, one committee.

The session is one mutable object; every component also takes ``tick``, which the page bumps
after each change, so Solara knows to draw it again. ``busy`` is true while a step is being
computed: controls that would change the run are disabled until it is done.

Plain Solara (Vuetify) components and Solara's ECharts figure: everything they need ships with
solara-assets (ECharts included), so the app renders with no network.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from ..metrics import METRICS
from ..parameters import PARAMETERS
from ..report.i18n import format_value, metric_unit
from ..research.findings import cautions
from ..scenario import list_scenarios, load_scenario
from .figures import EVENT_COLOUR, OTHER_COLOUR, RUN_COLOUR, chart_option, colour, gradient_css, other_label
from .i18n import choice_label, kind_label, metric_label, param_label, param_unit, scenario_about, scenario_title, t
from .state import ALL, HORIZON, LEVER_PARAMS, SERIES_METRICS, Session

# The map offers the metrics a community has a meaningful value of every month (registry order).
MAP_METRICS = tuple(m.name for m in METRICS if m.unit in ("share", "index 0-1") and m.group != "equity")
MAP_DEFAULT = "admin_share"   # steady month to month, and the first thing a burden reform moves


def _place(lang: str, street: int, community: int) -> str:
    return t("community", lang, street=street + 1, n=community + 1)


def _labelled(label: str, unit: str, lang: str) -> str:
    """A label with its unit in brackets (full-width in Chinese), or alone when there is no unit."""
    if not unit:
        return label
    return f"{label}（{unit}）" if lang == "zh" else f"{label} ({unit})"


def preset_titles(lang: str) -> dict[str, str]:
    """Scenario file name -> its title in ``lang``, for the preset and compare lists."""
    return {p.stem: scenario_title(load_scenario(p.stem), lang) for p in list_scenarios()}


@solara.component
def ParamInput(session: Session, kind: str, key: str, lang: str, changed: Callable[[], None], busy: bool,
               tick: int):
    """One reform parameter, with the widget its registry type calls for, its choices and unit in words."""
    name = f"{kind}.{key}"
    entry = PARAMETERS[name]
    value = session.levers[kind].params[key]
    label = _labelled(param_label(name, lang), param_unit(name, lang), lang)

    def set_value(v):
        session.set_lever(kind, **{key: v})
        changed()

    if entry.choices:
        words = {choice_label(c, lang): c for c in entry.choices}
        solara.Select(label=label, values=list(words), value=choice_label(value, lang), dense=True, disabled=busy,
                      on_value=lambda w: set_value(words[w]), classes=[f"shequ-param-{key}"])
    elif entry.kind is bool:
        solara.Switch(label=label, value=value, on_value=set_value, color="primary", style={"margin": "0"},
                      disabled=busy)
    else:
        # the label above the slider: long registry labels would squeeze a slider beside them
        solara.Text(label, style={"font-size": "0.85em", "color": "#555", "margin-bottom": "24px"})
        high = min(entry.high, 4 * entry.default + (10 if entry.kind is int else 1.0))
        if entry.kind is int:
            solara.SliderInt("", value=value, min=int(entry.low), max=int(high), on_value=set_value,
                             thumb_label="always", disabled=busy)
        else:
            solara.SliderFloat("", value=value, min=entry.low, max=high, step=0.05, on_value=set_value,
                               thumb_label="always", disabled=busy)


@solara.component
def LeverCard(session: Session, kind: str, lang: str, changed: Callable[[], None], busy: bool, tick: int):
    lever = session.levers[kind]

    def switch(on):
        session.set_lever(kind, on=on)
        changed()

    def start(month):
        session.set_lever(kind, start_month=month)
        changed()

    with solara.Column(gap="0px", classes=[f"shequ-lever-{kind}"]):
        solara.Switch(label=kind_label(kind, lang), value=lever.on, on_value=switch, color="primary", disabled=busy)
        if lever.on:
            solara.SliderInt(label=t("start_month", lang), value=lever.start_month, min=0, max=HORIZON,
                             on_value=start, thumb_label="always", disabled=busy)
            for key in LEVER_PARAMS[kind]:
                ParamInput(session, kind, key, lang, changed, busy, tick)


@solara.component
def RunBar(session: Session, lang: str, changed: Callable[[], None], playing: solara.Reactive[bool],
           work: Callable[[str], None], busy: bool, tick: int):
    """Step, play or pause, run to the end, reset; then the preset and what it is compared with."""
    titles = preset_titles(lang)
    none = t("compare_none", lang)
    others = {none: None, **{title: name for name, title in titles.items()}}

    def set_preset(title):
        session.load_preset(next(n for n, tt in titles.items() if tt == title))
        changed()

    def set_compare(title):
        session.set_compare(others[title])
        changed()

    def reset():
        playing.set(False)
        session.reset()
        changed()

    stop = busy or playing.value
    with solara.Row(gap="6px", style={"align-items": "center", "flex-wrap": "wrap"}, classes=["shequ-buttons"]):
        solara.Button(t("step", lang), on_click=lambda: work("step"), color="primary", disabled=stop,
                      classes=["shequ-step"])
        if playing.value:
            solara.Button(t("pause", lang), on_click=lambda: playing.set(False), classes=["shequ-pause"])
        else:
            solara.Button(t("play", lang), on_click=lambda: playing.set(True),
                          disabled=busy or session.month >= HORIZON, classes=["shequ-play"])
        solara.Button(t("run_to_end", lang, month=HORIZON), on_click=lambda: work("end"), color="primary",
                      outlined=True, disabled=stop or session.month >= HORIZON, classes=["shequ-end"])
        solara.Button(t("reset", lang), on_click=reset, disabled=busy, classes=["shequ-reset"])
        with solara.Div(style={"min-width": "260px", "margin-left": "12px"}):
            solara.Select(label=t("preset", lang), values=list(titles.values()), value=titles[session.preset.name],
                          on_value=set_preset, disabled=stop, classes=["shequ-preset"])
        with solara.Div(style={"min-width": "260px"}):
            current = titles[session.compare_with] if session.compare_with else none
            solara.Select(label=t("compare", lang), values=list(others), value=current, on_value=set_compare,
                          disabled=stop, classes=["shequ-compare"])


@solara.component
def Controls(session: Session, lang: str, changed: Callable[[], None], speed: solara.Reactive[float], busy: bool,
             tick: int):
    """Speed, seed and every reform lever (in a panel the trainer opens when needed)."""

    def set_seed(seed):
        session.seed = int(seed)
        session.reset()
        changed()

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        with solara.Div(style={"min-width": "260px"}):
            solara.SliderFloat(t("speed", lang), value=speed, min=0.5, max=12.0, step=0.5)
        with solara.Div(style={"width": "200px"}):
            solara.InputInt(t("seed", lang), value=session.seed, on_value=set_seed, disabled=busy)
    solara.Text(t("levers", lang), style={"font-weight": "bold", "margin-top": "8px"})
    with solara.GridFixed(columns=3, align_items="start"):
        for kind in LEVER_PARAMS:
            LeverCard(session, kind, lang, changed, busy, tick)


@solara.component
def Charts(session: Session, lang: str, tick: int):
    """The series as browser-drawn charts in a grid, with one legend above them."""
    other = other_label(session, lang)
    legend = (f'<span style="color:{RUN_COLOUR}">━━ {t("this_run", lang)}</span>'
              + (f'&nbsp;&nbsp;<span style="color:{OTHER_COLOUR}">╍╍ {other}</span>' if other else "")
              + f'&nbsp;&nbsp;<span style="color:{EVENT_COLOUR}">│ {t("events", lang)}</span>')
    solara.HTML(tag="div", unsafe_innerHTML=legend, classes=["shequ-legend-line"],
                style={"font-size": "1.15em"})
    run, base = session.district(), session.district(baseline=True)
    with solara.GridFixed(columns=3, column_gap="12px", row_gap="8px"):
        for metric in SERIES_METRICS:
            option = chart_option(session, metric, lang)
            last = format_value(metric, run[metric].iloc[-1]) if not run.empty else ""
            last_other = format_value(metric, base[metric].iloc[-1]) if not base.empty else ""
            with solara.Div(classes=["shequ-chart"], attributes={
                    "data-metric": metric, "data-months": str(len(run)), "data-last": last,
                    "data-other": last_other, "data-other-name": other,
                    "data-ymax": str(option["yAxis"].get("max", ""))}):
                solara.Text(_labelled(metric_label(metric, lang), metric_unit(metric, lang), lang),
                            classes=["shequ-chart-title"], style={"font-size": "1.1em", "font-weight": "bold"})
                solara.FigureEcharts(option=option, attributes={"style": "height: 250px; width: 100%;"},
                                     responsive=True)


@solara.component
def DistrictMap(session: Session, lang: str, metric: solara.Reactive[str], window: solara.Reactive[bool],
                selected: solara.Reactive[tuple], changed: Callable[[], None], busy: bool, tick: int):
    """Communities as tiles in one row per street, coloured by a metric on a fixed scale.

    By default a tile shows the mean of the last 12 months, so a community with a handful of
    requests does not flicker between 0 and 100 %. Hover a tile for its value (and the compared
    run's); in "pick pilots" mode a click adds the community (or, on a street's name, the whole
    street) to the pilot scope.
    """
    mode, set_mode = solara.use_state("inspect")
    names = {name: metric_label(name, lang) for name in MAP_METRICS}
    months = 12 if window.value else 1
    values = session.community_values(metric.value, months)
    low, high = session.colour_range(metric.value)
    pilots = set() if session.scope == ALL else set(session.scope)
    other = other_label(session, lang)
    when = t("map_average" if window.value else "map_latest", lang)

    def pick(street, community=None):
        if mode == "pilot":
            if busy:
                return
            session.toggle_scope(street, community)
            session.reset()
            changed()
        elif community is not None:
            selected.set((street, community))

    solara.Text(t("map", lang), style={"font-weight": "bold", "font-size": "1.1em"})
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        with solara.Div(style={"min-width": "280px"}):
            solara.Select(label=t("map_metric", lang), values=list(names.values()), value=names[metric.value],
                          on_value=lambda label: metric.set(next(k for k, v in names.items() if v == label)),
                          classes=["shequ-map-metric"])
        solara.Switch(label=t("map_window", lang), value=window, color="primary", classes=["shequ-map-window"])
    solara.ToggleButtonsSingle(value=mode, on_value=set_mode, children=[
        solara.Button(t("click_inspect", lang), value="inspect", classes=["shequ-mode-inspect"]),
        solara.Button(t("click_pilot", lang), value="pilot", classes=["shequ-mode-pilot"]),
    ])
    for street, communities in session.streets.items():
        with solara.Row(gap="4px", style={"align-items": "center"}):
            solara.Button(t("street", lang, n=street + 1), text=True, on_click=lambda s=street: pick(s),
                          classes=["shequ-street"], attributes={"data-street": str(street)},
                          style={"min-width": "84px", "justify-content": "flex-start"})
            for community in communities:
                row = values[(values["street"] == street) & (values["community"] == community)].iloc[0]
                value, base = float(row["value"]), float(row["baseline"])
                tip = f"{_place(lang, street, community)} ({when}): {format_value(metric.value, value)}"
                if base == base:
                    tip += f"; {other} {format_value(metric.value, base)}"
                fill = colour(value, low, high)
                border = "3px solid #d62728" if (street, community) in pilots else "1px solid #888"
                solara.Button(
                    "", on_click=lambda s=street, c=community: pick(s, c), classes=["shequ-tile"],
                    style={"background-color": fill, "min-width": "44px", "width": "44px", "height": "32px",
                           "border": border},
                    attributes={"title": tip, "data-street": str(street), "data-community": str(community),
                                "data-month": str(session.month),
                                "data-value": f"{value:.9g}", "data-baseline": f"{base:.9g}",
                                "data-colour": fill})
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.Text(format_value(metric.value, low))
        solara.HTML(tag="div", unsafe_innerHTML="", classes=["shequ-legend"],
                    style={"width": "220px", "height": "14px", "background": gradient_css()})
        solara.Text(format_value(metric.value, high))
        solara.Text(f"({when})", style={"color": "#555"})
    pilot_names = ", ".join(_place(lang, s, c) for s, c in sorted(pilots)) or t("scope_all", lang)
    solara.Text(f"{t('scope', lang)}: {pilot_names}", classes=["shequ-scope"])
    solara.Text(t("scope_hint", lang), style={"font-size": "0.85em", "color": "#555"})


@solara.component
def Committee(session: Session, lang: str, selected: tuple | None, tick: int):
    """How the selected committee's workers spend their hours, and what waits in its queue."""
    if selected is None:
        solara.Text(t("select_hint", lang))
        return
    street, community = selected
    solara.Text(t("selected", lang, name=_place(lang, street, community)), style={"font-weight": "bold"})
    hours = session.hours(street, community)
    if not hours:
        solara.Text(t("not_started", lang))
        return
    total = sum(hours.values()) or 1.0
    solara.Text(t("hours", lang))
    palette = ("#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#c7c7c7")
    for (key, value), fill in zip(hours.items(), palette, strict=True):
        with solara.Row(gap="6px", style={"align-items": "center"}, classes=["shequ-hours"]):
            solara.HTML(tag="div", unsafe_innerHTML="", style={
                "width": f"{max(1, 240 * value / total):.0f}px", "height": "12px", "background": fill})
            solara.Text(f"{t(key, lang)}: {value:.0f}")
    solara.Text(t("queue", lang, **session.queue(street, community)), classes=["shequ-queue"])


@solara.component
def About(session: Session, lang: str, tick: int):
    about, notice = scenario_about(session.preset, lang)
    solara.Text(scenario_title(session.preset, lang), style={"font-weight": "bold", "font-size": "1.1em"},
                classes=["shequ-title"])
    style = {"font-size": "1em", "display": "block", "margin-bottom": "6px"}
    if about:
        solara.Text(about, style=style)
    if notice:
        solara.Text(notice, style=style)
        for caution in cautions(session.preset.name, lang):      # the notice states a finding that is not robust
            solara.Text(caution, style={**style, "color": "#b00"}, classes=["shequ-caution"])
    events = [t("event", lang, month=m, kind=kind_label(k, lang)) for m, k in dict.fromkeys(session.events())]
    if events:
        solara.Text(t("events", lang) + ": " + "; ".join(events), style={"color": EVENT_COLOUR})
