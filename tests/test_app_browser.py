"""The workshop app in headless Chromium with every request off this machine blocked.

One browser session drives the app (step, play and pause, inspect a committee, switch language,
pick a pilot street, compare with another preset, run to month 120, save a handout); the tests
below check what it saw. Every wait reads what it waits for, with a generous timeout, so the
tests hold on a busy machine. Needs Debian's chromium (.ci/run installs it); skipped without it
unless SHEQU_REQUIRE_BROWSER is set.
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
import unicodedata
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from model import load_scenario
from model.metrics import METRIC_BY_NAME

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DISTRICT = "n_streets=3,communities_per_street=4"

pytestmark = pytest.mark.browser

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
        deadline = time.monotonic() + 180
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


TIMEOUT = 180_000   # ms: generous, so a busy machine is slow, not failing; every wait reads what it waits for

# every tile drawn at month m (each tile carries the month it shows), and unchanged over three polls
TILES_AT = """m => {
  const tiles = [...document.querySelectorAll('.shequ-tile')];
  const now = JSON.stringify(tiles.map(e => [e.dataset.month, e.dataset.value, e.dataset.colour]));
  window.__tiles = window.__tiles || {same: 0, last: ''};
  if (now === window.__tiles.last) { window.__tiles.same += 1 } else { window.__tiles = {same: 0, last: now} }
  return tiles.length > 0 && tiles.every(e => +e.dataset.month === m) && window.__tiles.same >= 3;
}"""
MONTH_IS = "m => +document.querySelector('.shequ-month').innerText.replace(/\\D/g, '') === m"
CHARTS_AT = "m => { const c = [...document.querySelectorAll('.shequ-chart')]; " \
            "return c.length > 0 && c.every(e => +e.dataset.months === m && e.querySelector('canvas')) }"


def _tiles(page, month: int) -> list[dict]:
    """The map's tiles once every one of them shows ``month``."""
    page.wait_for_function(TILES_AT, arg=month, polling=200)
    return page.eval_on_selector_all(
        ".shequ-tile", "els => els.map(e => ({street: +e.dataset.street, value: e.dataset.value, "
        "baseline: e.dataset.baseline, colour: e.dataset.colour, title: e.title}))")


def _charts(page, month: int) -> list[dict]:
    """The charts once every one has drawn ``month`` months (data it shows, and its canvas size)."""
    page.wait_for_function(CHARTS_AT, arg=month)
    return page.eval_on_selector_all(
        ".shequ-chart", "els => els.map(e => ({metric: e.dataset.metric, last: e.dataset.last, "
        "other: e.dataset.other, other_name: e.dataset.otherName, ymax: e.dataset.ymax, "
        "title: e.querySelector('.shequ-chart-title').innerText, width: e.querySelector('canvas').width}))")


def _month(page) -> int:
    digits = "".join(ch for ch in page.inner_text(".shequ-month") if ch.isdigit())
    return int(digits or 0)


def _idle(page) -> None:
    """Wait until no step is being computed: the Step button is enabled again."""
    page.wait_for_selector(".shequ-step:not([disabled])")


def _step(page, months: int) -> None:
    for _ in range(months):
        _idle(page)
        before = _month(page)
        page.click(".shequ-step")
        page.wait_for_function(MONTH_IS, arg=before + 1)
    _idle(page)


def _play_until(page, month: int) -> tuple[int, int]:
    """Press play, wait for ``month``, press pause; then one Step must add exactly one month
    (were play still running, more would have passed). Returns (month at pause, after the step)."""
    page.click(".shequ-play")
    page.wait_for_function("m => +document.querySelector('.shequ-month').innerText.replace(/\\D/g, '') >= m",
                           arg=month)
    page.click(".shequ-pause")
    page.wait_for_selector(".shequ-play")      # the pause has been processed
    _idle(page)
    paused = _month(page)
    _step(page, 1)
    return paused, _month(page)


def _choose(page, select: str, text: str) -> None:
    """Pick ``text`` in a Vuetify select (its menu opens on a click)."""
    page.click(f"{select} .v-field")
    page.locator(".v-overlay--active .v-list-item", has_text=text).first.click()


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

    preset = load_scenario("burden_reduction")
    other = load_scenario("function_transfer_funded")
    out: dict = {"outside": outside, "local": local}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.set_default_timeout(TIMEOUT)
            page.route("**/*", route)
            page.goto(server["url"], timeout=TIMEOUT)
            page.wait_for_selector(".shequ-step")
            out["tiles0"], out["charts0"] = _tiles(page, 0), _charts(page, 0)
            _step(page, 3)
            out["month3"], out["tiles3"], out["charts3"] = _month(page), _tiles(page, 3), _charts(page, 3)
            out["paused"] = _play_until(page, 5)
            page.click(".shequ-tile >> nth=5")   # inspect mode: street 2, community 2
            page.wait_for_selector(".shequ-queue")
            out["hours"] = page.locator(".shequ-hours").count()
            # open the folded controls and switch the election lever on: its choices are words
            page.click(".shequ-controls-toggle")
            page.click(".shequ-lever-election label >> nth=0")
            page.wait_for_selector(".shequ-param-election_mode")
            out["text_zh"] = page.inner_text("body")
            page.click(".shequ-lang-en")
            page.wait_for_function("t => document.querySelector('.shequ-title').innerText === t && document"
                                   ".querySelector('.shequ-save').innerText.toLowerCase().startsWith('save')",
                                   arg=preset.title_en)
            out["text_en"] = page.inner_text("body")
            # pick street 1 as the pilot (this resets the run)
            page.click(".shequ-mode-pilot")
            page.click(".shequ-street[data-street='0']")
            page.wait_for_function("() => document.querySelector('.shequ-scope').innerText.includes('1-4')")
            out["scope"] = page.inner_text(".shequ-scope")
            # compare with the funded function transfer, then run the ten years at once; a Step
            # clicked while that runs is merged into it, not queued after it
            _choose(page, ".shequ-compare", other.title_en)
            page.wait_for_function("n => document.querySelector('.shequ-chart').dataset.otherName === n",
                                   arg=other.title_en)
            page.click(".shequ-end")
            page.click(".shequ-step", force=True)
            page.wait_for_function(MONTH_IS, arg=120)
            _idle(page)
            out["month_end"] = _month(page)
            out["charts_end"], out["tiles_end"] = _charts(page, 120), _tiles(page, 120)
            out["legend"] = page.inner_text(".shequ-legend-line")
            # switch language back and forth, then save: the handout is in the language on screen
            page.click(".shequ-lang-zh")
            page.click(".shequ-lang-en")
            page.click(".shequ-lang-zh")
            page.wait_for_function("t => document.querySelector('.shequ-title').innerText === t", arg=preset.title_zh)
            page.click(".shequ-save")
            page.wait_for_selector(".shequ-download")
            out["saved"] = page.inner_text(".shequ-saved")
            out["save_label"] = page.inner_text(".shequ-save")
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
    assert any("/echarts@" in url for url in seen["local"]), "the charts' library came from elsewhere"


def test_stepping_changes_the_map_and_the_charts(seen):
    assert seen["month3"] == 3
    assert all(t["value"] == "nan" for t in seen["tiles0"])
    assert all(t["value"] != "nan" for t in seen["tiles3"])
    assert len({t["colour"] for t in seen["tiles3"]}) > 1
    assert all(c["last"] == "" for c in seen["charts0"]) and all(c["last"] for c in seen["charts3"])
    assert all(c["width"] > 300 for c in seen["charts3"])
    # the baseline runs beside on the same seed: identical before any reform starts
    assert all(t["value"] == t["baseline"] for t in seen["tiles3"])
    assert all(c["last"] == c["other"] for c in seen["charts3"])
    # hovering shows the value (a 12-month average, as %) and the compared run's
    baseline = load_scenario("baseline").title_zh
    assert all("%" in t["title"] and baseline in t["title"] and "近 12 个月平均" in t["title"] for t in seen["tiles3"])


def test_charts_show_shares_as_percent_on_a_fixed_range(seen):
    by_metric = {c["metric"]: c for c in seen["charts3"]}
    share = METRIC_BY_NAME["admin_share"]
    assert float(by_metric["admin_share"]["ymax"]) == 100 and by_metric["admin_share"]["last"].endswith("%")
    assert by_metric["admin_share"]["title"].startswith(share.label_zh) and "%" in by_metric["admin_share"]["title"]
    assert "offloaded_tasks_per_worker" in by_metric   # the rebound is on screen


def test_play_runs_and_pause_stops(seen):
    paused, after_step = seen["paused"]
    assert paused >= 5
    assert after_step == paused + 1, f"the month kept moving after pause: {seen['paused']}"


def test_a_committee_shows_its_hours_and_queue(seen):
    assert seen["hours"] == 5


def test_language_switches_every_text(seen):
    preset = load_scenario("burden_reduction")
    metric = METRIC_BY_NAME["admin_share"]
    assert preset.title_zh in seen["text_zh"] and metric.label_zh in seen["text_zh"]
    assert preset.title_en in seen["text_en"] and metric.label_en in seen["text_en"]
    assert preset.title_zh not in seen["text_en"]
    assert "户代表直选" in seen["text_zh"] and "是" in seen["text_zh"]
    assert "direct election by household representatives" in seen["text_en"]
    # no code names on the Chinese screen, and Solara's badge is hidden
    for code in ("household", "admin_share", "burden_reduction", "True", "False", "Solara"):
        assert code not in seen["text_zh"], code


def test_pilot_street_compare_and_run_to_the_end(seen):
    assert all(f"1-{n}" in seen["scope"] for n in range(1, 5)) and "2-1" not in seen["scope"]
    assert seen["month_end"] == 120        # the Step clicked during the run was merged, not queued
    other = load_scenario("function_transfer_funded")
    assert other.title_en in seen["legend"]
    assert all(c["other_name"] == other.title_en and c["other"] for c in seen["charts_end"])
    assert any(c["last"] != c["other"] for c in seen["charts_end"])
    pilot = [t for t in seen["tiles_end"] if t["street"] == 0]
    assert any(t["value"] != t["baseline"] for t in pilot)


def test_handout_is_saved_in_the_language_on_screen(seen, server):
    assert seen["save_label"] == "保存本次运行（讲义）"
    path = seen["saved"].split("：", 1)[1]
    assert path.endswith("-zh.html") and "month120" in path
    text = (server["folder"] / path).read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text and html.escape(load_scenario("burden_reduction").title_zh) in text
    assert load_scenario("burden_reduction").title_en not in text
    assert seen["screenshot"].stat().st_size > 10_000
    label, filename, href = seen["download"]
    assert label == "下载讲义" and filename == Path(path).name
    prefix = "data:text/html;charset=utf-8;base64,"
    assert href.startswith(prefix) and base64.b64decode(href[len(prefix):]).decode("utf-8") == text


@pytest.mark.parametrize("preset, compare, lang", [
    ("seed_district_package", "function_transfer_funded", "zh"),
    ("seed_district_package", "function_transfer_funded", "en"),
    ("burden_reduction", "baseline", "zh")])
def test_handout_prints_on_one_a4_page(tmp_path, preset, compare, lang):
    """The longest preset (every lever on) beside a long-titled one at month 120, printed by
    Chromium: one page, and the questions and notes at its foot are on it."""
    from model.app import handout
    from model.app.i18n import scenario_questions
    from model.app.state import Session

    session = Session(preset, overrides={"n_streets": 3, "communities_per_street": 4}, compare=compare)
    session.run_to(120)
    page = handout.save(session, lang, tmp_path)
    pdf = tmp_path / "handout.pdf"
    subprocess.run([CHROMIUM, *FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "Pages:           1" in info, info
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    def flat(s: str) -> str:
        # pdftotext spells full-width punctuation by its compatibility form and loses 一 (its glyph
        # is shared with a radical); neither matters for whether the text is on the page
        return unicodedata.normalize("NFKC", "".join(s.split())).replace("一", "").replace("⼀", "")

    assert flat(scenario_questions(session.preset, lang)[-1])[:12] in flat(text)
    assert ("笔记" if lang == "zh" else "Notes") in text
