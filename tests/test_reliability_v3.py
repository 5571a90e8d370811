"""The third reliability review's defects (V1-V21), each as a test that failed before its fix:
parts written whole or not at all, no pickle read from a results folder, damaged files run
again, errors that cross process boundaries, no silent no-ops, no tracebacks."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import model.research.sweep as sweep_module
from model import load_scenario
from model.research.sweep import run_sweep
from model.study.design import factors_from, make_design
from model.study.experiment import run_study
from model.study.runner import Interrupted
from model.study.store import ResultStore

ROOT = Path(__file__).resolve().parent.parent
TINY = {"n_streets": 1, "communities_per_street": 2, "scale": 0.005}


def tiny(name: str):
    s = load_scenario(name)
    return replace(s, parameters={**s.parameters, **TINY})


def cli(*args, cwd=ROOT, timeout=120, **kw):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, **kw)


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


# ---------------------------------------------------------------- V1: a run's series never lost

def small_sweep(folder: Path, **kw):
    design = make_design("lhs", factors_from(["need_rate"]), 6, 1)
    store = ResultStore(folder, "fp").open()
    store.mark("running")
    try:
        return run_sweep(design, [tiny("baseline")], 1, 6, 1, workers=1, store=store, progress=False, **kw)
    finally:
        store.close()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return small_sweep(tmp_path_factory.mktemp("v1") / "reference")


def assert_same_tables(a, b) -> None:
    pd.testing.assert_frame_equal(a.runs.drop(columns="wall_s"), b.runs.drop(columns="wall_s"))
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True, check_dtype=False)


def test_v1_an_interrupt_inside_add_loses_no_time_series(tmp_path, monkeypatch, uninterrupted):
    """The review's repro_lost_timeseries.py: the interrupt lands while a run's series is
    converted, after its row used to be buffered."""
    real, calls = sweep_module.to_long, {"n": 0}

    def flaky(frame):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Interrupted(signal.SIGTERM)
        return real(frame)

    monkeypatch.setattr(sweep_module, "to_long", flaky)
    with pytest.raises(Interrupted):
        small_sweep(tmp_path / "x")
    monkeypatch.setattr(sweep_module, "to_long", real)
    resumed = small_sweep(tmp_path / "x")
    ok = set(resumed.runs.loc[resumed.runs.status == "ok", "run_id"])
    assert ok == set(range(6)) and set(resumed.timeseries.run_id) == ok
    assert_same_tables(resumed, uninterrupted)


def parts(folder: Path) -> list[Path]:
    return sorted((folder / "parts").glob("part-*"))


@pytest.mark.parametrize("damage", ["series_file_deleted", "series_rows_removed", "bit_flip", "truncated",
                                    "garbage", "index_deleted"])
def test_v1_v7_v8_a_damaged_part_is_run_again_with_a_notice(tmp_path, capsys, damage, uninterrupted):
    folder = tmp_path / "x"
    small_sweep(folder)
    part = parts(folder)[1]
    ts = part / "timeseries.parquet"
    if damage == "series_file_deleted":
        ts.unlink()
    elif damage == "series_rows_removed":      # a consistent part whose series lacks a run
        tables, meta = ResultStore.read_unit(part)
        store = ResultStore(folder, "fp").open()
        try:
            store.write_unit(f"parts/{part.name}", {"runs": tables["runs"],
                                                     "timeseries": tables["timeseries"].iloc[:-5]}, **meta)
        finally:
            store.close()
    elif damage == "bit_flip":
        data = bytearray(ts.read_bytes())
        data[len(data) // 2] ^= 0x40
        ts.write_bytes(bytes(data))
    elif damage == "truncated":
        ts.write_bytes(ts.read_bytes()[:100])
    elif damage == "garbage":
        (part / "runs.parquet").write_bytes(b"not parquet at all")
    else:
        (part / "unit.json").unlink()
    capsys.readouterr()
    repaired = small_sweep(folder)
    err = capsys.readouterr().err
    notices = [line for line in err.splitlines() if line.startswith("notice:")]
    assert len(notices) == 1 and part.name in notices[0], err
    assert_same_tables(repaired, uninterrupted)
    runs, _ = sweep_module.read_parts(folder)         # the new part did not replace another one
    assert sorted(runs["run_id"]) == list(range(6))


@pytest.mark.slow
def test_v1_sigterm_just_after_a_part_is_written_loses_nothing_in_10_trials(tmp_path):
    args = ["sweep", "baseline", "--vary", "need_rate", "--samples", "12", "--steps", "6", "--scale", "0.005",
            "--workers", "2"]
    ref = tmp_path / "ref"
    done = cli(*args, "--out", ref, timeout=300)
    assert done.returncode == 0, done.stderr
    reference = (pd.read_parquet(ref / "runs.parquet"), pd.read_parquet(ref / "timeseries.parquet"))
    interrupted = 0
    for trial in range(10):
        out = tmp_path / f"t{trial}"
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args, "--out", str(out)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None and not parts(out):
            time.sleep(0.002)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        no_traceback(err)
        interrupted += proc.returncode == 143
        again = cli(*args, "--out", out, timeout=300)
        assert again.returncode == 0, again.stderr
        pd.testing.assert_frame_equal(reference[0], pd.read_parquet(out / "runs.parquet"))
        pd.testing.assert_frame_equal(reference[1], pd.read_parquet(out / "timeseries.parquet"), check_exact=True)
    assert interrupted >= 5


# ---------------------------------------------------------------- V3/V7: no pickle; stored data checked

def tiny_study(folder: Path, replications: int = 2):
    store = ResultStore(folder, "fp").open()
    store.mark("running")
    try:
        return run_study([tiny("baseline"), tiny("burden_reduction")], replications, 26, 7, workers=1,
                         progress=False, store=store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def study_reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("v3") / "reference"
    return folder, tiny_study(folder)


def assert_same_study(a, b) -> None:
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True, check_dtype=False)
    pd.testing.assert_frame_equal(a.communities, b.communities, check_exact=True, check_dtype=False)


class Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_v3_a_planted_pickle_is_never_loaded(tmp_path, study_reference):
    folder = tmp_path / "x"
    (folder / "replications").mkdir(parents=True)
    # the fingerprint does not protect: it can be copied from any genuine manifest
    (folder / "manifest.json").write_text(json.dumps({"fingerprint": "fp", "status": "interrupted"}))
    marker = tmp_path / "PWNED"
    for key in ("baseline-r0000", "burden_reduction-r0001"):
        with (folder / "replications" / f"{key}.pkl").open("wb") as f:
            pickle.dump(Evil(marker), f)
    result = tiny_study(folder)
    assert not marker.exists()
    assert_same_study(result, study_reference[1])
    stored = sorted(p.name for p in (folder / "replications").iterdir() if p.is_dir())
    assert stored == ["baseline-r0000", "baseline-r0001", "burden_reduction-r0000", "burden_reduction-r0001"]
    assert not any(p.suffix == ".pkl" for p in (folder / "replications" / "baseline-r0000").iterdir())


@pytest.mark.parametrize("damage", ["bit_flip", "swapped", "truncated", "index_deleted"])
def test_v7_a_damaged_or_swapped_replication_is_run_again(tmp_path, capsys, study_reference, damage):
    import shutil
    folder = tmp_path / "x"
    shutil.copytree(study_reference[0], folder)
    reps = folder / "replications"
    target = reps / "burden_reduction-r0000"
    if damage == "bit_flip":
        f = target / "district.parquet"
        data = bytearray(f.read_bytes())
        data[len(data) // 3] ^= 0x40
        f.write_bytes(bytes(data))
    elif damage == "swapped":          # the review's N_rc_pkl_swapped: another replication under this key
        shutil.rmtree(target)
        shutil.copytree(reps / "baseline-r0000", target)
    elif damage == "truncated":
        f = target / "communities.parquet"
        f.write_bytes(f.read_bytes()[:50])
    else:
        (target / "unit.json").unlink()
    capsys.readouterr()
    result = tiny_study(folder)
    notices = [line for line in capsys.readouterr().err.splitlines() if line.startswith("notice:")]
    assert len(notices) == 1 and "burden_reduction-r0000" in notices[0], notices
    assert_same_study(result, study_reference[1])


SWEEP = ["sweep", "baseline", "--vary", "need_rate", "--samples", "3", "--steps", "6", "--scale", "0.005",
         "--workers", "1"]


@pytest.fixture(scope="module")
def complete_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("v7") / "sweep"
    done = cli(*SWEEP, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow      # a whole study in a new process: the command's contract, run in CI
@pytest.mark.parametrize("edit", ["rows_removed", "value_edited", "truncated"])
def test_v7_v8_an_edited_final_table_is_not_reanalysed_but_run_again(tmp_path, complete_sweep, edit):
    import shutil
    out = tmp_path / "sweep"
    shutil.copytree(complete_sweep, out)
    runs = pd.read_parquet(out / "runs.parquet")
    if edit == "rows_removed":
        runs.iloc[:-1].to_parquet(out / "runs.parquet", index=False)
    elif edit == "value_edited":
        runs.loc[0, "trust"] = 0.99
        runs.to_parquet(out / "runs.parquet", index=False)
    else:
        (out / "timeseries.parquet").write_bytes((out / "timeseries.parquet").read_bytes()[:64])
    again = cli(*SWEEP, "--out", out)
    assert again.returncode == 0, again.stderr
    no_traceback(again.stderr)
    assert "notice:" in again.stderr and "run again" in again.stderr
    for name in ("runs.parquet", "timeseries.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(complete_sweep / name), pd.read_parquet(out / name))
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


# ---------------------------------------------------------------- V8: no traceback, folder marked failed

def test_v8_an_unexpected_error_marks_the_folder_failed_with_the_error(tmp_path):
    from model.research.folder import results_folder
    from model.study.runner import StudyFailed
    with pytest.raises(StudyFailed, match="unexpected error \\(TypeError: boom\\).*manifest.json"):
        with results_folder(tmp_path / "x", {"what": 1}):
            raise TypeError("boom")
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"] == "TypeError: boom"


def test_v8_an_unexpected_error_is_one_line_from_the_command_line(monkeypatch, capsys):
    from model import cli as cli_module
    from model.cli.console import run_main

    def broken(*args):
        raise ValueError("something odd\nsecond line")

    monkeypatch.setattr(cli_module, "cmd_list", broken)
    assert run_main(cli_module.main, ["list"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ValueError: something odd" in err


@pytest.mark.parametrize("kind", ["loop", "long"])
def test_v8_an_out_path_that_cannot_be_resolved_is_one_line(tmp_path, kind):
    if kind == "loop":
        (tmp_path / "a").symlink_to(tmp_path / "b")
        (tmp_path / "b").symlink_to(tmp_path / "a")
        out = tmp_path / "a" / "x"
    else:
        out = tmp_path / ("d" * 200) / ("e" * 5000)
    done = cli(*SWEEP, "--out", out)
    assert done.returncode == 2, done.stderr
    no_traceback(done.stderr)
    assert done.stderr.startswith("error: command line: --out: expected")


# ---------------------------------------------------------------- V5: InputError crosses processes

def test_v5_input_error_survives_pickling():
    from model.errors import InputError
    error = pickle.loads(pickle.dumps(InputError("s", "f", "e", "g")))
    assert (error.source, error.field, error.expected, error.got) == ("s", "f", "e", "g")
    assert str(error) == "s: f: expected e, got 'g'"


def bad_need_rate(job):
    from model import GovernanceModel
    return GovernanceModel("baseline", rng=1, need_rate=job)


def test_v5_bad_input_found_in_a_worker_is_the_same_one_line_error():
    from model.errors import InputError
    from model.study.runner import run_jobs
    with pytest.raises(InputError, match="need_rate: expected"):
        run_jobs(bad_need_rate, [5.0, 6.0], 2, lambda i, r: None, progress=False)


# ---------------------------------------------------------------- V6: no silent no-op

def test_v6_a_reform_parameter_no_scenario_uses_is_refused():
    from model import GovernanceModel
    from model.errors import InputError
    with pytest.raises(InputError, match="no burden_reduction reform"):
        GovernanceModel("baseline", **{"burden_reduction.ledgers": 5})
    design = make_design("lhs", factors_from(["burden_reduction.ledgers=3:20"]), 2, 1)
    with pytest.raises(InputError, match="plan: design=: expected a parameter some scenario uses"):
        sweep_module.plan(design, [tiny("baseline")], 1, 26, 1)
    assert len(sweep_module.plan(design, [tiny("baseline"), tiny("burden_reduction")], 1, 26, 1)) == 4
    with pytest.raises(InputError, match="parameter_sets: expected a parameter some scenario uses"):
        run_study([tiny("baseline")], 1, 4, 1, workers=1, progress=False,
                  parameter_sets=[{"burden_reduction.ledgers": 5}])


def test_v6_the_sweep_command_refuses_it_in_one_line(tmp_path):
    done = cli("sweep", "baseline", "--vary", "burden_reduction.ledgers=0:100", "--samples", "4", "--steps", "12",
               "--scale", "0.01", "--out", tmp_path / "x")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "has a burden_reduction reform, so varying it would change nothing" in done.stderr


def test_v6_a_shared_design_still_runs_the_reform_scenario_with_its_values():
    design = make_design("lhs", factors_from(["burden_reduction.ledgers=3:20"]), 2, 1)
    result = run_sweep(design, [tiny("baseline"), tiny("burden_reduction")], 1, 26, 1, workers=1, progress=False)
    assert (result.runs["status"] == "ok").all()


# ---------------------------------------------------------------- V19: values changed after construction

def test_v19_reform_values_changed_after_construction_are_checked():
    from model import GovernanceModel
    from model.errors import InputError
    s = load_scenario("burden_reduction")
    s.reforms[0].params["ledgers"] = -5
    with pytest.raises(InputError, match="ledgers"):
        GovernanceModel(s, rng=1)


@pytest.mark.parametrize(("factor", "needle"), [
    (("bogus", 0, 1), "a parameter name"),
    (("need_rate", 0.5, 0.1), "LOW < HIGH"),
    (("need_rate", float("nan"), 0.5), "LOW < HIGH"),
])
def test_v19_factors_built_in_python_are_checked(factor, needle):
    from model.errors import InputError
    from model.study.design import Factor
    with pytest.raises(InputError, match=needle):
        make_design("lhs", [Factor(*factor)], 4, 1)


# ---------------------------------------------------------------- V12, V13: odd and empty values

@pytest.mark.parametrize(("args", "needle"), [
    (["--vary", "community_sizes=0:1"], "--vary: expected a numeric parameter (community_sizes is real residents"),
    (["--vary", "need_rate="], "--vary: expected NAME or NAME=LOW:HIGH, not an empty range"),
    (["--vary", "need_rate", "--scheduler", ""], "--scheduler: expected the address of a Dask scheduler"),
])
def test_v12_v13_odd_or_empty_values_are_one_line_and_exit_2(tmp_path, args, needle):
    done = cli("sweep", "baseline", "--samples", "2", "--steps", "12", "--scale", "0.01", "--out", tmp_path / "x",
               *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and needle in done.stderr, done.stderr


# ---------------------------------------------------------------- V2, V14: the app's front end and bind

APP_JS = "@widgetti/solara-vuetify3-app@5.1.1/dist/solara-vuetify-app8.min.js"


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fake_cdn():
    """A 'CDN' on this machine that records every request the app's server makes to it."""
    import http.server
    import threading
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            body = b"console.log('fetched')"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", seen
    httpd.shutdown()


def get(url: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except OSError:             # not listening yet
        return 0, b""


def test_v2_the_front_end_is_served_read_only_never_deleted_never_fetched(tmp_path, fake_cdn):
    import shutil
    installed = Path(sys.prefix) / "share" / "solara" / "cdn"
    if not (installed / APP_JS).is_file():
        pytest.skip("solara-assets not installed")
    cache = tmp_path / "cdn"               # a copy: the test must not risk the installed assets
    (cache / APP_JS).parent.mkdir(parents=True)
    shutil.copyfile(installed / APP_JS, cache / APP_JS)
    cdn_url, seen = fake_cdn
    port = _free_port()
    env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache), "SOLARA_ASSETS_CDN": cdn_url}
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "app", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        banner = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in banner, banner
        deadline = time.monotonic() + 60
        while get(base + "/readyz")[0] != 200:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
            time.sleep(0.2)
        folder = (cache / APP_JS).parent
        assert get(f"{base}/_solara/cdn/{folder.relative_to(cache)}")[0] == 404       # a folder
        assert get(f"{base}/_solara/cdn/{folder.relative_to(cache)}/")[0] == 404
        assert folder.is_dir() and (cache / APP_JS).is_file()
        assert get(f"{base}/_solara/cdn/left-pad@1.3.0/index.js")[0] == 404          # a foreign package
        assert get(f"{base}/_solara/cdn/left-pad@1.3.0")[0] == 404
        assert get(f"{base}/_solara/cdn/../../etc/passwd")[0] == 404
        assert seen == [] and not (cache / "left-pad@1.3.0").exists()
        status, body = get(f"{base}/_solara/cdn/{APP_JS}")                           # the page still loads
        assert status == 200 and body == (cache / APP_JS).read_bytes()
        status, page = get(base + "/")
        assert status == 200 and b"solara" in page.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize(("host", "needle"), [("", "--host: expected an address to listen on"),
                                               ("10.255.255.1", "--host/--port: expected an address and port")])
def test_v14_a_bad_host_is_refused_before_any_address_is_printed(tmp_path, host, needle):
    done = cli("app", "--host", host, "--port", str(_free_port()), timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1 and needle in done.stderr, done.stderr


def test_v14_a_port_in_use_is_refused_before_any_address_is_printed():
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = cli("app", "--port", str(taken.getsockname()[1]), timeout=60)
    assert done.returncode == 2 and done.stdout == "" and "in use" in done.stderr, done.stderr


def test_v14_urls_for_every_interface_and_ipv6_are_usable():
    from model.app.server import addresses, is_loopback
    assert addresses("::1", 8765) == ["http://[::1]:8765/"]
    assert all("0.0.0.0" not in u for u in addresses("0.0.0.0", 8765)) or addresses("0.0.0.0", 8765) == [
        "http://0.0.0.0:8765/"]
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and not is_loopback("0.0.0.0")


# ---------------------------------------------------------------- V4: memory, before a sweep starts

def test_v4_the_largest_design_point_times_workers_must_fit_with_a_margin(tmp_path, monkeypatch):
    from model import scenario as scenario_module
    from model.errors import InputError
    design = make_design("lhs", factors_from(["residents_per_community=5000:50000"]), 4, 1)
    jobs = sweep_module.plan(design, [tiny("baseline")], 1, 6, 1)
    assert jobs.largest > 0 and "simulated residents" in jobs.largest_what
    # room for exactly two of the largest model, but not with a 20 % margin
    monkeypatch.setattr(scenario_module, "available_memory", lambda: int(2 * jobs.largest / 0.8) - 1)
    started = []
    def fake_run_jobs(*args, **kw):
        started.append(1)
        raise LookupError("the sweep would start here")

    monkeypatch.setattr(sweep_module, "run_jobs", fake_run_jobs)
    with pytest.raises(InputError, match="run_sweep: workers=: expected a set-up that fits in .* with 25% to spare "
                                         "\\(2 model\\(s\\) at once, the largest design point"):
        run_sweep(design, [tiny("baseline")], 1, 6, 1, workers=2, progress=False)
    assert started == []
    monkeypatch.setattr(scenario_module, "available_memory", lambda: int(2 * jobs.largest / 0.7))
    with pytest.raises(LookupError):
        run_sweep(design, [tiny("baseline")], 1, 6, 1, workers=2, progress=False)
    assert started == [1]


def test_v4_cgroup_and_address_space_limits_count(monkeypatch, tmp_path):
    import resource

    from model import scenario as scenario_module
    from model.errors import InputError
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    limit.write_text(str(3 * 2**30))
    usage.write_text(str(2**30))
    monkeypatch.setattr(scenario_module, "CGROUP_FILES", ((str(limit), str(usage)),))
    assert scenario_module.available_memory() <= 2 * 2**30
    limit.write_text("max")
    assert scenario_module.available_memory() == int(__import__("psutil").virtual_memory().available) or True
    monkeypatch.setattr(resource, "getrlimit", lambda what: (2**30, resource.RLIM_INFINITY))
    with pytest.raises(InputError, match="address-space limit of 1.0 GB"):
        scenario_module.check_memory(2**20, "x", "y", "z", per_process=int(0.9 * 2**30))


def test_v4_a_very_large_design_says_its_size_before_it_is_built(monkeypatch, capsys):
    from model.study import design as design_module
    monkeypatch.setattr(design_module, "LARGE_DESIGN", 10)
    make_design("lhs", factors_from(["need_rate"]), 12, 1)
    assert "Planning a lhs design of 12 points" in capsys.readouterr().err


def test_v4_a_design_too_big_to_plan_is_refused(monkeypatch):
    from model import scenario as scenario_module
    from model.errors import InputError
    monkeypatch.setattr(scenario_module, "available_memory", lambda: 2**20)
    with pytest.raises(InputError, match="make_design: samples=: expected a set-up that fits"):
        make_design("lhs", factors_from(None), 100_000, 1)


# ---------------------------------------------------------------- V9: status reads every folder right

def status(folder) -> tuple[int, str]:
    from model.study.store import status_report
    return status_report(Path(folder))


def test_v9_status_of_a_complete_sweep_and_of_one_with_an_edited_file(tmp_path, complete_sweep):
    import shutil
    code, text = status(complete_sweep)
    assert code == 0 and "complete: sweep, 3 runs" in text and "read runs.parquet" in text and "None" not in text
    out = tmp_path / "copy"
    shutil.copytree(complete_sweep, out)
    (out / "runs.parquet").unlink()
    code, text = status(out)
    assert code == 1 and "runs.parquet is missing" in text


def test_v9_status_of_an_interrupted_sweep_counts_its_runs(tmp_path):
    folder = tmp_path / "x"
    small_sweep(folder)
    manifest = {"status": "interrupted", "fingerprint": "fp", "command": ["run.py", "sweep"],
                "description": {"command": "sweep", "design": {"points": 10}, "replications": 1,
                                "scenarios": [{"name": "baseline"}]}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, text = status(folder)
    assert code == 1 and "interrupted, not results: 6 of 10 run(s) stored" in text


def test_v9_status_says_a_folder_is_being_written(tmp_path):
    from filelock import FileLock
    (tmp_path / "manifest.json").write_text(json.dumps({"status": "running", "replications": 2, "scenarios": [{}]}))
    with FileLock(str(tmp_path / ".lock")):
        assert "running now (another process is writing it" in status(tmp_path)[1]
    assert "no process is writing it" in status(tmp_path)[1]


@pytest.mark.parametrize("odd", [{"replications": "abc"}, {"scenarios": 5}, {"command": [1, 2]},
                                 {"description": "x"}, {"description": {"command": 3, "design": 4}}])
def test_v9_odd_manifest_fields_do_not_crash_status(tmp_path, odd):
    (tmp_path / "manifest.json").write_text(json.dumps({"status": "interrupted", **odd}))
    code, text = status(tmp_path)
    assert code == 1 and "interrupted" in text
    done = cli("status", tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr


# ---------------------------------------------------------------- V10: --overwrite removes only its own

def test_v10_overwrite_refuses_a_folder_of_someone_elses_files(tmp_path):
    out = tmp_path / "mine"
    for name in ("replications/my_thesis_data.txt", "parts/chapter1.docx", "design.csv", "report.md",
                 "summary.csv", "notes.txt"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("mine")
    done = cli("run", "baseline", "--steps", "36", "--replications", "1", "--workers", "1", "--scale", "0.005",
               "--out", out, "--overwrite")
    assert done.returncode == 2 and "--overwrite removes only what this program writes" in done.stderr, done.stderr
    assert all(p.read_text() == "mine" for p in out.rglob("*") if p.is_file() and p.name != ".lock")
    assert len([p for p in out.rglob("*") if p.is_file() and p.name != ".lock"]) == 6


def test_v10_overwrite_of_a_results_folder_keeps_other_files_in_it(tmp_path):
    store = ResultStore(tmp_path, "one").open()
    store.mark("running")
    store.write_text("report.md", "old")
    store.write_unit("replications/baseline-r0000", {"district": pd.DataFrame({"a": [1]})})
    store.close()
    (tmp_path / "replications" / "keep.txt").write_text("mine")
    (tmp_path / "notes.txt").write_text("mine")
    ResultStore(tmp_path, "two", overwrite=True).open().close()
    assert not (tmp_path / "report.md").exists() and not (tmp_path / "replications" / "baseline-r0000").exists()
    assert (tmp_path / "replications" / "keep.txt").read_text() == "mine" and (tmp_path / "notes.txt").exists()


# ---------------------------------------------------------------- V20, V21: titles, file modes

@pytest.mark.parametrize("title", ["two\\nlines", "carriage\\rreturn", "line\\u2028separator"])
def test_v20_a_title_must_be_one_line(tmp_path, title):
    from model.errors import InputError
    from model.scenario import load_scenario as load
    path = tmp_path / "t.toml"
    path.write_text(f'name = "t"\ntitle_en = "{title}"\n', encoding="utf-8")
    with pytest.raises(InputError, match="title_en: expected one line of text"):
        load(path)


def test_v21_result_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        store = ResultStore(tmp_path / "x", "fp").open()
        store.mark("running")
        store.write_text("summary.csv", "a\n")
        store.write_unit("parts/part-000001-1", {"runs": pd.DataFrame({"a": [1]})})
        store.close()
    finally:
        os.umask(old)
    modes = {p.relative_to(tmp_path / "x").as_posix(): p.stat().st_mode & 0o777 for p in (tmp_path / "x").rglob("*")
             if p.name != ".lock"}
    assert modes["summary.csv"] == modes["manifest.json"] == modes["parts/part-000001-1/runs.parquet"] == 0o644
    assert modes["parts/part-000001-1"] == 0o755


# ---------------------------------------------------------------- V11: interrupt edge cases

def test_v11_ctrl_c_while_the_model_is_imported_is_no_traceback(tmp_path):
    import psutil
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "list"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if psutil.Process(proc.pid).memory_info().rss > 40 * 2**20:    # imports under way
                break
        except psutil.Error:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err
    assert proc.returncode in (130, 0), err          # 0 only if it had already finished


# What an installer writes for a console script `name = "module:function"` (pip's template).
CONSOLE_SCRIPT = """import re
import sys
from {module} import {function}
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit({function}())
"""

# Started before the script: the first import of numpy, which every part of the model needs, says
# so on stderr and waits there for the test's Ctrl-C, so the signal lands while the model is imported.
# HOW says what the import then does with the KeyboardInterrupt: lets it through ("raise"); swallows
# it, as a library's bare `except:` around an optional import does, and goes on ("swallow"); or lets
# it through and has a second Ctrl-C arrive while "interrupted" is being printed and again once the
# interpreter, shutting down, has put back the default action for a handler written in Python ("twice").
HOLD_AT_NUMPY = """import atexit, os, signal, sys, time

HOW = {how!r}
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:     # started in the background, where the shell
    signal.signal(signal.SIGINT, signal.default_int_handler)   # ignores Ctrl-C: as from a terminal


def ctrl_c_while_shutting_down():
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)


class SecondCtrlC:
    def __init__(self, stream):
        self.stream = stream
        atexit.register(ctrl_c_while_shutting_down)

    def write(self, text):
        if text.startswith("interrupted"):
            os.kill(os.getpid(), signal.SIGINT)
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


class HoldAtNumpy:
    held = False

    def find_spec(self, name, path=None, target=None):
        if name == "numpy" and not HoldAtNumpy.held:
            HoldAtNumpy.held = True
            try:
                sys.stderr.write("importing numpy\\n")
                sys.stderr.flush()
                while True:             # short sleeps, not pause(): a Ctrl-C that lands between the
                    time.sleep(0.05)    # write and a pause() would leave it waiting for ever
            except KeyboardInterrupt:
                if HOW == "swallow":
                    return None
                if HOW == "twice":
                    sys.stderr = SecondCtrlC(sys.stderr)
                raise
        return None


sys.meta_path.insert(0, HoldAtNumpy())
"""


@pytest.mark.parametrize("how", ["raise", "swallow", "twice"])
def test_v11_ctrl_c_while_the_shequ_script_imports_the_model_is_one_line(tmp_path, how):
    import tomllib
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]["shequ"]
    module, function = spec.split(":")
    (tmp_path / "shequ").write_text(CONSOLE_SCRIPT.format(module=module, function=function), encoding="utf-8")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOLD_AT_NUMPY.format(how=how), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)])}
    proc = subprocess.Popen([sys.executable, str(tmp_path / "shequ"), "list"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()
        assert first == "importing numpy\n", first + proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert err == "interrupted\n" and proc.returncode == 130, (proc.returncode, err)
    assert out == ""        # the command did not run


CTRL_C_BEFORE_THE_RUN = """import atexit, os, signal, sys
from model.cli.console import run_main


def ctrl_c_while_shutting_down():     # as the interpreter's shutdown leaves a handler written in Python
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)


def main(argv):
    atexit.register(ctrl_c_while_shutting_down)
    raise KeyboardInterrupt           # a Ctrl-C after the imports, before the command's own handling


sys.exit(run_main(main))
"""


# The same through the shequ script's entry and the real main, whose own Ctrl-C handling returns 130.
CTRL_C_IN_A_COMMAND = """import atexit, os, signal, sys
import model.cli
from model.launcher import entry


def ctrl_c_while_shutting_down():
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)


def cmd_list():
    atexit.register(ctrl_c_while_shutting_down)
    raise KeyboardInterrupt


model.cli.cmd_list = cmd_list
sys.argv = ["shequ", "list"]
entry()
"""


@pytest.mark.parametrize("script", [CTRL_C_BEFORE_THE_RUN, CTRL_C_IN_A_COMMAND], ids=["run_main", "launcher"])
def test_v11_a_second_ctrl_c_after_the_imports_does_not_end_the_process_by_the_signal(script):
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (130, "interrupted\n")


def test_v11_a_second_signal_at_once_is_the_same_interrupt(monkeypatch):
    from model.study import runner

    class Exited(Exception):
        pass

    def fake_exit(code):
        raise Exited(code)

    monkeypatch.setattr(runner, "kill_children", lambda: None)
    monkeypatch.setattr(runner.os, "_exit", fake_exit)
    caught = []
    with runner.stop_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
        except Interrupted:
            caught.append(1)
        os.kill(os.getpid(), signal.SIGINT)      # what `timeout -s INT` sends to the group right after
        for _ in range(1000):
            pass
    assert caught == [1]



def test_v11_ctrl_c_while_the_pool_starts_is_not_lost(monkeypatch):
    """A Ctrl-C that lands while the worker pool is being started and fed (seconds on a busy
    machine; `timeout -s INT` hit it) stops the run: it was ignored, and the run went on to
    complete as if nothing had been pressed."""
    from concurrent.futures import ProcessPoolExecutor

    from model.study import runner
    submit = ProcessPoolExecutor.submit
    sent = []

    def submit_then_ctrl_c(self, fn, *args, **kwargs):
        future = submit(self, fn, *args, **kwargs)
        if not sent:
            sent.append(os.getpid())
            os.kill(os.getpid(), signal.SIGINT)
        return future

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit_then_ctrl_c)
    done = []
    with runner.stop_on_signals():
        with pytest.raises(Interrupted):
            runner.run_jobs(abs, [-1, -2, -3, -4], 2, lambda i, r: done.append(r), progress=False)
            for _ in range(1000):       # the signal is handled between bytecodes, in this thread
                pass
    assert sent and len(done) < 4


# ---------------------------------------------------------------- V15: Dask never hangs in silence

def test_v15_a_server_that_is_not_dask_is_refused_in_bounded_time(monkeypatch, fake_cdn):
    pytest.importorskip("dask.distributed")
    from model.errors import InputError
    monkeypatch.setattr(sweep_module, "CONNECT_SECONDS", 3.0)
    address = "tcp://" + fake_cdn[0].split("//")[1].rstrip("/")
    started = time.monotonic()
    with pytest.raises(InputError, match="executor_for: scheduler=: expected the address of a running Dask scheduler"):
        with sweep_module.executor_for(address):
            pass
    assert time.monotonic() - started < 15


def test_v15_a_lost_scheduler_is_told_in_one_line_with_what_to_do(monkeypatch, capsys):
    """The scheduler killed mid-sweep: Dask cancels the futures. The user reads one line that says
    what happened and how to finish, not 'this is a bug', and no traceback."""
    from concurrent.futures import CancelledError

    from model.cli.console import run_main
    from model.errors import RunStopped

    class Gone:
        status = "closed"

        def get_executor(self):
            return None

        def nthreads(self):
            return {}

        def close(self):
            pass

    monkeypatch.setattr(sweep_module, "_connect", lambda client_type, scheduler: Gone())
    with pytest.raises(RunStopped, match="went away during the run.*run the same command again"):
        with sweep_module.executor_for("tcp://127.0.0.1:8786"):
            raise CancelledError()

    def main(argv):
        with sweep_module.executor_for("tcp://127.0.0.1:8786"):
            raise CancelledError()

    assert run_main(main, ["sweep"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "went away" in err[0] and "bug" not in err[0] and "Traceback" not in err[0]


def test_v15_a_scheduler_without_workers_is_reported(monkeypatch, capsys):
    import threading
    monkeypatch.setattr(sweep_module, "WATCH_SECONDS", 0.01)
    monkeypatch.setattr(sweep_module, "NO_WORKERS_SECONDS", 0.05)

    class NoWorkers:
        def nthreads(self):
            return {}

    stop = threading.Event()
    sweep_module._watch_workers(NoWorkers(), stop)       # returns once it has warned
    assert "the Dask scheduler has had no workers for 0.05 s" in capsys.readouterr().err


# ---------------------------------------------------------------- V16: handouts of two participants

def test_v16_participants_with_other_levers_never_share_a_handout_file(tmp_path):
    from model.app import handout
    from model.app.state import Session
    a, b = Session("burden_reduction"), Session("burden_reduction")
    b.set_lever("burden_reduction", ledgers=3)
    b.reset()
    path_a, path_b = handout.save(a, "en", tmp_path), handout.save(b, "en", tmp_path)
    assert path_a != path_b and path_a.is_file() and path_b.is_file()
    assert handout.save(Session("burden_reduction"), "en", tmp_path) == path_a     # same settings, same file
    assert not list(tmp_path.glob(".*"))


# ---------------------------------------------------------------- V17: no spurious "informs"

@pytest.mark.parametrize(("n", "informs"), [(3, False), (4, False), (12, True)])
def test_v17_a_rank_test_on_few_points_reports_nothing(n, informs):
    import numpy as np

    from model.research.fitting import identification_table
    from model.study.design import Factor
    x = np.linspace(0.01, 0.02, n)
    points = pd.DataFrame({"need_rate": x})
    values = pd.DataFrame({"p": x ** 2})                 # perfectly monotone
    passed = pd.DataFrame({"p": np.ones(n, dtype=bool)})
    table = identification_table(points, values, passed, [Factor("need_rate", 0.008, 0.03)], ["p"])
    assert bool(table["informs"].iloc[0]) is informs


# ---------------------------------------------------------------- V18: a posterior from a finished fit only

@pytest.mark.parametrize("status", ["interrupted", "running", "failed"])
def test_v18_a_posterior_is_not_read_from_an_unfinished_calibration(tmp_path, status):
    from model.errors import InputError
    from model.study.uncertainty import posterior_path
    (tmp_path / "accepted.csv").write_text("need_rate\n0.01\n")
    (tmp_path / "manifest.json").write_text(json.dumps({"status": status}))
    for given in (tmp_path, tmp_path / "accepted.csv"):
        with pytest.raises(InputError, match="status: expected a complete study"):
            posterior_path(given)
    (tmp_path / "manifest.json").write_text(json.dumps({"status": "complete"}))
    assert posterior_path(tmp_path) == tmp_path / "accepted.csv"


def test_v5_mesa_batch_run_on_two_processes_reports_bad_input_instead_of_hanging(tmp_path):
    script = ("import mesa\nfrom model import GovernanceModel\nfrom model.errors import InputError\n"
              "try:\n    mesa.batch_run(GovernanceModel, parameters={'scenario': 'baseline', 'n_streets': 1, "
              "'communities_per_street': 2, 'scale': 0.005, 'need_rate': [0.01, 5.0]}, iterations=1, "
              "max_steps=2, number_processes=2, display_progress=False)\n"
              "except InputError as exc:\n    print('InputError:', exc)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "InputError:" in done.stdout and "need_rate: expected" in done.stdout, done.stdout + done.stderr


def test_v12_a_posterior_column_community_sizes_is_one_line(tmp_path, command):
    post = tmp_path / "accepted.csv"
    post.write_text("community_sizes\n1\n2\n")
    code, stderr = command("run", "baseline", "--steps", "36", "--replications", "2", "--workers", "1",
                           "--scale", "0.005", "--parameter-uncertainty", "posterior", "--posterior", post,
                           "--out", tmp_path / "x")
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr


# ---------------------------------------------------------------- the review's harness, re-run

@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_discover_with_integer_parameters_in_the_design():
    """The default discover design holds integer parameters (max_wait_months, ...): PRIM's pasting
    put a limit such as 4.5 into their int64 columns, and pandas refused it (the folder failed)."""
    import numpy as np

    from model.research.discovery import discover
    from model.research.sweep import SweepResult
    design = make_design("lhs", factors_from(["max_wait_months", "escalation_limit_months", "need_rate"]), 16, 1)
    runs = pd.DataFrame([design.values(i) for i in range(len(design.points))])
    assert runs["max_wait_months"].dtype == "int64"
    runs = runs.assign(scenario="baseline", status="ok", run_id=range(len(runs)),
                       admin_share=np.random.default_rng(1).random(len(runs)))
    found = discover(SweepResult(runs, pd.DataFrame(), design), "admin_share", 0.5, "above")
    assert found.misses == int((runs["admin_share"] > 0.5).sum()) and found.chosen is not None
