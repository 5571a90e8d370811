"""Sweeps: a design over parameters x strategies (scenarios) x replications, streamed to Parquet.

Run ``(point, scenario, replication)`` uses the design's parameter values as overrides on the
scenario and seed ``replication_seeds(master_seed, R)[replication]``, the same seed for every
point and strategy (common random numbers, so differences between points and strategies are
not seed noise). A run that raises is recorded with ``status = "failed"`` and its error, and the
sweep goes on.

Fault handling is the study's (model.study.runner, model.study.store): finished runs are written in small
parts under ``parts/`` as they come in. A part is one unit (``ResultStore.write_unit``): a folder
holding the runs' rows and their time series, with each file's checksum and row count, that
appears whole or not at all. The same command into the same folder resumes: a run is taken from
a part only if the part checks and holds the run's whole time series; a damaged part is removed
with a one-line notice and its runs are run again. The final ``runs.parquet`` and
``timeseries.parquet`` are written (atomically) from the parts, then the manifest is marked
complete.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, RunStopped
from ..governance import GovernanceModel
from ..metrics import METRIC_NAMES
from ..scenario import (
    Scenario,
    check_memory,
    check_run_length,
    check_unique_names,
    check_values_used,
    memory_needed,
    simulated_residents,
    used_values,
    validate_parameters,
)
from ..study.design import Design
from ..study.experiment import NO_VIEWS
from ..study.runner import run_jobs
from ..study.seeds import DEFAULT_SEED, replication_seeds
from ..study.store import PARTS, Damaged, ResultStore, notice, require_complete

RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
FLUSH_RUNS = 50            # at most this many runs are buffered before a part is written,
FLUSH_SHARE = 20           # ... or a twentieth of the sweep if that is fewer (small sweeps save often),
FLUSH_SECONDS = 10.0       # ... or this many seconds, whichever comes first
ID_COLUMNS = ["run_id", "point", "scenario", "replication", "seed"]
CONNECT_SECONDS = 20.0     # wall-clock time to reach a Dask scheduler
WATCH_SECONDS = 5.0        # how often the scheduler's workers are counted during a sweep
NO_WORKERS_SECONDS = 30.0  # with no workers this long, the sweep says so


@dataclass(frozen=True)
class Job:
    run_id: int
    point: int
    scenario: Scenario
    replication: int
    seed: int
    steps: int
    values: dict[str, Any]


def _label(job: Job) -> str:
    return f"run {job.run_id} (point {job.point}, scenario {job.scenario.name}, replication {job.replication})"


def run_one(job: Job) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """One run: its row for runs.parquet and its district time series (None if it failed).
    Never raises for a model error: the error goes into the row."""
    row: dict[str, Any] = {"run_id": job.run_id, "point": job.point, "scenario": job.scenario.name,
                           "replication": job.replication, "seed": job.seed, **job.values}
    started = time.perf_counter()
    try:
        # no Mesa view agent per resident: a sweep reads the metrics only, which are the same without
        values = used_values(job.scenario, job.values)
        model = GovernanceModel(job.scenario, rng=job.seed, overrides={**values, **NO_VIEWS}).run(job.steps)
        frame = model.district_frame()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - any model error is recorded, and the sweep goes on
        text = str(exc).strip().splitlines()
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        place = f" ({Path(where.filename).name}:{where.lineno})" if where else ""
        row.update(status="failed", error=f"{type(exc).__name__}: {text[0] if text else 'no message'}{place}",
                   wall_s=time.perf_counter() - started)
        return row, None
    final = frame.iloc[-1]
    row.update({m: float(final[m]) for m in METRIC_NAMES})
    row.update(status="ok", error="", wall_s=time.perf_counter() - started)
    frame.insert(0, "run_id", job.run_id)
    return row, frame


def plan(design: Design, scenarios: list[Scenario], replications: int, steps: int, master_seed: int,
         source: str = "plan") -> list[Job]:
    """Every run of the sweep, in a fixed order (point, scenario, replication), each checked
    before anything runs: a design value outside a parameter's valid range is bad input."""
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise InputError(source, "replications=", "an integer >= 1", replications)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InputError(source, "steps=", "an integer >= 1", steps)
    if not scenarios:
        raise InputError(source, "scenarios=", "at least one scenario")
    check_unique_names(scenarios)
    check_run_length(scenarios, steps)
    check_values_used(scenarios, [f.name for f in design.factors], source, "design=")
    seeds = replication_seeds(master_seed, replications)
    jobs = Plan()
    for i in range(len(design.points)):
        values = design.values(i)
        base = {k: v for k, v in values.items() if "." not in k}
        for s in scenarios:
            params = validate_parameters({**s.parameters, **base}, source=f"{source} (design point {i})", prefix="")
            needed = memory_needed({**params, **NO_VIEWS})
            if needed > jobs.largest:
                jobs.largest = needed
                jobs.largest_what = (f"design point {i} on scenario {s.name}: {simulated_residents(params):,} "
                                     "simulated residents")
            for r in range(replications):
                jobs.append(Job(len(jobs), i, s, r, seeds[r], steps, values))
    return jobs


class Plan(list):
    """The jobs of a sweep, and the memory its largest model needs (bytes, and which it is)."""

    largest: int = 0
    largest_what: str = ""


def check_sweep_memory(jobs: Plan, workers: int, source: str = "run_sweep") -> None:
    """Before a sweep starts: its largest model, once per worker running at the same time, must
    fit in available memory with a margin (and each under the address-space limit)."""
    copies = max(1, min(workers, len(jobs)))
    check_memory(copies * jobs.largest, source, "workers=" if copies > 1 else "design=",
                 f"{copies} model(s) at once, the largest {jobs.largest_what}", per_process=jobs.largest)


@dataclass
class SweepResult:
    """runs: one row per run (ids, seed, the varied values, final-month outcomes, status,
    error); timeseries: the district metrics of every successful run, long
    (run_id, step, metric, value)."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    design: Design

    def __iter__(self):
        """``runs, timeseries = load_sweep(folder)`` as before."""
        return iter((self.runs, self.timeseries))

    def wide(self) -> pd.DataFrame:
        """The time series as one column per metric, with the run's ids (for plots and checks)."""
        wide = self.timeseries.pivot_table(index=["run_id", "step"], columns="metric", values="value",
                                           sort=True).reset_index()
        wide.columns.name = None
        return self.runs[ID_COLUMNS].merge(wide, on="run_id")


def to_long(frame: pd.DataFrame) -> pd.DataFrame:
    """A district frame (run_id, step, one column per metric) as (run_id, step, metric, value)."""
    metrics = [m for m in METRIC_NAMES if m in frame.columns]
    return frame.melt(id_vars=["run_id", "step"], value_vars=metrics, var_name="metric", value_name="value")


class _PartWriter:
    """Buffers finished runs and writes them as parts (units) through the store."""

    def __init__(self, store: ResultStore | None, runs: int):
        self.store = store
        self.every = max(1, min(FLUSH_RUNS, runs // FLUSH_SHARE))
        self.pending: list[tuple[dict, pd.DataFrame | None]] = []
        self.done: list[tuple[dict, pd.DataFrame | None]] = []
        self.last = time.monotonic()
        self.count = _existing_parts(store.folder) if store is not None else 0

    def add(self, row: dict, frame: pd.DataFrame | None) -> None:
        # the long frame is built first and the pair appended in one step: an interrupt never
        # leaves a run's row buffered without its time series
        entry = (row, to_long(frame) if frame is not None else None)
        self.pending.append(entry)
        if len(self.pending) >= self.every or time.monotonic() - self.last > FLUSH_SECONDS:
            self.flush()

    @property
    def rows(self) -> list[dict]:
        return [row for row, _ in self.done + self.pending]

    @property
    def frames(self) -> list[pd.DataFrame]:
        return [long for _, long in self.done + self.pending if long is not None]

    def flush(self) -> None:
        self.last = time.monotonic()
        pending = self.pending
        if self.store is None or not pending:
            self.done, self.pending = self.done + pending, []
            return
        self.count += 1
        name = f"{self.count:06d}-{os.getpid()}"
        frames = [long for _, long in pending if long is not None]
        ts = pd.concat(frames, ignore_index=True) if frames else _empty_long()
        runs = pd.DataFrame([row for row, _ in pending])
        series = {str(row["run_id"]): len(long) for row, long in pending if long is not None}
        self.store.write_unit(f"{PARTS}/part-{name}", {"runs": runs, "timeseries": ts}, series_rows=series)
        self.done, self.pending = self.done + pending, []


def _empty_long() -> pd.DataFrame:
    return pd.DataFrame({"run_id": pd.Series(dtype="int64"), "step": pd.Series(dtype="int64"),
                         "metric": pd.Series(dtype="object"), "value": pd.Series(dtype="float64")})


def _existing_parts(folder: Path) -> int:
    """The highest part number in the folder: new parts are numbered after it, never over one."""
    parts = folder / PARTS
    numbers = [int(p.name.split("-")[1]) for p in parts.glob("part-*-*") if p.name.split("-")[1].isdigit()] \
        if parts.is_dir() else []
    return max(numbers, default=0)


def read_parts(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs and time series stored by earlier, unfinished runs of a sweep, each run once.

    Every part is checked (checksums, row counts); a damaged one is removed with a one-line
    notice. An ok run counts as done only with its whole time series (``series_rows`` rows),
    so whatever was lost is run again, never skipped."""
    parts = folder / PARTS
    if parts.is_dir():
        for p in parts.glob(".*.tmp*"):          # a unit a killed run did not finish
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    units = sorted(p for p in parts.glob("part-*") if p.is_dir()) if parts.is_dir() else []
    runs_list, ts_list = [], []
    for unit in units:
        try:
            tables, meta = ResultStore.read_unit(unit)
            runs, ts = tables.get("runs"), tables.get("timeseries")
            if runs is None or ts is None or "run_id" not in runs.columns or "status" not in runs.columns:
                raise Damaged("not a part of a sweep")
            counts, expected = ts["run_id"].value_counts(), meta.get("series_rows")
            if not isinstance(expected, dict):
                raise Damaged("no row count of each run's time series")
            have = runs["run_id"].map(counts).fillna(0).astype(int)
            whole = runs["status"].ne("ok") | (have == runs["run_id"].astype(str).map(expected).fillna(-1))
        except (Damaged, KeyError, TypeError) as exc:
            notice(f"{unit.relative_to(folder)} is damaged ({exc}); its runs are run again")
            shutil.rmtree(unit, ignore_errors=True)
            continue
        if not whole.all():
            notice(f"{unit.relative_to(folder)}: {int((~whole).sum())} run(s) without their whole time series; "
                   "they are run again")
        runs = runs[whole]
        runs_list.append(runs)
        ts_list.append(ts[ts["run_id"].isin(runs["run_id"])])
    if not runs_list:
        return pd.DataFrame(), _empty_long()
    runs = pd.concat(runs_list, ignore_index=True).drop_duplicates("run_id", keep="last")
    ts = pd.concat(ts_list or [_empty_long()], ignore_index=True)
    ts = ts.drop_duplicates(["run_id", "step", "metric"], keep="last")
    return runs, ts


def check_scheduler(address: str) -> str:
    """A scheduler address that is not empty: an unset variable in a cluster script must not
    mean "run locally" without a word."""
    if not isinstance(address, str) or not address.strip():
        raise InputError("executor_for", "scheduler=", "the address of a Dask scheduler (tcp://HOST:PORT); "
                         "leave the option out to run on local processes", address)
    return address


@contextmanager
def executor_for(scheduler: str | None):
    """A Dask distributed executor for ``tcp://HOST:PORT`` (or a dask ``Client``/``LocalCluster``
    address), else None (the local process pool of model.study.runner)."""
    if scheduler is None:
        yield None
        return
    check_scheduler(scheduler)
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("executor_for", "scheduler=", "Dask distributed installed "
                         "(pip install 'shequ[analysis]')", scheduler) from None
    client = _connect(Client, scheduler)
    stop = threading.Event()
    threading.Thread(target=_watch_workers, args=(client, stop), name="dask-workers-watch", daemon=True).start()
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)   # a lost scheduler is told below in one line, not by Dask's tracebacks
    try:
        yield client.get_executor()
    except Exception as exc:
        if isinstance(exc, InputError) or not _scheduler_lost(client, exc):
            raise
        raise RunStopped(f"the Dask scheduler {scheduler} went away during the run; the runs finished so far "
                         "are kept: run the same command again to finish (against a running scheduler, or "
                         "without --scheduler on this machine)") from None
    finally:
        stop.set()
        client.close()
        quiet.setLevel(level)


def _scheduler_lost(client, exc: BaseException) -> bool:
    """Whether ``exc`` comes from losing the scheduler: the client no longer runs, or Dask
    cancelled the work (what its futures raise when the scheduler goes). A disk error while
    the client still runs is not this."""
    from concurrent.futures import CancelledError

    cancelled = isinstance(exc, (CancelledError, asyncio.CancelledError))
    return cancelled or getattr(client, "status", "running") not in ("running", "connecting")


def _connect(client_type, scheduler: str):
    """A Dask client, or a one-line InputError within CONNECT_SECONDS of wall-clock time (the
    client's own timeout covers only the TCP connect: a server that is not Dask hangs it)."""
    result: dict[str, Any] = {}

    def connect() -> None:
        try:
            result["client"] = client_type(scheduler, timeout="10s")
        except Exception as exc:  # noqa: BLE001 - reported below in one line
            result["error"] = exc

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_SECONDS)
    if "client" in result:
        return result["client"]
    reason = (f"no Dask answer within {CONNECT_SECONDS:g} s" if thread.is_alive()
              else str(result.get("error")).strip().splitlines()[0] if str(result.get("error")).strip() else
              type(result.get("error")).__name__)
    raise InputError("executor_for", "scheduler=", f"the address of a running Dask scheduler ({reason})",
                     scheduler)


def _watch_workers(client, stop: threading.Event) -> None:
    """Say so (once) when the scheduler has had no workers for NO_WORKERS_SECONDS: the sweep
    would otherwise wait in silence."""
    since = None
    while not stop.wait(WATCH_SECONDS):
        try:
            workers = len(client.nthreads())
        except Exception:  # noqa: BLE001 - the client is closing or the scheduler is gone
            return
        if workers:
            since = None
            continue
        since = since or time.monotonic()
        if time.monotonic() - since >= NO_WORKERS_SECONDS:
            print(f"\nwarning: the Dask scheduler has had no workers for {NO_WORKERS_SECONDS:g} s; the sweep waits "
                  "for some (Ctrl-C stops it, and the same command without --scheduler finishes it on this "
                  "machine)", file=sys.stderr, flush=True)
            return


def run_sweep(design: Design, scenarios: list[Scenario], replications: int = 1, steps: int = 120,
              master_seed: int = DEFAULT_SEED, workers: int | None = None, *, store: ResultStore | None = None,
              executor: Executor | None = None, progress: bool = True,
              on_part: Callable[[int], None] | None = None) -> SweepResult:
    """Run every point x scenario x replication; the same tables serial, on a pool or on Dask.

    With a ``store`` (opened by the caller, who also holds runner.stop_on_signals), finished
    runs are streamed into its parts and runs already there are reused."""
    jobs = plan(design, scenarios, replications, steps, master_seed)
    done_runs, done_ts = read_parts(store.folder) if store is not None else (pd.DataFrame(), _empty_long())
    done = set(done_runs["run_id"]) if not done_runs.empty else set()
    todo = [j for j in jobs if j.run_id not in done]
    writer = _PartWriter(store, len(todo))
    workers = max(1, workers if workers and workers > 0 else os.cpu_count() or 1)
    if executor is None and todo:           # on Dask the workers' machines check for themselves
        todo_plan = Plan(todo)
        todo_plan.largest, todo_plan.largest_what = jobs.largest, jobs.largest_what
        check_sweep_memory(todo_plan, workers)
    try:
        run_jobs(run_one, todo, workers, lambda i, result: writer.add(*result), label=_label,
                 progress=progress, desc="sweep", executor=executor)
    finally:
        writer.flush()          # on an interrupt too: what finished is kept
    rows = writer.rows
    runs = pd.concat([done_runs, pd.DataFrame(rows)], ignore_index=True) if rows else done_runs
    ts = pd.concat([done_ts, *writer.frames], ignore_index=True)
    runs = runs.sort_values("run_id", kind="stable").reset_index(drop=True)
    ts = ts.sort_values(["run_id", "metric", "step"], kind="stable").reset_index(drop=True)
    return SweepResult(_typed(runs, design), ts, design)


def _typed(runs: pd.DataFrame, design: Design) -> pd.DataFrame:
    """Column order and types fixed, whichever runs finished first or failed."""
    outcome = list(METRIC_NAMES)
    for m in outcome:
        if m not in runs.columns:
            runs[m] = float("nan")
    columns = [*ID_COLUMNS, *[f.name for f in design.factors], *outcome, "status", "error", "wall_s"]
    runs = runs[columns].copy()
    for c in ("run_id", "point", "replication", "seed"):
        runs[c] = runs[c].astype("int64")
    runs[outcome] = runs[outcome].astype(float)
    return runs


def write_final(store: ResultStore, result: SweepResult) -> None:
    """runs.parquet and timeseries.parquet from the whole sweep (the wall times left out, so
    the same sweep gives the same files)."""
    runs = result.runs.drop(columns=["wall_s"])
    store.write(TIMESERIES, lambda path: result.timeseries.to_parquet(path, index=False))
    store.write(RUNS, lambda path: runs.to_parquet(path, index=False))


def load_sweep(folder: Path) -> SweepResult:
    """A complete sweep folder as the SweepResult ``run_sweep`` returned: runs.parquet,
    timeseries.parquet and the design rebuilt from the manifest and the runs, so ``to_ema``,
    ``to_salib`` and the sweep figures accept it. It also unpacks as ``runs, timeseries``."""
    from ..study.design import Design, Factor
    from ..study.store import read_manifest
    folder = Path(folder)
    require_complete(folder)
    runs, timeseries = pd.read_parquet(folder / RUNS), pd.read_parquet(folder / TIMESERIES)
    described = ((read_manifest(folder) or {}).get("description") or {}).get("design") or {}
    factors = tuple(Factor(f["name"], float(f["low"]), float(f["high"])) for f in described.get("factors", ())
                    if f.get("name") in runs.columns)
    names = [f.name for f in factors]
    points = (runs.groupby("point", sort=True)[names].first().reset_index(drop=True) if names and "point" in runs
              else pd.DataFrame(columns=names))
    design = Design(described.get("method", "unknown"), factors, points, int(described.get("samples", len(points))))
    return SweepResult(runs, timeseries, design)
