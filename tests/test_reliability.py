"""Never a wrong or lost result: atomic, locked, resumable results folders, clean interrupts with
no orphaned processes, one validation path for files and Python, honest intervals."""

from __future__ import annotations

import errno
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from model import GovernanceModel, InputError, Reform, Scenario, load_scenario
from model import cli as cli_module
from model import scenario as scenario_module
from model.report.document import write_report
from model.study.experiment import confidence_interval, metric_bounds, run_study, summarise
from model.study.runner import StudyFailed, run_jobs
from model.study.store import ResultStore, require_complete

ROOT = Path(__file__).resolve().parent.parent
TINY = {"n_streets": 1, "communities_per_street": 2, "scale": 0.005}
FAST = ["--steps", "4", "--replications", "2", "--workers", "1", "--scale", "0.005"]
OUTPUTS = ("timeseries.csv", "communities.csv", "summary.csv", "timeseries.png", "final_comparison.png",
           "report.md")


def cli(*args, cwd=ROOT, **kw):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, **kw)


def one_line(stderr: str) -> str:
    """The one line that is not progress (the runs' bar, a stage "Writing the tables ...")."""
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("runs") and not line.endswith("...")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def tiny_toml(folder: Path, name: str, extra: str = "") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f"name = '{name}'\n[parameters]\nn_streets = 1\ncommunities_per_street = 2\n{extra}",
                    encoding="utf-8")
    return path


# ---------------------------------------------------------------- one validation path (API = CLI)

@pytest.mark.parametrize(("toml", "build", "expected"), [
    ("kind = 'bogus'\nstart_month = 1", lambda: Reform("bogus", 1), "one of burden_reduction"),
    ("kind = 'burden_reduction'\nstart_month = 1\nledgers = -100",
     lambda: Reform("burden_reduction", 1, {"ledgers": -100}), "an integer in [0, 200]"),
    ("kind = 'function_transfer'\nstart_month = 1\ntransfer_share = nan",
     lambda: Reform("function_transfer", 1, {"transfer_share": math.nan}), "a number in [0, 1]"),
    ("kind = 'burden_reduction'\nstart_month = -5", lambda: Reform("burden_reduction", -5),
     "an integer month in [0, 1200]"),
])
def test_python_reforms_fail_exactly_as_scenario_files_do(tmp_path, toml, build, expected):
    path = tiny_toml(tmp_path, "bad", "[[reforms]]\n" + toml + "\n")
    with pytest.raises(InputError) as from_file:
        load_scenario(path)
    with pytest.raises(InputError) as from_python:
        build()
    assert expected in from_file.value.expected
    assert from_python.value.expected == from_file.value.expected
    assert "\n" not in str(from_python.value)


def test_python_scenarios_are_sorted_checked_and_take_numpy_numbers():
    s = Scenario("x", parameters={"n_streets": np.int64(1), "communities_per_street": 2, "scale": np.float64(0.005)},
                 reforms=[Reform("deliberation", 3), Reform("burden_reduction", np.int64(1))])
    assert [r.start_month for r in s.reforms] == [1, 3]
    assert s.reforms[0].params["ledgers"] == 6          # missing reform parameters take their defaults
    model = GovernanceModel(s, rng=1).run(4)
    assert list(dict.fromkeys((c.month, c.kind) for c in model.values.changes)) == [
        (1, "burden_reduction"), (3, "deliberation")]
    with pytest.raises(InputError,
                       match=r"reforms\[1\]: expected at most one burden_reduction reform in month 2 in a community"):
        Scenario("x", reforms=[Reform("burden_reduction", 2), Reform("burden_reduction", 2, {"ledgers": 150})])
    with pytest.raises(InputError, match="name: expected lower-case"):
        Scenario("Not A Name")


def test_run_study_refuses_bad_arguments_in_one_line():
    base = Scenario("x", parameters=dict(TINY))
    cases = [
        ({"scenarios": [base], "replications": 0}, "replications: expected an integer >= 1"),
        ({"scenarios": [base], "steps": 0}, "steps: expected an integer >= 1"),
        ({"scenarios": []}, "scenarios: expected a non-empty list"),
        ({"scenarios": [Scenario("y", parameters=dict(TINY), reforms=[Reform("deliberation", 30)])], "steps": 6},
         "start_month: expected a month within the run (0 to 5 for 6 steps), got 30"),
    ]
    for kwargs, needle in cases:
        kwargs = {"replications": 1, "steps": 2, "workers": 1, "progress": False, **kwargs}
        with pytest.raises(InputError) as err:
            run_study(**kwargs)
        assert needle in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(InputError, match="summarise: timeseries"):
        summarise(pd.DataFrame())


def test_duplicate_scenario_names_are_refused_naming_both_files(tmp_path):
    a = load_scenario(tiny_toml(tmp_path, "a"))
    b_path = tmp_path / "b.toml"
    b_path.write_text("name = 'a'\n[parameters]\nneed_rate = 0.05\n", encoding="utf-8")
    b = load_scenario(b_path)
    with pytest.raises(InputError) as err:
        run_study([a, b], replications=1, steps=2, workers=1, progress=False)
    assert "b.toml: name:" in str(err.value) and "a.toml is also named 'a'" in str(err.value)
    r = cli("run", tmp_path / "a.toml", b_path, *FAST, "--out", tmp_path / "out")
    assert r.returncode == 2 and "a.toml is also named 'a'" in one_line(r.stderr)


def test_a_set_up_too_big_for_memory_is_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(scenario_module, "available_memory", lambda: 2**30)
    with pytest.raises(InputError, match=r"fits in the 1\.0 GB of available memory .*6,000,000 simulated residents"):
        GovernanceModel(overrides={"n_streets": 20, "communities_per_street": 30, "residents_per_community": 10000,
                                   "scale": 1.0})
    big = Scenario("big", parameters={"n_streets": 20, "communities_per_street": 30, "scale": 0.5})
    with pytest.raises(InputError, match="run_study: parameters: .*3,000,000 simulated residents needs about"):
        run_study([big], replications=1, steps=1, workers=1, progress=False)
    small = Scenario("small", parameters=dict(TINY))
    with pytest.raises(InputError, match="run_study: workers, replications and steps: expected a set-up that fits"):
        run_study([small], replications=1000, steps=1200, workers=8, progress=False)


@pytest.mark.parametrize(("text", "needle"), [
    ("x = " + "[" * 2000 + "]" * 2000 + "\n", "TOML: expected arrays or tables nested less deeply"),
])
def test_deep_nesting_is_one_line(tmp_path, text, needle):
    path = tmp_path / "deep.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=needle):
        load_scenario(path)


def test_byte_order_mark_is_accepted_and_file_names_are_blamed_correctly(tmp_path):
    bom = tmp_path / "bom.toml"
    bom.write_bytes("\ufeffname = 'bom'\n".encode())
    assert load_scenario(bom).name == "bom"
    upper = tmp_path / "NoName_Upper.toml"
    upper.write_text("title_en = 'x'\n", encoding="utf-8")
    with pytest.raises(InputError, match="name: expected a name = .* since the file name is not a valid"):
        load_scenario(upper)


# ---------------------------------------------------------------- honest intervals and report

def test_intervals_stay_in_range_and_one_replication_gives_none():
    mean, low, high = confidence_interval([0.3])
    assert mean == 0.3 and math.isnan(low) and math.isnan(high)
    _, low, high = confidence_interval([0.02, 0.97], bounds=metric_bounds("requests_resolved_share"))
    assert 0 <= low < 0.02 and 0.97 < high <= 1
    _, low, high = confidence_interval([100.0, 20000.0], bounds=metric_bounds("cost_per_resolved"))
    assert 0 < low < 100 and high > 20000
    assert metric_bounds("service_equity_gap") == (-1.0, 1.0)
    _, low, high = confidence_interval([0.30, 0.31, 0.29])   # unbounded: the plain t-interval
    assert low == pytest.approx(0.30 - 4.303 * 0.01 / math.sqrt(3), rel=1e-3)


def test_a_net_count_that_can_be_negative_gets_an_interval_around_its_mean():
    """Displacement is net: where a function move relieved a department it is negative (the
    seed_timeline study's mean is about -0.42). Bounded below by 0 like other counts, its interval
    was [0, inf] around a negative mean, with an overflow warning; it must hold the mean."""
    values = [-0.46, -0.40, -0.44, -0.42, -0.39]
    mean, low, high = confidence_interval(values, bounds=metric_bounds("displaced_tasks_per_worker"))
    assert low < mean < high < 0
    assert metric_bounds("offloaded_tasks_per_worker") == (0.0, math.inf)    # other counts stay bounded


def test_report_escapes_texts_and_says_why_there_is_no_interval(tmp_path):
    s = Scenario("inject", parameters=dict(TINY), title_en="Fine\n## Injected heading\n<script>x</script>",
                 about={"notice_en": "line\n# also injected"})
    result = run_study([s], replications=1, steps=2, workers=1, progress=False)
    summary = result.summary()
    assert summary["ci_low"].isna().all()
    text = write_report(tmp_path, [s], summary, steps=2, replications=1, master_seed=1, scale=0.005).read_text()
    assert not any(line.startswith(("## Injected", "# also")) for line in text.splitlines())
    assert "<script>" not in text
    assert "with 1 replication none can be estimated" in text


def test_errors_inside_workers_are_one_line():
    for workers in (1, 2):
        with pytest.raises(StudyFailed) as err:
            run_jobs(math.sqrt, [4.0, -1.0], workers, lambda i, r: None, label=lambda j: f"job {j}", progress=False)
        assert str(err.value) == "job -1.0: ValueError: math domain error"


MODELS_BUILT: list = []     # weak references to the models built in this process (in a pool worker, that worker's)


def models_still_in_memory(seed: int) -> int:
    """Run a small model; return how many models built before it in this process are still in memory."""
    import weakref

    from model import GovernanceModel
    alive = sum(ref() is not None for ref in MODELS_BUILT)
    model = GovernanceModel("baseline", rng=seed, overrides={**TINY, "resident_agents": False}).run(2)
    MODELS_BUILT.append(weakref.ref(model))
    return alive


def test_a_pool_worker_frees_each_finished_model_before_the_next():
    """A model's objects refer to each other, so only Python's full collection frees them; without
    one after each run, a worker kept every finished model's arrays until the collector's own
    thresholds came round (about 70 runs at the default scale)."""
    alive = []
    run_jobs(models_still_in_memory, list(range(8)), 2, lambda i, r: alive.append(r), progress=False)
    assert len(alive) == 8 and max(alive) == 0, alive


# ---------------------------------------------------------------- results folders

def run_main(args, capsys) -> tuple[int, str]:
    code = cli_module.main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_full_disk_leaves_no_cut_file_and_marks_the_folder(tmp_path, monkeypatch, capsys):
    scen = tiny_toml(tmp_path, "a")
    real = pd.DataFrame.to_csv

    def full(self, path=None, *a, **kw):
        if path is not None and "communities.csv" in str(path):
            with open(path, "w") as f:
                f.write("scenario,replication,seed,st")       # half a row, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, *a, **kw)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "out"
    code, err = run_main(["run", scen, *FAST, "--out", out], capsys)
    line = one_line(err.split("\n", 1)[1] if err.startswith("Running") else err)
    assert code == 1
    assert "communities.csv: could not be written (No space left on device)" in line
    assert "the folder is marked interrupted" in line
    assert not (out / "communities.csv").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp.csv")]
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    with pytest.raises(InputError, match="status: expected a complete study"):
        require_complete(out)
    assert run_main(["status", out], capsys)[0] == 1
    monkeypatch.setattr(pd.DataFrame, "to_csv", real)              # space freed: resume
    (out / "replications" / "zzz-r0000").mkdir()                    # not this study's: not counted as reused
    code, err = run_main(["run", scen, *FAST, "--out", out], capsys)
    assert code == 0 and "2 stored replication(s) reused" in err, err
    assert require_complete(out)["status"] == "complete"


@pytest.mark.slow  # one of the costliest tests (about 8 s or more alone): CI runs it, `make test` does not
def test_other_studies_and_foreign_folders_are_refused_unless_overwrite(tmp_path, capsys):
    a, b = tiny_toml(tmp_path, "a"), tiny_toml(tmp_path, "b", "need_rate = 0.05\n")
    out = tmp_path / "out"
    assert run_main(["run", a, *FAST, "--out", out], capsys)[0] == 0
    code, err = run_main(["run", b, *FAST, "--out", out], capsys)
    assert code == 2 and "holds a different study (give --overwrite" in one_line(err)
    code, err = run_main(["run", b, *FAST, "--out", out, "--overwrite"], capsys)
    assert code == 0 and require_complete(out)["study"] == "b"
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("mine")
    code, err = run_main(["run", a, *FAST, "--out", foreign], capsys)
    assert code == 2 and "is not an empty folder or a results folder" in one_line(err)
    code, err = run_main(["run", a, *FAST, "--out", ""], capsys)
    assert code == 2 and "--out: expected a folder path" in one_line(err)
    assert (foreign / "thesis.txt").read_text() == "mine"


def test_default_folders_differ_by_option(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = tiny_toml(tmp_path, "a")
    assert run_main(["run", a, *FAST, "--seed", "1"], capsys)[0] == 0
    assert run_main(["run", a, *FAST, "--seed", "2"], capsys)[0] == 0
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert folders == ["a_steps-4_reps-2_seed-1_scale-0.005", "a_steps-4_reps-2_seed-2_scale-0.005"]


def test_a_second_writer_is_locked_out(tmp_path):
    a = tiny_toml(tmp_path, "a")
    out = tmp_path / "out"
    holder = ResultStore(out, "some-study").open()           # another process's run, as far as the CLI knows
    try:
        r = cli("run", a, *FAST, "--out", out)
        assert r.returncode == 2 and "no other run is writing (it is locked" in one_line(r.stderr)
        with pytest.raises(InputError, match="locked"):
            ResultStore(out, "some-study").open()
    finally:
        holder.close()
    assert not (out / "timeseries.csv").exists()


# ---------------------------------------------------------------- signals and kills

def start(args, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def wait_for(condition, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def gone(procs: list[psutil.Process]) -> bool:
    return not [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


SLOW = ["run", "baseline", "--steps", "120", "--replications", "8", "--scale", "0.2", "--workers", "2"]


@pytest.mark.parametrize(("signals", "code"), [((signal.SIGINT,), 130), ((signal.SIGTERM,), 143),
                                               ((signal.SIGINT, signal.SIGINT), 130)])
@pytest.mark.slow
def test_parallel_run_stops_on_signals_with_no_process_left(tmp_path, signals, code):
    out = tmp_path / "out"
    proc = start([*SLOW, "--out", out], tmp_path)
    try:
        wait_for(lambda: len(descendants(proc.pid)) >= 3)         # forkserver and two workers are up
        procs = descendants(proc.pid)
        started = time.monotonic()
        for sig in signals:
            os.killpg(proc.pid, sig)                              # like Ctrl-C in a terminal: the whole group
            time.sleep(0.1)
        _, stderr = proc.communicate(timeout=10)
        assert time.monotonic() - started < 10
        assert proc.returncode == code, stderr
        assert "Traceback" not in stderr
        wait_for(lambda: gone(procs), timeout=5)
        if len(signals) == 1:
            assert "run the same command to resume" in stderr
            assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
        assert not (out / "timeseries.csv").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_a_killed_study_resumes_to_identical_files(tmp_path):
    a = tiny_toml(tmp_path, "a")
    args = ["run", a, "--steps", "4", "--replications", "3", "--workers", "1", "--scale", "0.005"]
    proc = start([*args, "--out", tmp_path / "killed"], tmp_path)
    try:
        wait_for(lambda: len(list((tmp_path / "killed" / "replications").glob("a-r*"))) >= 1)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert json.loads((tmp_path / "killed" / "manifest.json").read_text())["status"] == "running"
    resumed = cli(*args, "--out", tmp_path / "killed", cwd=tmp_path)
    assert resumed.returncode == 0 and "stored replication(s) reused" in resumed.stderr, resumed.stderr
    whole = cli(*args, "--out", tmp_path / "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    for name in OUTPUTS:
        assert (tmp_path / "killed" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
