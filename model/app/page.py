"""The workshop page: controls on the left; map, committee, time series and explanation on the right.

Each browser tab gets its own Session. The language starts from SHEQU_LANG (set by the server).
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
from .state import Session
from .views import About, Committee, Controls, DistrictMap, Series

LANG_NAMES = {"zh": "中文", "en": "English"}


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
    metric = solara.use_reactive("requests_resolved_share")
    selected = solara.use_reactive(None)
    saved = solara.use_reactive("")
    link = solara.use_reactive("")

    def changed():
        set_tick(lambda n: n + 1)

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
                session.step(due)
                changed()

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=False)

    def save():
        path = handout.save(session, lang.value)
        saved.set(str(path))
        # offered as a data link: no route to serve files, and a plain <a download> works everywhere
        link.set("data:text/html;charset=utf-8;base64," + base64.b64encode(path.read_bytes()).decode("ascii"))

    solara.Title(t("title", lang.value))
    with solara.Row(style={"align-items": "center"}):
        solara.Text(t("title", lang.value), style={"font-size": "1.4em", "font-weight": "bold"})
        solara.ToggleButtonsSingle(value=lang, children=[
            solara.Button(LANG_NAMES[code], value=code, classes=[f"shequ-lang-{code}"]) for code in LANGS])
        solara.Text(t("month", lang.value, month=session.month) if session.month else t("not_started", lang.value),
                    classes=["shequ-month"])
    with solara.Columns([1, 3]):
        with solara.Column():
            Controls(session, lang.value, changed, playing, speed, tick)
        with solara.Column():
            with solara.Columns([3, 2]):
                with solara.Column():
                    DistrictMap(session, lang.value, metric, selected, changed, tick)
                with solara.Column():
                    Committee(session, lang.value, selected.value, tick)
            Series(session, lang.value, tick)
            About(session, lang.value, tick)
            with solara.Row(style={"align-items": "center"}):
                solara.Button(t("save", lang.value), on_click=save, classes=["shequ-save"])
                if link.value:
                    solara.HTML(tag="a", unsafe_innerHTML=t("download", lang.value), classes=["shequ-download"],
                                attributes={"href": link.value, "download": Path(saved.value).name})
            if saved.value:
                solara.Text(t("saved", lang.value, path=saved.value), classes=["shequ-saved"])
