"""The workshop page, laid out for a projector: run buttons, then the charts in a grid, then the
district map beside one committee and the scenario's explanation; settings and levers fold away.

Each browser tab gets its own Session. The language starts from SHEQU_LANG (set by the server).
A step or a run to the end is computed off the page's event handling, with the buttons that
would change the run disabled meanwhile, so clicks made while the server is busy do not queue up.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from pathlib import Path

import solara
import solara.lab

from . import handout
from .i18n import LANGS, t
from .server import parse_district
from .state import HORIZON, Session
from .views import MAP_DEFAULT, About, Charts, Committee, Controls, DistrictMap, RunBar

LANG_NAMES = {"zh": "中文", "en": "English"}

# Larger type for a hall; Solara's "runs on Solara" badge hidden (it links off this machine).
CSS = """
.v-application { font-size: 17px; }
.v-btn { font-size: 1rem !important; }
.shequ-month { font-size: 1.3em; font-weight: bold; }
.shequ-busy { color: #d62728; font-weight: bold; }
div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
"""


def _overrides() -> dict:
    """District size overrides the server was started with (checked there already)."""
    return parse_district(os.environ.get("SHEQU_APP_OVERRIDES", ""))


@solara.component
def Page():
    session = solara.use_memo(lambda: Session(overrides=_overrides()), dependencies=[])
    lang = solara.use_reactive(os.environ.get("SHEQU_LANG", "zh"))
    tick, set_tick = solara.use_state(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(2.0)
    metric = solara.use_reactive(MAP_DEFAULT)
    window = solara.use_reactive(True)
    show_controls = solara.use_reactive(False)   # folded: the charts come first on a projector
    selected = solara.use_reactive(None)
    saved = solara.use_reactive("")     # the handout's path, "" until saved (and again after a change)
    link = solara.use_reactive("")

    def changed():
        set_tick(lambda n: n + 1)
        saved.set("")      # a handout saved earlier shows an earlier state: offer no stale link
        link.set("")

    def compute(action: str):
        if action == "end":
            session.run_to(HORIZON)
        else:
            session.step()
        changed()

    work = solara.lab.use_task(compute, dependencies=None, prefer_threaded=True)
    busy = bool(work.pending)

    def start_work(action: str):
        if not work.pending:    # a click while a step is computed is merged into that step
            work(action)

    async def play():
        # On the server's event loop, like Mesa's SolaraViz. The months due at the chosen speed
        # are stepped before each redraw, so a slow redraw skips frames, not simulated time.
        last = time.monotonic()
        while playing.value:
            await asyncio.sleep(1.0 / max(speed.value, 0.1))
            now = time.monotonic()
            due = max(1, int((now - last) * speed.value))
            last += due / speed.value
            if playing.value:
                session.step(max(0, min(due, HORIZON - session.month)))   # play stops at the ten years
                changed()
                if session.month >= HORIZON:
                    playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=False)

    def set_lang(code: str):
        lang.set(code)
        saved.set("")
        link.set("")

    def save():
        # the language is read here, at the click, from what the screen shows
        shown = lang.value
        path = handout.save(session, shown)
        saved.set(str(path))
        # offered as a data link: no route to serve files, and a plain <a download> works everywhere
        link.set("data:text/html;charset=utf-8;base64," + base64.b64encode(path.read_bytes()).decode("ascii"))

    solara.Style(CSS)
    solara.Title(t("title", lang.value))
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(t("title", lang.value), style={"font-size": "1.5em", "font-weight": "bold"})
        solara.ToggleButtonsSingle(value=lang.value, on_value=set_lang, children=[
            solara.Button(LANG_NAMES[code], value=code, disabled=busy, classes=[f"shequ-lang-{code}"])
            for code in LANGS])
        solara.Text(t("month", lang.value, month=session.month) if session.month else t("not_started", lang.value),
                    classes=["shequ-month"])
        if busy:
            solara.Text(t("busy", lang.value), classes=["shequ-busy"])
    RunBar(session, lang.value, changed, playing, start_work, busy, tick)
    with solara.Div(classes=["shequ-controls"]):
        solara.Button(("▾ " if show_controls.value else "▸ ") + t("controls", lang.value), text=True,
                      on_click=lambda: show_controls.set(not show_controls.value), classes=["shequ-controls-toggle"])
        if show_controls.value:
            Controls(session, lang.value, changed, speed, busy or playing.value, tick)
    Charts(session, lang.value, tick)
    with solara.Columns([3, 2]):
        with solara.Column():
            DistrictMap(session, lang.value, metric, window, selected, changed, busy or playing.value, tick)
        with solara.Column():
            Committee(session, lang.value, selected.value, tick)
            About(session, lang.value, tick)
    with solara.Row(style={"align-items": "center"}):
        solara.Button(t("save", lang.value), on_click=save, disabled=busy, classes=["shequ-save"],
                      attributes={"data-lang": lang.value})
        if link.value:
            solara.HTML(tag="a", unsafe_innerHTML=t("download", lang.value), classes=["shequ-download"],
                        attributes={"href": link.value, "download": Path(saved.value).name})
    if saved.value:
        solara.Text(t("saved", lang.value, path=saved.value), classes=["shequ-saved"])
