"""A results folder that is never half-written, never shared and can be resumed.

``manifest.json`` carries ``status``: ``running`` from the start, ``complete`` written last,
``interrupted`` or ``failed`` otherwise; only a ``complete`` folder holds results. Every file is
written under a temporary name in the folder and renamed into place (``os.replace``). A lock file
(`filelock`) keeps a second process out. Each finished replication is stored under
``replications/`` as it finishes and reused when the same study is run again into the folder; a
study fingerprint (a hash of everything that determines the results) tells "the same study,
resume" from "a different study", which is refused unless ``overwrite`` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..errors import InputError

MANIFEST = "manifest.json"
LOCK = ".lock"
REPLICATIONS = "replications"
PARTS = "parts"
OUTPUTS = ("timeseries.csv", "communities.csv", "summary.csv", "differences.csv", "parameter_sets.csv",
           "timeseries.png", "final_comparison.png", "report.md", "report.html", MANIFEST,
           # sweeps and the analyses built on them (model.research.sweep, model.research.folder)
           "runs.parquet", "timeseries.parquet", "design.csv",
           # run.py sensitivity (model.research.sensitivity) and run.py discover (model.research.discovery)
           "sensitivity.csv", "sensitivity.png", "prim_boxes.csv", "prim_tradeoff.png", "prim_box.png",
           "discovery.md", "feature_scores.csv",
           # calibrate --fit (model.research.fitting)
           "patterns.csv", "accepted.csv", "posterior.csv", "identification.csv", "fit_report.md", "posterior.png")
FOLDERS = (REPLICATIONS, PARTS)
STATUSES = ("running", "complete", "interrupted", "failed")


class WriteFailed(Exception):
    """A results file could not be written (full disk, quota, permissions); one line."""


def fingerprint(description: dict[str, Any]) -> str:
    """A stable hash of what determines a study's results (scenarios, parameters, reforms,
    steps, replications, master seed, model version); worker count and paths are left out."""
    text = json.dumps(description, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None if it has none (or an unreadable one)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def require_complete(folder: Path) -> dict[str, Any]:
    """The manifest of a finished study, or a one-line InputError saying why the folder is
    not results."""
    manifest = read_manifest(folder)
    if manifest is None:
        raise InputError(str(folder), MANIFEST, "a results folder written by this program")
    status = manifest.get("status", "complete" if "replication_seeds" in manifest else None)
    if status != "complete":
        raise InputError(str(folder), "status", "a complete study (run the same command again to "
                         "finish it)", status)
    return manifest


class ResultStore:
    """One study's results folder: open it (lock, check, resume), store replications, write
    the final files atomically, mark the status."""

    def __init__(self, folder: Path, study_fingerprint: str, *, overwrite: bool = False,
                 option: str = "--out"):
        self.folder = Path(folder)
        self.fingerprint = study_fingerprint
        self.overwrite = overwrite
        self.option = option
        self.manifest: dict[str, Any] = {}
        self.was_complete = False      # set by a command that finds its own finished work here
        self._lock: FileLock | None = None

    # ------------------------------------------------------------------ opening
    def open(self) -> ResultStore:
        """Create or take over the folder; raises a one-line InputError if it is in use, is not
        a results folder, or holds a different study (unless overwrite)."""
        folder = self.folder
        if folder.is_dir():
            self._check_contents(remove=False)     # refuse a foreign folder before touching it
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise InputError("command line", self.option, f"a folder that can be written ({exc.strerror})",
                             str(folder)) from None
        self._lock = FileLock(str(folder / LOCK))
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            self._lock = None
            raise InputError("command line", self.option, "a folder no other run is writing (it is locked "
                             "by another process)", str(folder)) from None
        try:
            self._check_contents()
        except BaseException:
            self.close()
            raise
        return self

    def _check_contents(self, remove: bool = True) -> None:
        others = [p.name for p in self.folder.iterdir() if p.name != LOCK and not p.name.startswith(".write-test")]
        manifest = read_manifest(self.folder)
        same = manifest is not None and manifest.get("fingerprint") == self.fingerprint
        if others and remove and self.overwrite:
            self._remove_own_files()        # --overwrite starts afresh, even for the same study
        elif others and not same:
            if not self.overwrite:
                what = ("holds a different study" if manifest is not None and "fingerprint" in manifest
                        else "is not an empty folder or a results folder of this program")
                raise InputError("command line", self.option,
                                 f"an empty folder or one holding this same study; {what} "
                                 "(give --overwrite to replace it)", str(self.folder))

    def _remove_own_files(self) -> None:
        """--overwrite: remove what a study writes, and nothing else."""
        for name in OUTPUTS:
            (self.folder / name).unlink(missing_ok=True)
        for name in FOLDERS:
            shutil.rmtree(self.folder / name, ignore_errors=True)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> ResultStore:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing
    def write(self, name: str, writer: Callable[[Path], Any]) -> Path:
        """Call ``writer(temporary path)`` and rename the file to ``name``; on any failure the
        temporary file is removed and a full disk or similar becomes a one-line WriteFailed."""
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent)
        os.close(fd)
        try:
            writer(Path(tmp))
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise WriteFailed(f"{target}: could not be written ({exc.strerror or exc})") from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def write_text(self, name: str, text: str) -> Path:
        return self.write(name, lambda p: p.write_text(text, encoding="utf-8"))

    def mark(self, status: str, **fields: Any) -> None:
        """Rewrite manifest.json with ``status`` (and any new fields), atomically."""
        assert status in STATUSES, status
        self.manifest.update(fields, status=status, fingerprint=self.fingerprint)
        self.write_text(MANIFEST, json.dumps(self.manifest, indent=2, ensure_ascii=False))

    # ------------------------------------------------------------------ replications
    def _replication_path(self, key: str) -> Path:
        return self.folder / REPLICATIONS / f"{key}.pkl"

    def load_replication(self, key: str) -> Any | None:
        """A replication stored by an earlier run of this study, or None."""
        path = self._replication_path(key)
        if not path.is_file():
            return None
        try:
            with path.open("rb") as f:
                return pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None

    def save_replication(self, key: str, result: Any) -> None:
        def dump(path: Path) -> None:
            with path.open("wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        self.write(f"{REPLICATIONS}/{key}.pkl", dump)

    def stored_replications(self) -> int:
        folder = self.folder / REPLICATIONS
        return len(list(folder.glob("*.pkl"))) if folder.is_dir() else 0
