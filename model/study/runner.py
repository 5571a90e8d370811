"""Running many simulations: a process pool that stops cleanly on Ctrl-C or SIGTERM.

Studies and sweeps (and so sensitivity, discovery and calibrate --fit, which sweep) run their
simulations through `run_jobs` inside `stop_on_signals`, so an interrupt always means: the
first signal cancels pending work, stops the workers and raises `Interrupted`; a second one kills
every child process and exits at once. Worker errors come back as one-line `StudyFailed`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import psutil
from tqdm import tqdm

from ..errors import InputError

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
SAME_INTERRUPT_SECONDS = 0.05  # a second signal this soon after the first is the same interrupt


class Interrupted(Exception):
    """The run was stopped by a signal; ``exit_code`` is 130 (SIGINT) or 143 (SIGTERM)."""

    def __init__(self, signum: int):
        self.signum = signum
        self.exit_code = EXIT_CODES.get(signum, 128 + int(signum))
        super().__init__(signal.Signals(signum).name)


class StudyFailed(Exception):
    """A replication failed for a reason other than bad input; the message is one line."""


def kill_children() -> None:
    """Kill every process this one started (pool workers, forkserver, resource tracker)."""
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        try:
            child.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(children, timeout=3)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While active, the first SIGINT/SIGTERM raises `Interrupted` in the main thread; a second
    one kills all child processes and exits with 130/143 without unwinding."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[tuple[int, float]] = []

    def handler(signum, frame):
        now = time.monotonic()
        if received and now - received[0][1] < SAME_INTERRUPT_SECONDS:
            return              # `timeout -s INT` signals the process, then its group: one interrupt
        received.append((signum, now))
        if len(received) == 1:
            raise Interrupted(signum)
        kill_children()
        os._exit(EXIT_CODES.get(received[0][0], 130))

    previous = {s: signal.signal(s, handler) for s in EXIT_CODES}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


PARENT_CHECK_SECONDS = 1.0     # how often a worker checks that the process that started it lives


def _worker_start(parent: int) -> None:
    """Worker start-up. Ctrl-C reaches the whole process group; only the parent handles it. A
    parent killed outright (SIGKILL, out of memory) cannot stop its workers, so each worker
    watches it and ends itself when it is gone, instead of running on as an orphan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def alive() -> bool:
        try:
            return psutil.Process(parent).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def watch() -> None:
        while alive():
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _in_worker(func: Callable[[Any], Any], job: Any) -> Any:
    """``func(job)`` in a pool worker, then the garbage it left collected. A finished model's objects
    refer to each other (the model and its agents), so only Python's full collection frees them,
    and by its thresholds that came once in about 70 runs: meanwhile a worker held every finished
    model's arrays (374 MB against 206 MB after 153 Morris points; at 1:1 a few models would
    exhaust memory). What is alive after the collection (the libraries, their caches) is frozen,
    so the next collection skips it and takes under a millisecond instead of about 50 ms."""
    try:
        return func(job)
    finally:
        gc.collect()
        gc.freeze()


def _context():
    # forkserver (spawn where there is none): children start clean instead of forking a
    # multi-threaded parent
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now, leaving no process behind."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(3)
        if p.is_alive():
            p.kill()
            p.join(1)


def _failure(label: str, exc: BaseException) -> Exception:
    if isinstance(exc, InputError):
        return exc
    if isinstance(exc, MemoryError):
        return StudyFailed(f"{label}: out of memory (use a smaller scale or fewer --workers)")
    if isinstance(exc, BrokenProcessPool):
        return StudyFailed(f"{label}: a worker process died unexpectedly (out of memory or killed?)")
    text = str(exc).strip().splitlines()
    return StudyFailed(f"{label}: {type(exc).__name__}: {text[0] if text else 'no message'}")


def run_jobs(func: Callable[[Any], Any], jobs: Sequence[Any], workers: int,
             on_result: Callable[[int, Any], None], label: Callable[[Any], str] = str,
             progress: bool = True, desc: str = "runs", executor: Executor | None = None) -> None:
    """Run ``func(job)`` for every job, serially, on ``workers`` processes, or on a given
    ``executor`` (any `concurrent.futures.Executor`, e.g. a Dask client's), and call
    ``on_result(index, result)`` in this process as each finishes (in completion order).

    Raises InputError or StudyFailed (one line) for the first job that fails, after stopping
    the rest; signals are handled by `stop_on_signals`, which the caller should hold.
    """
    bar = tqdm(total=len(jobs), desc=desc, unit="run", disable=not progress)
    try:
        if executor is not None:
            _run_on(executor, func, jobs, on_result, label, bar)
            return
        if workers <= 1 or len(jobs) <= 1:
            for i, job in enumerate(jobs):
                try:
                    result = func(job)
                except (Interrupted, KeyboardInterrupt):
                    raise
                except Exception as exc:
                    raise _failure(label(job), exc) from None
                on_result(i, result)
                bar.update()
            return
        # Workers are started with SIGINT ignored (inherited through the forkserver, or from this
        # process with spawn), so a Ctrl-C in the terminal reaches only this process and no worker
        # prints a traceback. This process ignores it only while that is set up: a Ctrl-C that
        # arrives then is lost, so with a forkserver only while the forkserver starts (milliseconds),
        # not while the pool starts and is fed (seconds on a busy machine).
        context = _context()
        old = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
        try:
            if context.get_start_method() == "forkserver":
                from multiprocessing import forkserver
                forkserver.ensure_running()
                if old is not None:
                    signal.signal(signal.SIGINT, old)
                    old = None
            pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                                       initializer=_worker_start, initargs=(os.getpid(),))
        except BaseException:
            if old is not None:
                signal.signal(signal.SIGINT, old)
            raise
        try:
            try:
                futures = {pool.submit(_in_worker, func, job): i for i, job in enumerate(jobs)}
            finally:
                if old is not None:
                    signal.signal(signal.SIGINT, old)
            _collect(futures, jobs, on_result, label, bar)
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    finally:
        bar.close()


def _run_on(executor: Executor, func, jobs, on_result, label, bar) -> None:
    """Jobs on an executor this function does not own: on failure or interrupt, cancel what
    has not started and leave the executor to its owner."""
    futures = {executor.submit(func, job): i for i, job in enumerate(jobs)}
    try:
        _collect(futures, jobs, on_result, label, bar)
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise


def _collect(futures: dict, jobs, on_result, label, bar) -> None:
    """Hand each result to ``on_result`` as it arrives; the first failure raises (one line)."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in sorted(done, key=futures.get):
            i = futures[fut]
            exc = fut.exception()
            if exc is not None:
                raise _failure(label(jobs[i]), exc) from None
            on_result(i, fut.result())
            bar.update()


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
