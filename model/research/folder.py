"""The research commands' shared frame: a results folder held for the length of a command.

``sweep``, ``sensitivity``, ``discover`` and ``calibrate --fit`` all run a sweep into a folder
and then analyse it. `results_folder` gives each the same guarantees as a study (model.study.store):
locked, refused if it holds another study, resumable after an interrupt, marked ``running``
until the last file is written and ``complete`` only then; `sweep_into` runs the sweep there on
the local pool or a Dask scheduler.
"""

from __future__ import annotations

import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..scenario import Scenario
from ..study.design import Design
from ..study.runner import Interrupted, StudyFailed, stop_on_signals
from ..study.store import PARTS, ResultStore, WriteFailed, fingerprint, notice, read_manifest, resolve_out
from .sweep import RUNS, TIMESERIES, SweepResult, executor_for, run_sweep, write_final


def describe(command: str, design: Design, scenarios: list[Scenario], replications: int, steps: int,
             master_seed: int, **extra: Any) -> dict[str, Any]:
    """What determines a research command's results, for its folder's fingerprint."""
    from importlib import metadata
    try:
        version = metadata.version("shequ")
    except metadata.PackageNotFoundError:
        version = None
    return {"command": command, "model": version, "design": design.describe(), "steps": steps,
            "replications": replications, "master_seed": master_seed,
            "scenarios": [{"name": s.name, "parameters": s.parameters, "reforms": s.as_dict()["reforms"]}
                          for s in scenarios], **extra}


@contextmanager
def results_folder(out: Path, description: dict[str, Any], overwrite: bool = False,
                   kept: Callable[[ResultStore], str] | None = None, **manifest: Any) -> Iterator[ResultStore]:
    """Open ``out`` for one command (a study or a research command) and mark it: running on
    entry, interrupted or failed on the way out by an exception; the command marks it complete
    itself. ``kept(store)`` says what an interrupted run leaves for the next one to reuse."""
    store = ResultStore(resolve_out(out), fingerprint(description), overwrite=overwrite)
    with stop_on_signals():
        store.open()
        try:
            previous = read_manifest(store.folder) or {}
            store.was_complete = (previous.get("status") == "complete"
                                  and previous.get("fingerprint") == store.fingerprint)
            if store.was_complete:
                store.manifest = previous
            store.mark("running", created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), command=sys.argv,
                       description=description, **manifest)
            yield store
        except Interrupted as exc:
            note = _mark(store, "interrupted")
            what = kept(store) if kept else "finished runs are kept"
            print(f"interrupted ({exc}): {what} in {store.folder}{note}; run the same command to resume",
                  file=sys.stderr)
            raise
        except WriteFailed as exc:
            raise WriteFailed(f"{exc}; {_mark(store, 'interrupted').lstrip('; ')}; free some space and run the "
                              "same command to resume") from None
        except (StudyFailed, InputError) as exc:
            store.manifest["error"] = str(exc)
            _mark(store, "failed")
            raise
        except Exception as exc:  # noqa: BLE001 - an unexpected error: the folder says so, one line
            text = str(exc).strip().splitlines()
            error = f"{type(exc).__name__}: {text[0] if text else 'no message'}"
            store.manifest["error"] = error
            store.manifest["traceback"] = traceback.format_exc().splitlines()
            note = _mark(store, "failed")
            raise StudyFailed(f"unexpected error ({error}){note}; the details are in "
                              f"{store.folder / 'manifest.json'}") from None
        finally:
            store.close()


def _mark(store: ResultStore, status: str) -> str:
    try:
        store.mark(status)
    except WriteFailed:
        return "; the folder could not be marked (its status stays 'running', so it is not read as results)"
    return f"; the folder is marked {status}"


def sweep_into(store: ResultStore, design: Design, scenarios: list[Scenario], replications: int, steps: int,
               master_seed: int, workers: int | None = None, scheduler: str | None = None,
               progress: bool = True) -> SweepResult:
    """Run (or finish) the sweep in ``store`` and write runs.parquet, timeseries.parquet and
    design.csv; the parts it was streamed into are removed once these are in place."""
    n_runs = len(design.points) * len(scenarios) * replications
    if store.was_complete:
        problem = store.check_final([RUNS, TIMESERIES])
        if problem is None:
            runs, timeseries = pd.read_parquet(store.folder / RUNS), pd.read_parquet(store.folder / TIMESERIES)
            if len(runs) == n_runs:
                print(f"The sweep in {store.folder} is complete; its {n_runs} runs are read, not run again",
                      file=sys.stderr)
                return SweepResult(runs.assign(wall_s=np.nan), timeseries, design)
            problem = f"{RUNS} has {len(runs)} runs, not {n_runs}"
        notice(f"{problem}; the sweep is run again")
        store.was_complete = False
    where = f"Dask scheduler {scheduler}" if scheduler else f"{workers or 'all'} local worker(s)"
    print(f"Sweep: {len(design.points)} point(s) of {len(design.factors)} parameter(s) ({design.method}) x "
          f"{len(scenarios)} scenario(s) x {replications} replication(s) = {n_runs} runs of {steps} months "
          f"on {where} -> {store.folder}", file=sys.stderr)
    with executor_for(scheduler) as executor:
        result = run_sweep(design, scenarios, replications, steps, master_seed, workers, store=store,
                           executor=executor, progress=progress)
    store.write("design.csv", lambda path: design.points.rename_axis("point").to_csv(path, float_format="%.8g"))
    write_final(store, result)
    failed = int((result.runs["status"] != "ok").sum())
    if failed:
        first = result.runs.loc[result.runs["status"] != "ok", "error"].iloc[0]
        print(f"warning: {failed} of {n_runs} run(s) failed (status 'failed' in runs.parquet); the first: {first}",
              file=sys.stderr)
    return result


def finish(store: ResultStore, started: float, **fields: Any) -> None:
    """Mark the folder complete and drop the parts the sweep was streamed into."""
    store.mark("complete", wall_seconds=round(time.time() - started, 2), **fields)
    shutil.rmtree(store.folder / PARTS, ignore_errors=True)
