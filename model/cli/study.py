"""The study commands: run (and the default study), status, list and params."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from ..study.seeds import DEFAULT_SEED
from .parser import DEFAULT_REPLICATIONS, DEFAULT_STEPS
from .words import tr

ROOT = Path(__file__).resolve().parents[2]   # the source checkout, for the git commit


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for pkg in ("shequ", "mesa", "numpy", "pandas", "scipy", "matplotlib", "tqdm"):
        try:
            found[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            found[pkg] = "not installed"
    return found


def study_folder_name(name: str, args) -> str:
    """The default output folder: the study name plus every option that changes the results and
    differs from its default, so two different commands never share a folder."""
    parts = [name]
    options = (("steps", args.steps, DEFAULT_STEPS), ("reps", args.replications, DEFAULT_REPLICATIONS),
               ("seed", args.seed, DEFAULT_SEED), ("scale", args.scale, None),
               ("params", getattr(args, "parameter_uncertainty", None), None))
    for option, value, default in options:
        if value != default:
            parts.append(f"{option}-{value:g}" if isinstance(value, float) else f"{option}-{value}")
    return "_".join(parts)


def study_description(scenarios, args, overrides, parameter_sets=None) -> dict:
    """What determines the results, for the study fingerprint (not titles, paths or workers);
    with parameter uncertainty, every replication's parameter set too."""
    description = {
        "model": versions().get("shequ"),
        "steps": args.steps, "replications": args.replications, "master_seed": args.seed,
        "scenarios": [{"name": s.name, "parameters": {**s.parameters, **(overrides or {})},
                       "reforms": s.as_dict()["reforms"]} for s in scenarios],
    }
    if parameter_sets is not None:
        description["parameter_uncertainty"] = {k: v for k, v in parameter_sets.describe().items() if k != "file"}
    return description


def check_scale(scenarios, scale: float | None) -> dict | None:
    """--scale overrides every scenario's scale; a value too small for one of them is the
    command line's fault, and is reported as such."""
    if scale is None:
        return None
    from model.errors import InputError
    from model.scenario import validate_parameters
    for s in scenarios:
        try:
            validate_parameters({**s.parameters, "scale": scale}, source=s.path or s.name, prefix="")
        except InputError as exc:
            raise InputError("command line", "--scale", f"{exc.expected} (scenario {s.name} has "
                             f"residents_per_community = {s.parameters['residents_per_community']})", scale) from None
    return {"scale": scale}


# communities.csv above this many rows (about 30 MB) is written compressed, as communities.csv.gz
COMMUNITY_ROWS_PLAIN = 100_000
# gzip's level for it: 4 compresses the default study's 190 MB of text to 59 MB in about 3 s of CPU; 6
# saves 5 MB more in 10 s, 9 another 2 MB in 40 s
GZIP_LEVEL = 4
# ... and formatted and compressed this many rows at a time, each chunk on its own (each chunk's text
# takes about 100 MB)
COMMUNITY_CHUNK_ROWS = 100_000


def community_member(job: tuple) -> bytes:
    """One chunk of communities.csv as one gzip member: its floats formatted as text each distinct
    value once (``floats_as_text``), the header (and a BOM if the encoding has one) only in the first.
    The member carries no time, and the first the name communities.csv, so the bytes depend on the
    rows alone."""
    import gzip
    import io

    from model.study.comparison import floats_as_text
    chunk, first, encoding, float_format = job
    buffer = io.BytesIO()
    with gzip.GzipFile("communities.csv" if first else "", "wb", GZIP_LEVEL, buffer, mtime=0) as packed:
        floats_as_text(chunk, float_format).to_csv(packed, index=False, header=first,
                                                   encoding=encoding if first else "utf-8")
    return buffer.getvalue()


def write_communities_gz(frame, path: Path, encoding: str, float_format: str, workers: int = 1) -> None:
    """``frame`` as gzip-compressed CSV, the bytes ``to_csv(float_format=...)`` writes once decompressed:
    one gzip member per COMMUNITY_CHUNK_ROWS rows (a file of several members is one gzip file to gzip,
    zcat and pandas), formatted and compressed on ``workers`` processes, written in order. The default
    study's 720,000 rows take about 18 s on one process: formatting and writing the text about 16 s."""
    from model.study.runner import run_jobs
    starts = range(0, max(len(frame), 1), COMMUNITY_CHUNK_ROWS)
    jobs = [(frame.iloc[start:start + COMMUNITY_CHUNK_ROWS], start == 0, encoding, float_format) for start in starts]
    members: list[bytes | None] = [None] * len(jobs)

    def keep(i: int, member: bytes) -> None:
        members[i] = member

    run_jobs(community_member, jobs, workers, keep, label=lambda job: "communities.csv.gz", progress=False)
    with open(path, "wb") as raw:
        for member in members:
            raw.write(member)


def prune_replications(out: Path) -> None:
    """Remove the per-replication units of a complete study (the CSV files hold everything in them;
    a rerun recomputes them); files of the user's own in replications/ stay, and so does the folder then."""
    from model.study.store import OWN_NAMES, REPLICATIONS
    folder = out / REPLICATIONS
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if OWN_NAMES[REPLICATIONS].fullmatch(entry.name):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    if not any(folder.iterdir()):
        folder.rmdir()


def run_and_write(scenarios, name: str, args) -> Path:
    """Run the study into its results folder: locked, resumable, every file written atomically,
    manifest status running -> complete (or interrupted / failed)."""
    from model.errors import InputError
    from model.report.document import write_reports
    from model.research.folder import results_folder
    from model.scenario import check_unique_names
    from model.study.comparison import absent_before_first_event, csv_encoding
    from model.study.experiment import check_study, replication_keys, run_study, summarise
    from model.study.store import resolve_out
    from model.study.uncertainty import parameter_sets

    check_unique_names(scenarios)
    overrides = check_scale(scenarios, args.scale)
    workers = args.workers or os.cpu_count() or 1
    sets = parameter_sets(getattr(args, "parameter_uncertainty", None), args.replications, args.seed,
                          getattr(args, "posterior", None))
    check_study(scenarios, args.replications, args.steps, workers, overrides, source="command line",
                parameter_sets=sets)
    at_month, window = getattr(args, "at_month", None), getattr(args, "window", None)
    if at_month is not None and window is not None:
        raise InputError("command line", "--at-month", "either --at-month or --window, not both", at_month)
    for option, month in (("--at-month", at_month), ("--window", window and window[1])):
        if month is not None and month >= args.steps:
            raise InputError("command line", option, f"a month below --steps ({args.steps}; months are "
                             f"0 to {args.steps - 1})", month)
    out = Path(args.out if args.out is not None else Path.cwd() / "results" / study_folder_name(name, args))
    out = resolve_out(out)
    keys = replication_keys(scenarios, args.replications)

    def kept(store) -> str:
        return f"{store.stored_replications(keys)} of {len(keys)} replication(s) stored"

    started = time.time()
    manifest = dict(
        study=name, git_commit=git_commit(), versions=versions(), steps=args.steps,
        replications=args.replications, master_seed=args.seed, overrides=overrides or {},
        scenarios=[{**s.as_dict(), "parameters": {**s.parameters, **(overrides or {})}} for s in scenarios],
        **({"parameter_uncertainty": {"source": sets.source, "file": sets.file, "draws": list(sets.draws),
                                      "parameters": len(sets.names), "values": "parameter_sets.csv"}} if sets else {}))
    with results_folder(out, study_description(scenarios, args, overrides, sets), args.overwrite, kept=kept,
                        **manifest) as store:
        reused = store.stored_replications(keys)
        lang = args.lang
        print(tr("Running {n} scenario(s) x {r} replication(s), {steps} months", lang, n=len(scenarios),
                 r=args.replications, steps=args.steps)
              + (tr(", each replication with its own {source} parameter set", lang, source=sets.source) if sets else "")
              + (tr(" ({k} stored replication(s) reused)", lang, k=reused) if reused else "") + f" -> {out}",
              file=sys.stderr)
        result = run_study(scenarios, args.replications, args.steps, args.seed, workers, overrides,
                           store=store, parameter_sets=sets)
        # what comes after the runs takes the default study about 25-30 s: say what is being done
        print(tr("Writing the tables ({rows:,} rows of communities) ...", lang, rows=len(result.communities)),
              file=sys.stderr)
        csv = {"index": False, "float_format": "%.6g"}
        # "no election yet" is written as an empty cell (NaN), not the model's 0, in every CSV (summary.csv's
        # mean then is NaN too); text that is not ASCII (a scenario named in Chinese) makes the file UTF-8
        # with a BOM, so Excel shows it
        timeseries, communities = (absent_before_first_event(result.timeseries),
                                   absent_before_first_event(result.communities))
        summary = summarise(timeseries, step=at_month, window=window)
        store.write("timeseries.csv", lambda path: timeseries.to_csv(path, encoding=csv_encoding(timeseries), **csv))
        encoding = csv_encoding(communities)
        if len(communities) > COMMUNITY_ROWS_PLAIN:      # gzip: about a tenth of the size, read by pandas as is
            store.write("communities.csv.gz",
                        lambda path: write_communities_gz(communities, path, encoding, csv["float_format"], workers))
        else:
            store.write("communities.csv", lambda path: communities.to_csv(path, encoding=encoding, **csv))
        store.write("summary.csv", lambda path: summary.to_csv(path, encoding=csv_encoding(summary), **csv))
        if sets is not None:
            table = sets.table(result.seeds)
            store.write("parameter_sets.csv", lambda path: table.to_csv(path, index=False, float_format="%.10g"))
        scale = overrides["scale"] if overrides else scenarios[0].parameters["scale"]
        # figures, differences.csv, report.md and report.html, drawn aside and moved in one by one
        print(tr("Drawing the figures and the report ...", lang), file=sys.stderr)
        with tempfile.TemporaryDirectory(dir=out, prefix=".render-") as aside:
            drawn = write_reports(Path(aside), scenarios, result.timeseries, summary, steps=args.steps,
                                  replications=args.replications, master_seed=args.seed, scale=scale,
                                  lang=args.lang, uncertainty=sets.source if sets else "seeds",
                                  step=at_month, window=window)
            for file_name, path in drawn.items():
                store.write(file_name, lambda target, source=path: shutil.copyfile(source, target))
        store.mark("complete", wall_seconds=round(time.time() - started, 2), replication_seeds=result.seeds)
    if not getattr(args, "keep_replications", False):
        prune_replications(out)
    print(tr("Done in {seconds:.1f} s. Open {path}", args.lang, seconds=time.time() - started,
             path=out / "report.html"), file=sys.stderr)
    return out


def cmd_status(folder: Path) -> int:
    """Say whether a folder holds complete results; summarise them only if it does."""
    from model.study.store import status_report
    code, text = status_report(folder)
    print(text)
    return code


def cmd_list() -> None:
    from model.scenario import list_scenarios, load_scenario
    for path in list_scenarios():
        s = load_scenario(path)
        print(f"{s.name:28s} {s.title_en}")
        print(f"{'':28s} {s.title_zh}")


def cmd_params(lang: str, markdown: bool = False, as_json: bool = False) -> None:
    from model.parameters import as_json_records, as_markdown, as_table
    if markdown:
        print(as_markdown(), end="")
        return
    if as_json:
        print(json.dumps(as_json_records(), indent=1, ensure_ascii=False))
        return
    for row in as_table():
        label = row["label_en"] if lang == "en" else row["label_zh"]
        print(f"{row['name']:48s} {row['default']!s:>10s}  {row['unit']:28s} {row['range']:16s} "
              f"{row['plausible']:16s} {row['role']:11s} {row['source_kind']:10s} {label}")
