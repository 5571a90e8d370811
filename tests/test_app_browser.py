"""The workshop app in headless Chromium with every request off this machine blocked.

One browser session drives the app (step, inspect a committee, switch language, pick a pilot
street, save a handout); the tests below check what it saw. Needs Debian's chromium
(.ci/run installs it); skipped without it unless SHEQU_REQUIRE_BROWSER is set.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from model import load_scenario
from model.app.figures import colour
from model.metrics import METRIC_BY_NAME

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DISTRICT = "n_streets=3,communities_per_street=4"

if not Path(CHROMIUM).exists():
    if os.environ.get("SHEQU_REQUIRE_BROWSER"):
        raise RuntimeError("chromium not found; install Debian's chromium package")
    pytest.skip("chromium not installed (apt-get install chromium)", allow_module_level=True)
sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app, started as `model.app.server` would be from the command line, in a scratch folder."""
    port, folder = _free_port(), tmp_path_factory.mktemp("app")
    # The server's own outgoing requests (Solara's asset proxy would fetch a file missing from
    # solara-assets) go to a closed port, so a missing asset shows up as a broken page.
    dead = "http://127.0.0.1:9"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "ALL_PROXY": dead,
           "http_proxy": dead, "https_proxy": dead, "NO_PROXY": "", "no_proxy": ""}
    proc = subprocess.Popen([sys.executable, "-m", "model.app.server", "--port", str(port), "--lang", "zh",
                             "--district", DISTRICT], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        first_line = proc.stdout.readline()
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"app did not start: {first_line}{proc.stdout.read()}") from None
                time.sleep(0.3)
        yield {"url": url, "folder": folder, "banner": first_line}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _read_tiles(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".shequ-tile", "els => els.map(e => ({street: +e.dataset.street, value: e.dataset.value, "
        "baseline: e.dataset.baseline, colour: e.dataset.colour, title: e.title}))")


def _tiles(page) -> list[dict]:
    """The map's tiles once the page has finished redrawing them: the month label can change
    before every tile has (on a busy machine), so read until two reads apart agree."""
    last = _read_tiles(page)
    for _ in range(30):
        time.sleep(0.3)
        now = _read_tiles(page)
        if now == last:
            return now
        last = now
    return last


def _month(page) -> int:
    digits = "".join(ch for ch in page.inner_text(".shequ-month") if ch.isdigit())
    return int(digits or 0)


def _series(page) -> tuple[str, int]:
    """The time-series image: its source (a new one per redraw) and its drawn width (0 if blank)."""
    page.wait_for_function("() => document.querySelector('.shequ-series img').complete")
    return page.eval_on_selector(".shequ-series img", "e => [e.src, e.naturalWidth]")


def _step(page, months: int) -> None:
    for _ in range(months):
        before = page.inner_text(".shequ-month")
        page.click(".shequ-step")
        page.wait_for_function("b => document.querySelector('.shequ-month').innerText !== b", arg=before)


def _play_until(page, month: int) -> list[int]:
    """Press play, wait for ``month``, press pause; the months read until two agree."""
    page.click(".shequ-play")
    page.wait_for_function("m => +document.querySelector('.shequ-month').innerText.replace(/\\D/g, '') >= m",
                           arg=month)
    page.click(".shequ-pause")
    readings = [_month(page)]
    for _ in range(15):
        time.sleep(1.0)
        readings.append(_month(page))
        if readings[-1] == readings[-2]:
            break
    return readings


@pytest.fixture(scope="module")
def seen(server, tmp_path_factory):
    """Drive the app once and record what it showed at each stage."""
    outside, local = [], []

    def route(r):
        host = urlsplit(r.request.url).hostname
        if host in LOCAL_HOSTS:
            local.append(r.request.url)
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    out: dict = {"outside": outside, "local": local}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.route("**/*", route)
            page.goto(server["url"])
            page.wait_for_selector(".shequ-step", timeout=60_000)
            page.wait_for_selector(".shequ-series img")
            out["tiles0"], out["series0"] = _tiles(page), _series(page)
            _step(page, 3)
            out["month3"], out["tiles3"], out["series3"] = _month(page), _tiles(page), _series(page)
            out["paused"] = _play_until(page, 5)   # play, then pause: the month must stop moving
            page.click(".shequ-tile >> nth=5")   # inspect mode: street 2, community 2
            page.wait_for_function("() => document.querySelector('.shequ-scope')")
            page.wait_for_selector(".shequ-queue")
            out["hours"] = page.locator(".shequ-hours").count()
            out["text_zh"] = page.inner_text("body")
            page.click(".shequ-lang-en")
            page.wait_for_function("t => document.querySelector('.shequ-title').innerText === t && document"
                                   ".querySelector('.shequ-save').innerText.toLowerCase().startsWith('save')",
                                   arg=load_scenario("seed_district_package").title_en)
            out["text_en"] = page.inner_text("body")
            # pick street 1 as the pilot (this resets the run), then run past the preset's first reforms
            page.click(".shequ-mode-pilot")
            page.click(".shequ-street[data-street='0']")
            page.wait_for_function("() => document.querySelector('.shequ-scope').innerText.includes('1-4')")
            out["scope"] = page.inner_text(".shequ-scope")
            out["paused14"] = _play_until(page, 14)
            out["tiles14"] = _tiles(page)
            page.click(".shequ-save")
            page.wait_for_selector(".shequ-saved")
            out["saved"] = page.inner_text(".shequ-saved")
            page.wait_for_selector(".shequ-download")        # the link is set just after the saved note
            out["download"] = page.eval_on_selector(".shequ-download", "e => [e.innerText, e.download, e.href]")
            page.locator(".shequ-month").scroll_into_view_if_needed()
            shot = tmp_path_factory.mktemp("screenshots") / "workshop_app.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nworkshop app screenshot: {shot}")
            out["screenshot"] = shot
        finally:
            browser.close()
    return out


def test_nothing_leaves_this_machine(seen, server):
    assert server["banner"].strip().endswith("(Ctrl+C to stop)") and "http://127.0.0.1:" in server["banner"]
    assert seen["local"], "the route handler saw no requests at all"
    assert seen["outside"] == []


def test_stepping_changes_the_map_and_the_series(seen):
    assert seen["month3"] == 3
    assert all(t["value"] == "nan" for t in seen["tiles0"])
    assert all(t["value"] != "nan" for t in seen["tiles3"])
    assert len({t["colour"] for t in seen["tiles3"]}) > 1
    assert seen["series3"][0] != seen["series0"][0]
    assert seen["series0"][1] > 300 and seen["series3"][1] > 300
    # the baseline runs beside on the same seed: identical before any reform starts
    assert all(t["value"] == t["baseline"] for t in seen["tiles3"])
    # hovering shows the value and the baseline's
    assert all(f"{float(t['value']):.3g}" in t["title"] and "基准" in t["title"] for t in seen["tiles3"])


def test_play_runs_and_pause_stops(seen):
    readings = seen["paused"]
    assert readings[0] >= 5
    assert readings[-1] == readings[-2], f"the month kept moving after pause: {readings}"
    assert seen["paused14"][0] >= 14 and seen["paused14"][-1] == seen["paused14"][-2]


def test_a_committee_shows_its_hours_and_queue(seen):
    assert seen["hours"] == 5


def test_language_switches_every_text(seen):
    preset = load_scenario("seed_district_package")
    metric = METRIC_BY_NAME["requests_resolved_share"]
    assert preset.title_zh in seen["text_zh"] and metric.label_zh in seen["text_zh"]
    assert preset.title_en in seen["text_en"] and metric.label_en in seen["text_en"]
    assert preset.title_zh not in seen["text_en"]


def test_pilot_street_is_picked_and_reforms_move_its_colours(seen):
    assert all(f"1-{n}" in seen["scope"] for n in range(1, 5)) and "2-1" not in seen["scope"]
    pilot = [t for t in seen["tiles14"] if t["street"] == 0]
    assert any(t["colour"] != colour(float(t["baseline"]), 0.0, 1.0) for t in pilot)


def test_handout_is_saved(seen, server):
    path = seen["saved"].split(": ", 1)[1]
    text = (server["folder"] / path).read_text(encoding="utf-8")
    assert html.escape(load_scenario("seed_district_package").title_en) in text
    assert seen["screenshot"].stat().st_size > 10_000
    label, filename, href = seen["download"]
    assert label == "Download handout" and filename == Path(path).name
    prefix = "data:text/html;charset=utf-8;base64,"
    assert href.startswith(prefix) and base64.b64decode(href[len(prefix):]).decode("utf-8") == text
