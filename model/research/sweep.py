"""Sweeps: a design over parameters x strategies (scenarios) x replications, streamed to Parquet.

Run ``(point, scenario, replication)`` uses the design's parameter values as overrides on the
scenario and seed ``replication_seeds(master_seed, R)[replication]``, the same seed for every
point and strategy (common random numbers, so differences between points and strategies are
not seed noise). A run that raises is recorded with ``status = "failed"`` and its error, and the
sweep goes on.

Fault handling is the study's (model.study.runner, model.study.store): finished runs are written in small
Parquet parts under ``parts/`` as they come in, each part atomically, the runs table of a part
after its time series, so a part in ``parts/runs-*`` means its runs are complete. The same command
into the same folder resumes: runs already in a part are not run again. The final
``runs.parquet`` and ``timeseries.parquet`` are written (atomically) from the parts, then the
manifest is marked complete.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..governance import GovernanceModel
from ..metrics import METRIC_NAMES
from ..scenario import Scenario, check_run_length, check_unique_names, validate_parameters
from ..study.design import Design
from ..study.runner import run_jobs
from ..study.seeds import DEFAULT_SEED, replication_seeds
from ..study.store import PARTS, ResultStore, require_complete

RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
FLUSH_RUNS = 50            # at most this many runs are buffered before a part is written,
FLUSH_SHARE = 20           # ... or a twentieth of the sweep if that is fewer (small sweeps save often),
FLUSH_SECONDS = 10.0       # ... or this many seconds, whichever comes first
ID_COLUMNS = ["run_id", "point", "scenario", "replication", "seed"]
NO_VIEWS = {"resident_agents": False}


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
        model = GovernanceModel(job.scenario, rng=job.seed, overrides={**job.values, **NO_VIEWS}).run(job.steps)
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
         source: str = "command line") -> list[Job]:
    """Every run of the sweep, in a fixed order (point, scenario, replication), each checked
    before anything runs: a design value outside a parameter's valid range is bad input."""
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise InputError(source, "--replications", "an integer >= 1", replications)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InputError(source, "--steps", "an integer >= 1", steps)
    if not scenarios:
        raise InputError(source, "SCENARIO", "at least one scenario")
    check_unique_names(scenarios)
    check_run_length(scenarios, steps)
    seeds = replication_seeds(master_seed, replications)
    jobs = []
    for i in range(len(design.points)):
        values = design.values(i)
        base = {k: v for k, v in values.items() if "." not in k}
        for s in scenarios:
            validate_parameters({**s.parameters, **base}, source=f"{source} (design point {i})", prefix="")
            for r in range(replications):
                jobs.append(Job(len(jobs), i, s, r, seeds[r], steps, values))
    return jobs


@dataclass
class SweepResult:
    """runs: one row per run (ids, seed, the varied values, final-month outcomes, status,
    error); timeseries: the district metrics of every successful run, long
    (run_id, step, metric, value)."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    design: Design

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
    """Buffers finished runs and writes them as Parquet parts through the store."""

    def __init__(self, store: ResultStore | None, runs: int):
        self.store = store
        self.every = max(1, min(FLUSH_RUNS, runs // FLUSH_SHARE))
        self.rows: list[dict] = []
        self.frames: list[pd.DataFrame] = []
        self.all_rows: list[dict] = []
        self.all_frames: list[pd.DataFrame] = []
        self.last = time.monotonic()
        self.count = _existing_parts(store.folder) if store is not None else 0

    def add(self, row: dict, frame: pd.DataFrame | None) -> None:
        self.rows.append(row)
        self.all_rows.append(row)
        if frame is not None:
            long = to_long(frame)
            self.frames.append(long)
            self.all_frames.append(long)
        if len(self.rows) >= self.every or time.monotonic() - self.last > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        self.last = time.monotonic()
        if self.store is None or not self.rows:
            self.rows, self.frames = [], []
            return
        self.count += 1
        name = f"{self.count:06d}-{os.getpid()}"
        ts = pd.concat(self.frames, ignore_index=True) if self.frames else _empty_long()
        self.store.write(f"{PARTS}/timeseries-{name}.parquet", lambda p: ts.to_parquet(p, index=False))
        runs = pd.DataFrame(self.rows)
        self.store.write(f"{PARTS}/runs-{name}.parquet", lambda p: runs.to_parquet(p, index=False))
        self.rows, self.frames = [], []


def _empty_long() -> pd.DataFrame:
    return pd.DataFrame({"run_id": pd.Series(dtype="int64"), "step": pd.Series(dtype="int64"),
                         "metric": pd.Series(dtype="object"), "value": pd.Series(dtype="float64")})


def _existing_parts(folder: Path) -> int:
    parts = folder / PARTS
    return len(list(parts.glob("runs-*.parquet"))) if parts.is_dir() else 0


def read_parts(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs and time series stored by earlier, unfinished runs of a sweep: only runs whose
    runs part was written (a part's time series is written first), each run once."""
    parts = folder / PARTS
    run_files = sorted(parts.glob("runs-*.parquet")) if parts.is_dir() else []
    if not run_files:
        return pd.DataFrame(), _empty_long()
    runs = pd.concat([pd.read_parquet(f) for f in run_files], ignore_index=True)
    runs = runs.drop_duplicates("run_id", keep="last")
    ts_files = [parts / f.name.replace("runs-", "timeseries-", 1) for f in run_files]
    ts = pd.concat([pd.read_parquet(f) for f in ts_files if f.is_file()] or [_empty_long()], ignore_index=True)
    ts = ts[ts["run_id"].isin(runs["run_id"])].drop_duplicates(["run_id", "step", "metric"], keep="last")
    return runs, ts


@contextmanager
def executor_for(scheduler: str | None):
    """A Dask distributed executor for ``tcp://HOST:PORT`` (or a dask ``Client``/``LocalCluster``
    address), else None (the local process pool of model.study.runner)."""
    if not scheduler:
        yield None
        return
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("command line", "--scheduler", "Dask distributed installed "
                         "(pip install 'shequ[analysis]')", scheduler) from None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError("command line", "--scheduler", f"the address of a running Dask scheduler ({exc})",
                         scheduler) from None
    try:
        yield client.get_executor()
    finally:
        client.close()


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
    try:
        run_jobs(run_one, todo, workers, lambda i, result: writer.add(*result), label=_label,
                 progress=progress, desc="sweep", executor=executor)
    finally:
        writer.flush()          # on an interrupt too: what finished is kept
    runs = pd.concat([done_runs, pd.DataFrame(writer.all_rows)], ignore_index=True) if writer.all_rows else done_runs
    ts = pd.concat([done_ts, *writer.all_frames], ignore_index=True)
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
    store.write(TIMESERIES, lambda p: result.timeseries.to_parquet(p, index=False))
    store.write(RUNS, lambda p: runs.to_parquet(p, index=False))


def load_sweep(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """runs.parquet and timeseries.parquet of a complete sweep folder."""
    require_complete(Path(folder))
    return pd.read_parquet(Path(folder) / RUNS), pd.read_parquet(Path(folder) / TIMESERIES)
