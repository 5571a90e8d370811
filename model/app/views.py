"""Solara components of the workshop app: controls, district map, time series, one committee.

The session is one mutable object; every component also takes ``tick``, which the page bumps
after each change, so Solara knows to draw it again.

Plain Solara (Vuetify) components and matplotlib images only: everything they need ships with
solara-assets, so the app renders with no network.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from ..metrics import METRICS
from ..parameters import PARAMETERS
from ..scenario import list_scenarios, load_scenario
from .figures import colour, gradient_css, timeseries_figure
from .i18n import kind_label, param_label, scenario_about, scenario_title, t
from .state import ALL, LEVER_PARAMS, Session


def _place(lang: str, street: int, community: int) -> str:
    return t("community", lang, street=street + 1, n=community + 1)


@solara.component
def ParamInput(session: Session, kind: str, key: str, lang: str, changed: Callable[[], None], tick: int):
    """One reform parameter, with the widget its registry type calls for."""
    entry = PARAMETERS[f"{kind}.{key}"]
    value = session.levers[kind].params[key]
    label = param_label(entry.name, lang)

    def set_value(v):
        session.set_lever(kind, **{key: v})
        changed()

    if entry.choices:
        solara.Select(label=label, values=list(entry.choices), value=value, on_value=set_value, dense=True)
    elif entry.kind is bool:
        solara.Switch(label=label, value=value, on_value=set_value, color="primary", style={"margin": "0"})
    else:
        # the label above the slider: long registry labels would squeeze a slider beside them
        solara.Text(label, style={"font-size": "0.85em", "color": "#555", "margin-bottom": "24px"})
        high = min(entry.high, 4 * entry.default + (10 if entry.kind is int else 1.0))
        if entry.kind is int:
            solara.SliderInt("", value=value, min=int(entry.low), max=int(high), on_value=set_value,
                             thumb_label="always")
        else:
            solara.SliderFloat("", value=value, min=entry.low, max=high, step=0.05, on_value=set_value,
                               thumb_label="always")


@solara.component
def LeverCard(session: Session, kind: str, lang: str, changed: Callable[[], None], tick: int):
    lever = session.levers[kind]

    def switch(on):
        session.set_lever(kind, on=on)
        changed()

    def start(month):
        session.set_lever(kind, start_month=month)
        changed()

    with solara.Column(gap="0px", classes=[f"shequ-lever-{kind}"]):
        solara.Switch(label=kind_label(kind, lang), value=lever.on, on_value=switch, color="primary")
        if lever.on:
            solara.SliderInt(label=t("start_month", lang), value=lever.start_month, min=0, max=120, on_value=start,
                             thumb_label="always")
            for key in LEVER_PARAMS[kind]:
                ParamInput(session, kind, key, lang, changed, tick)


@solara.component
def Controls(session: Session, lang: str, changed: Callable[[], None], playing: solara.Reactive[bool],
             speed: solara.Reactive[float], tick: int):
    """Preset, seed, levers, baseline toggle, and step / play / pause / reset."""
    presets = [p.stem for p in list_scenarios()]
    titles = {name: scenario_title(load_scenario(name), lang) for name in presets}

    def set_preset(title):
        session.load_preset(next(n for n, tt in titles.items() if tt == title))
        changed()

    def set_seed(seed):
        session.seed = int(seed)
        session.reset()
        changed()

    def set_compare(on):
        session.compare = on
        session.reset()
        changed()

    def step():
        session.step()
        changed()

    def reset():
        playing.set(False)
        session.reset()
        changed()

    with solara.Row(gap="4px", classes=["shequ-buttons"]):
        solara.Button(t("step", lang), on_click=step, color="primary", classes=["shequ-step"])
        if playing.value:
            solara.Button(t("pause", lang), on_click=lambda: playing.set(False), classes=["shequ-pause"])
        else:
            solara.Button(t("play", lang), on_click=lambda: playing.set(True), classes=["shequ-play"])
        solara.Button(t("reset", lang), on_click=reset, classes=["shequ-reset"])
    solara.SliderFloat(t("speed", lang), value=speed, min=0.5, max=12.0, step=0.5)
    solara.Select(label=t("preset", lang), values=list(titles.values()), value=titles[session.preset.name],
                  on_value=set_preset)
    solara.InputInt(t("seed", lang), value=session.seed, on_value=set_seed)
    solara.Switch(label=t("compare", lang), value=session.compare, on_value=set_compare, color="primary",
                  classes=["shequ-compare"])
    solara.Text(t("levers", lang), style={"font-weight": "bold", "margin-top": "8px"})
    for kind in LEVER_PARAMS:
        LeverCard(session, kind, lang, changed, tick)


@solara.component
def DistrictMap(session: Session, lang: str, metric: solara.Reactive[str], selected: solara.Reactive[tuple],
                changed: Callable[[], None], tick: int):
    """Communities as tiles in one row per street, coloured by a metric on a fixed scale.

    Hover a tile for its value (and the baseline's); in "pick pilots" mode a click adds the
    community (or, on a street's name, the whole street) to the pilot scope.
    """
    mode, set_mode = solara.use_state("inspect")
    names = {m.name: (m.label_zh if lang == "zh" else m.label_en) for m in METRICS}
    values = session.community_values(metric.value)
    low, high = session.colour_range(metric.value)
    pilots = set() if session.scope == ALL else set(session.scope)

    def pick(street, community=None):
        if mode == "pilot":
            session.toggle_scope(street, community)
            session.reset()
            changed()
        elif community is not None:
            selected.set((street, community))

    solara.Text(t("map", lang), style={"font-weight": "bold"})
    solara.Select(label=t("map_metric", lang), values=list(names.values()), value=names[metric.value],
                  on_value=lambda label: metric.set(next(k for k, v in names.items() if v == label)))
    solara.ToggleButtonsSingle(value=mode, on_value=set_mode, children=[
        solara.Button(t("click_inspect", lang), value="inspect", classes=["shequ-mode-inspect"]),
        solara.Button(t("click_pilot", lang), value="pilot", classes=["shequ-mode-pilot"]),
    ])
    for street, communities in session.streets.items():
        with solara.Row(gap="4px", style={"align-items": "center"}):
            solara.Button(t("street", lang, n=street + 1), text=True, on_click=lambda s=street: pick(s),
                          classes=["shequ-street"], attributes={"data-street": str(street)})
            for community in communities:
                row = values[(values["street"] == street) & (values["community"] == community)].iloc[0]
                value, base = float(row["value"]), float(row["baseline"])
                tip = f"{_place(lang, street, community)}: {value:.3g}"
                if base == base:
                    tip += f" ({t('baseline', lang)} {base:.3g})"
                fill = colour(value, low, high)
                border = "3px solid #d62728" if (street, community) in pilots else "1px solid #888"
                solara.Button(
                    "", on_click=lambda s=street, c=community: pick(s, c), classes=["shequ-tile"],
                    style={"background-color": fill, "min-width": "44px", "width": "44px", "height": "32px",
                           "border": border},
                    attributes={"title": tip, "data-street": str(street), "data-community": str(community),
                                "data-value": f"{value:.9g}", "data-baseline": f"{base:.9g}",
                                "data-colour": fill})
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.Text(f"{low:.3g}")
        solara.HTML(tag="div", unsafe_innerHTML="", classes=["shequ-legend"],
                    style={"width": "220px", "height": "14px", "background": gradient_css()})
        solara.Text(f"{high:.3g}")
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
def Series(session: Session, lang: str, tick: int):
    fig = solara.use_memo(lambda: timeseries_figure(session, lang), dependencies=[tick, lang])
    with solara.Div(classes=["shequ-series"]):
        solara.FigureMatplotlib(fig, dependencies=[tick, lang], format="png")


@solara.component
def About(session: Session, lang: str, tick: int):
    about, notice = scenario_about(session.preset, lang)
    solara.Text(scenario_title(session.preset, lang), style={"font-weight": "bold"}, classes=["shequ-title"])
    style = {"white-space": "pre-wrap", "font-size": "0.9em"}
    if about:
        solara.Text(about, style=style)
    if notice:
        solara.Text(notice, style=style)
    events = [t("event", lang, month=m, kind=kind_label(k, lang)) for m, k in session.events()]
    if events:
        solara.Text(t("events", lang) + ": " + "; ".join(events), style={"color": "#d62728"})
