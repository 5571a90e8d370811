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
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..errors import InputError
from ..metrics import METRIC_NAMES

MANIFEST = "manifest.json"
LOCK = ".lock"
REPLICATIONS = "replications"
PARTS = "parts"
OUTPUTS = ("timeseries.csv", "communities.csv", "communities.csv.gz", "summary.csv", "differences.csv",
           "parameter_sets.csv", "timeseries.png", "final_comparison.png", "differences_over_time.png",
           "report.md", "report.html", MANIFEST,
           # sweeps and the analyses built on them (model.research.sweep, model.research.folder)
           "runs.parquet", "timeseries.parquet", "design.csv",
           *(f"sweep_{m}{kind}.png" for m in METRIC_NAMES for kind in ("", "_difference")),   # sweep_figures
           # run.py sensitivity (model.research.sensitivity) and run.py discover (model.research.discovery)
           "sensitivity.csv", "sensitivity.png", "sensitivity_mu_sigma.png", "prim_boxes.csv", "prim_tradeoff.png",
           "prim_box.png",
           "discovery.md", "feature_scores.csv",
           # calibrate --fit (model.research.fitting)
           "patterns.csv", "accepted.csv", "posterior.csv", "identification.csv", "fit_report.md", "posterior.png")
FOLDERS = (REPLICATIONS, PARTS)
STATUSES = ("running", "complete", "interrupted", "failed")
UNIT_INDEX = "unit.json"      # in a unit folder: each file's sha256, size and row count
CHECKED = "files"            # in the manifest: the same for each final file written


class Damaged(Exception):
    """A stored file or unit fails its check (missing file, wrong checksum or row count,
    unreadable); the message is one line."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def notice(text: str) -> None:
    """A one-line notice on stderr (a damaged part recomputed, a file checked again)."""
    print(f"notice: {text}", file=sys.stderr)


OWN_NAMES = {REPLICATIONS: re.compile(r"[^/]+-r\d{4}(\.pkl)?"),     # .pkl: replications of earlier versions
             PARTS: re.compile(r"(part-\d{6}-\d+|(runs|timeseries)-\d{6}-\d+\.parquet)")}


def _temporary(name: str) -> bool:
    """A temporary file or folder this program makes and renames (or a probe of the folder)."""
    return name.startswith(".") and (".tmp" in name or name.startswith((".write-test", ".render-")))


def _own(sub: str, path: Path) -> bool:
    return bool(OWN_NAMES[sub].fullmatch(path.name)) or _temporary(path.name)


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


def resolve_out(path: Path | str, option: str = "out=") -> Path:
    """The absolute path of a results folder, or a one-line InputError if it cannot be resolved
    (a symlink loop, a name too long)."""
    try:
        resolved = Path(path).resolve()
        try:
            resolved.stat()
        except (FileNotFoundError, NotADirectoryError):
            pass                         # a folder still to be made
        return resolved
    except (OSError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError("results folder", option, f"a usable folder path ({reason})", str(path)) from None


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
                 option: str = "out="):
        self.folder = Path(folder)
        self.fingerprint = study_fingerprint
        self.overwrite = overwrite
        self.option = option
        self.manifest: dict[str, Any] = {}
        self.was_complete = False      # set by a command that finds its own finished work here
        self.checksums: dict[str, dict[str, Any]] = {}    # the final files written, for the manifest
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
            raise InputError("results folder", self.option, f"a folder that can be written ({exc.strerror})",
                             str(folder)) from None
        self._lock = FileLock(str(folder / LOCK))
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            self._lock = None
            raise InputError("results folder", self.option, "a folder no other run is writing (it is locked "
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
                raise InputError("results folder", self.option,
                                 f"an empty folder or one holding this same study; {what} "
                                 "(give --overwrite to replace it)", str(self.folder))

    def _foreign(self) -> list[str]:
        """Names in the folder (and in replications/ and parts/) this program does not write."""
        found = [p.name for p in self.folder.iterdir()
                 if p.name not in (*OUTPUTS, *FOLDERS, LOCK) and not _temporary(p.name)]
        for sub in FOLDERS:
            if (self.folder / sub).is_dir():
                found += [f"{sub}/{p.name}" for p in (self.folder / sub).iterdir() if not _own(sub, p)]
            elif (self.folder / sub).exists():
                found.append(sub)
        return found

    def _remove_own_files(self) -> None:
        """--overwrite: remove what a study writes, and nothing else; a folder without a manifest
        that holds anything else is refused (it is not a results folder)."""
        if read_manifest(self.folder) is None:
            foreign = self._foreign()
            if foreign:
                raise InputError("results folder", self.option, "a results folder of this program or an empty folder "
                                 f"(--overwrite removes only what this program writes; this folder holds "
                                 f"{len(foreign)} other file(s), e.g. {foreign[0]})", str(self.folder))
        for name in OUTPUTS:
            if (self.folder / name).is_file() or (self.folder / name).is_symlink():
                (self.folder / name).unlink()
        for sub in FOLDERS:
            folder = self.folder / sub
            if not folder.is_dir() or folder.is_symlink():
                continue
            for p in folder.iterdir():
                if _own(sub, p):
                    shutil.rmtree(p, ignore_errors=True) if p.is_dir() and not p.is_symlink() else p.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()

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
            os.chmod(tmp, 0o666 & ~_umask())      # mkstemp makes 0600; a results file is as any other
            if "/" not in name and name != MANIFEST:
                self.checksums[name] = {"sha256": _sha256(Path(tmp)), "bytes": Path(tmp).stat().st_size}
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise WriteFailed(f"{target}: could not be written ({exc.strerror or exc})") from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def write_text(self, name: str, text: str) -> Path:
        return self.write(name, lambda path: path.write_text(text, encoding="utf-8"))

    def mark(self, status: str, **fields: Any) -> None:
        """Rewrite manifest.json with ``status`` (and any new fields), atomically."""
        assert status in STATUSES, status
        self.manifest.update(fields, status=status, fingerprint=self.fingerprint)
        if self.checksums:
            self.manifest[CHECKED] = {**self.manifest.get(CHECKED, {}), **self.checksums}
        self.write_text(MANIFEST, json.dumps(self.manifest, indent=2, ensure_ascii=False))

    # ------------------------------------------------------------------ units
    def write_unit(self, name: str, frames: dict[str, Any], **meta: Any) -> Path:
        """Write several tables as one unit: the folder ``name`` holding one Parquet file per
        table and ``unit.json`` (each file's sha256, size and row count, and ``meta``), built
        under a temporary name and renamed into place, so it appears whole or not at all."""
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            index: dict[str, Any] = {"meta": meta, "files": {}}
            for key, frame in frames.items():
                path = tmp / f"{key}.parquet"
                frame.to_parquet(path, index=False)
                os.chmod(path, 0o666 & ~_umask())
                index["files"][key] = {"sha256": _sha256(path), "bytes": path.stat().st_size, "rows": len(frame)}
            (tmp / UNIT_INDEX).write_text(json.dumps(index, indent=1, default=str), encoding="utf-8")
            os.chmod(tmp / UNIT_INDEX, 0o666 & ~_umask())
            os.chmod(tmp, 0o777 & ~_umask())
            if target.exists():                 # a damaged unit run again: replace it
                shutil.rmtree(target)
            os.rename(tmp, target)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise WriteFailed(f"{target}: could not be written ({exc.strerror or exc})") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    @staticmethod
    def read_unit(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
        """(tables, meta) of a unit written by `write_unit`, each file checked against its
        checksum and row count; raises Damaged (one line) if anything is missing or differs."""
        import pandas as pd
        try:
            index = json.loads((path / UNIT_INDEX).read_text(encoding="utf-8"))
            files = index["files"]
            meta = index.get("meta", {})
            if not isinstance(files, dict) or not isinstance(meta, dict):
                raise TypeError("not a unit index")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise Damaged(f"{UNIT_INDEX} missing or unreadable ({type(exc).__name__})") from None
        tables = {}
        for key, expected in files.items():
            file = path / f"{key}.parquet"
            try:
                if _sha256(file) != expected["sha256"]:
                    raise Damaged(f"{file.name}: checksum differs from the one written with it")
                frame = pd.read_parquet(file)
            except Damaged:
                raise
            except Exception as exc:  # noqa: BLE001 - any unreadable file is damage, said in one line
                raise Damaged(f"{file.name}: unreadable ({type(exc).__name__})") from None
            if len(frame) != expected.get("rows"):
                raise Damaged(f"{file.name}: {len(frame)} rows, {expected.get('rows')} written")
            tables[key] = frame
        return tables, meta

    def discard(self, path: Path, why: str, then: str) -> None:
        """Remove a damaged unit (it is this program's own) with a one-line notice."""
        notice(f"{path.relative_to(self.folder)} is damaged ({why}); {then}")
        shutil.rmtree(path, ignore_errors=True)

    def clean_temporary(self, sub: str) -> None:
        """Remove temporary files and unit folders a killed run left in ``sub`` (the lock is
        held, so nothing else is writing them)."""
        folder = self.folder / sub
        if folder.is_dir():
            for p in folder.glob(".*.tmp*"):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)

    # ------------------------------------------------------------------ replications
    # A replication is stored as data (Parquet, checked), never as a pickle: a results folder
    # may come from anyone, and reading it must not run code.
    def _replication_path(self, key: str) -> Path:
        return self.folder / REPLICATIONS / key

    def load_replication(self, key: str, scenario: str | None = None, replication: int | None = None
                         ) -> Any | None:
        """(district, communities) of a replication stored by an earlier run of this study, or
        None; a damaged one, or one whose contents do not match its key, is removed with a
        notice (and run again by the caller)."""
        path = self._replication_path(key)
        if not path.is_dir():
            return None
        try:
            tables, _ = self.read_unit(path)
            if set(tables) != {"district", "communities"}:
                raise Damaged("not a replication")
            for frame in tables.values():
                for column, value in (("scenario", scenario), ("replication", replication)):
                    if value is not None and (column not in frame.columns or set(frame[column]) != {value}):
                        raise Damaged(f"its {column} column is not {value!r}")
        except Damaged as exc:
            self.discard(path, str(exc), "it is run again")
            return None
        return tables["district"], tables["communities"]

    def save_replication(self, key: str, result: Any) -> None:
        district, communities = result
        self.write_unit(f"{REPLICATIONS}/{key}", {"district": district, "communities": communities})

    def stored_replications(self, keys: list[str]) -> int:
        """How many of the replications ``keys`` an earlier run of this study stored (a folder
        under replications/ that is not one of them is not this study's, and is not counted)."""
        return sum(1 for key in keys if self._replication_path(key).is_dir())

    def check_final(self, names: list[str]) -> str | None:
        """Why the final files ``names`` of a complete folder cannot be trusted (missing, or
        a checksum differing from the one in the manifest), or None if they all check."""
        recorded = self.manifest.get(CHECKED)
        for name in names:
            path = self.folder / name
            if not path.is_file():
                return f"{name} is missing"
            if not isinstance(recorded, dict) or not isinstance(recorded.get(name), dict):
                return f"{name} has no checksum in {MANIFEST}"
            if _sha256(path) != recorded[name].get("sha256"):
                return f"{name} differs from the file written (checksum)"
        return None


# ------------------------------------------------------------------ status
MAIN_FILE = {"sweep": "runs.parquet", "sensitivity": "sensitivity.csv", "discover": "discovery.md",
             "calibrate --fit": "fit_report.md"}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _in_use(folder: Path) -> bool:
    """Whether another process holds the folder's lock (a run still writing it)."""
    if not (folder / LOCK).exists():
        return False
    lock = FileLock(str(folder / LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    lock.release()
    return False


def _stored_runs(folder: Path) -> int:
    total = 0
    for unit in (folder / PARTS).glob("part-*") if (folder / PARTS).is_dir() else []:
        try:
            rows = json.loads((unit / UNIT_INDEX).read_text(encoding="utf-8"))["files"]["runs"]["rows"]
            total += rows if isinstance(rows, int) else 0
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return total


def status_report(folder: Path) -> tuple[int, str]:
    """What ``run.py status`` says about a folder, and its exit status (0: complete results)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise InputError(str(folder), MANIFEST, "a results folder written by this program")
    description = manifest.get("description") if isinstance(manifest.get("description"), dict) else {}
    research = description.get("command") if isinstance(description.get("command"), str) else None
    status = manifest.get("status", "complete" if "replication_seeds" in manifest else None)
    command = manifest.get("command")
    command = " ".join(map(str, command)) if isinstance(command, list) else "the command that wrote it"
    scenarios = manifest.get("scenarios", description.get("scenarios"))
    n_scenarios = len(scenarios) if isinstance(scenarios, list) else None
    replications = _int(manifest.get("replications", description.get("replications")))
    if research:
        design = description.get("design") if isinstance(description.get("design"), dict) else {}
        points = _int(design.get("points"))
        total = points * n_scenarios * replications if None not in (points, n_scenarios, replications) else None
        done, unit = _stored_runs(folder), "run(s)"
    else:
        total = n_scenarios * replications if None not in (n_scenarios, replications) else None
        folder_reps = folder / REPLICATIONS
        done = (sum(1 for p in folder_reps.iterdir() if p.is_dir() and not p.name.startswith("."))
                if folder_reps.is_dir() else 0)
        unit = "replication(s)"
    of = f"{done} of {total if total is not None else '?'} {unit} stored"
    if status == "running":
        if _in_use(folder):
            return 1, f"{folder}: running now (another process is writing it; wait for it to finish): {of}"
        return 1, (f"{folder}: running, but no process is writing it (it was killed?), not results: {of}; "
                   f"run its command again to finish it: {command}")
    if status != "complete":
        error = manifest.get("error")
        why = f" ({error})" if isinstance(error, str) and error else ""
        return 1, (f"{folder}: {status}{why}, not results: {of}; run its command again to finish it: {command}")
    main = MAIN_FILE.get(research, "report.md") if research else "report.md"
    recorded = manifest.get(CHECKED) if isinstance(manifest.get(CHECKED), dict) else {}
    for name in [*recorded, main]:
        if name in recorded and (folder / name).is_file() and isinstance(recorded[name], dict) \
                and _sha256(folder / name) != recorded[name].get("sha256"):
            return 1, (f"{folder}: complete, but {name} was changed since it was written; run its command "
                       f"again: {command}")
        if not (folder / name).is_file():
            return 1, f"{folder}: complete, but {name} is missing; run its command again: {command}"
    if research:
        runs = _int(manifest.get("runs"))
        return 0, (f"{folder}: complete: {research}, {runs if runs is not None else '?'} runs ({n_scenarios} "
                   f"scenario(s) x {replications} replication(s) x {design.get('points')} point(s)), "
                   f"{description.get('steps')} months, master seed {description.get('master_seed')}; read {main}")
    return 0, (f"{folder}: complete: study {manifest.get('study')}, {n_scenarios} scenario(s) x {replications} "
               f"replication(s), {manifest.get('steps')} months, master seed {manifest.get('master_seed')}; "
               f"read {main}")
