"""Shequ command line: run reform scenarios and write results, figures and a report.

Each study writes results/<name>/: timeseries.csv (district metrics every month),
communities.csv (every community), summary.csv (final-month mean and 95% CI),
timeseries.png and final_comparison.png, report.md (read this first) and
manifest.json (versions, seeds, full parameters). One step is one month.

Examples:
  python run.py                               the default study: every scenario in scenarios/
  python run.py list                          the scenarios, with what each represents
  python run.py run baseline burden_reduction --replications 10 --steps 120
  python run.py run my_scenario.toml --out results/mine
  python run.py run baseline burden_reduction --parameter-uncertainty plausible --replications 20
  python run.py params                        every parameter with unit, range and source
  python run.py status results/baseline       is that folder complete, interrupted or failed?

Run the same command again after an interrupt (Ctrl-C, SIGTERM, a full disk) to resume: finished
replications are kept in the folder's replications/ and reused. A folder holding another study is
refused unless --overwrite is given. Installed, the command is also called `shequ`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from model.experiment import DEFAULT_SEED
from model.runner import Interrupted, StudyFailed, kill_children
from model.store import WriteFailed

ROOT = Path(__file__).resolve().parent.parent   # the source checkout, for the git commit
DEFAULT_REPLICATIONS = 5
DEFAULT_STEPS = 120
FIT_SAMPLES = 100        # calibrate --fit's prior sample: 100 points x 6 scenarios = 600 runs, minutes on a laptop
FIT_ONLY = ("samples", "vary", "steps", "out", "workers", "scheduler", "scale", "overwrite", "accept")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def bounded(convert: type, name: str, low: float, high: float):
    """An argparse type: ``convert`` the text and check it lies in [low, high], else a
    one-line InputError naming the option."""
    noun = "an integer" if convert is int else "a number"

    def parse(text: str):
        from model.errors import InputError
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            shown = f"[{low}, {high}]" if convert is int else f"[{low:g}, {high:g}]"
            raise InputError("command line", name, f"{noun} in {shown}", text)
        return value
    return parse


def bounded_int(name: str, low: int, high: int):
    return bounded(int, name, low, high)


def folder_path(text: str) -> Path:
    """An argparse type: a non-empty path (an empty one would silently mean the current folder)."""
    if not text.strip():
        from model.errors import InputError
        raise InputError("command line", "--out", "a folder path", text)
    return Path(text)


def scheduler_address(text: str) -> str:
    """An argparse type: a non-empty scheduler address (see model.sweep.check_scheduler)."""
    from model.sweep import check_scheduler
    return check_scheduler(text)


def add_run_options(p: argparse.ArgumentParser, top_level: bool = False) -> None:
    """The study options. Sub-commands leave unset options alone, so an option given before
    the command (``run.py --steps 6 run baseline``) is not reset by the sub-command's default."""
    default = (lambda value: value) if top_level else (lambda value: argparse.SUPPRESS)
    p.add_argument("--replications", type=bounded_int("--replications", 1, 1000),
                   default=default(DEFAULT_REPLICATIONS),
                   help=f"replications per scenario, each with its own seed (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--steps", type=bounded_int("--steps", 1, 1200), default=default(DEFAULT_STEPS),
                   help=f"months to simulate after the warm-up (default {DEFAULT_STEPS} = 10 years)")
    p.add_argument("--seed", type=bounded_int("--seed", 0, 2**63 - 1), default=default(DEFAULT_SEED),
                   help=f"master seed; replication seeds are derived from it (default {DEFAULT_SEED})")
    p.add_argument("--out", type=folder_path, default=default(None),
                   help="output folder (default results/<study name and non-default options> in the current folder); "
                        "the same command into the same folder resumes an interrupted study")
    p.add_argument("--workers", type=bounded_int("--workers", 1, 256), default=default(None),
                   help="parallel processes (default: all cores); results do not depend on it")
    p.add_argument("--scale", type=bounded(float, "--scale", 0.001, 1.0), default=default(None),
                   help="share of real residents simulated, overriding the scenarios (1 = 1:1)")
    p.add_argument("--overwrite", action="store_true", default=default(False),
                   help="replace what is in --out even if it is another study or not a results folder")
    p.add_argument("--lang", choices=("en", "zh"), default=default("en"),
                   help="language of report.md and the figures (default en; zh needs a CJK font for figures)")
    p.add_argument("--parameter-uncertainty", choices=("plausible", "posterior"), default=default(None),
                   help="give each replication its own parameter set as well as its seed (the same pair in "
                        "every scenario): plausible = a Latin hypercube over every `uncertainty` parameter's "
                        "plausible range; posterior = rows of a calibration's accepted.csv (see --posterior)")
    p.add_argument("--posterior", default=default(None), metavar="FILE_OR_DIR",
                   help="the accepted.csv written by `run.py calibrate --fit`, or its folder "
                        "(with --parameter-uncertainty posterior)")


def add_sweep_options(p: argparse.ArgumentParser, samples: int | None, replications: int = 1,
                      samples_help: str | None = None) -> None:
    """Options shared by sweep, sensitivity, discover and calibrate --fit."""
    p.add_argument("--samples", type=bounded_int("--samples", 1, 1_000_000), default=samples,
                   help=samples_help or f"size of the design (see --design; default {samples})")
    p.add_argument("--vary", action="append", metavar="NAME[=LOW:HIGH]",
                   help="a parameter to vary (repeat the option); NAME alone uses its plausible range; "
                        "reform parameters such as burden_reduction.ledgers need LOW:HIGH "
                        "(default: every `uncertainty` parameter)")
    p.add_argument("--replications", type=bounded_int("--replications", 1, 1000), default=replications,
                   help=f"seeds per design point and scenario (default {replications})")
    p.add_argument("--steps", type=bounded_int("--steps", 1, 1200), default=DEFAULT_STEPS,
                   help=f"months per run (default {DEFAULT_STEPS})")
    p.add_argument("--seed", type=bounded_int("--seed", 0, 2**63 - 1), default=DEFAULT_SEED,
                   help=f"master seed of the design and the replications (default {DEFAULT_SEED})")
    p.add_argument("--out", type=folder_path, default=None, help="output folder (default results/<command>_...)")
    p.add_argument("--workers", type=bounded_int("--workers", 1, 256), default=None,
                   help="local processes (default: all cores); results do not depend on it")
    p.add_argument("--scheduler", default=None, metavar="ADDR", type=scheduler_address,
                   help="a Dask distributed scheduler, e.g. tcp://10.0.0.5:8786, instead of local processes")
    p.add_argument("--scale", type=bounded(float, "--scale", 0.001, 1.0), default=None,
                   help="share of real residents simulated, overriding the scenarios")
    p.add_argument("--overwrite", action="store_true", help="replace what is in --out")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser, metavar="COMMAND")
    run = sub.add_parser("run", help="run one or more scenarios (names from `list`, or .toml paths)",
                         description="Run scenarios x replications and write results/<name>/.")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                     help="a scenario name from scenarios/ or a path to a .toml file")
    run.add_argument("--name", default=None, help="study name for the output folder (default: scenario names)")
    add_run_options(run)
    sub.add_parser("list", help="list the scenarios in scenarios/ with their titles")
    params = sub.add_parser("params", help="print the parameter registry")
    params.add_argument("--lang", choices=("en", "zh"), default="en", help="label language")
    params.add_argument("--markdown", action="store_true",
                        help="print a Markdown table with both labels (docs/parameters.md is made this way)")
    params.add_argument("--json", action="store_true",
                        help="print the whole registry as a JSON list (every field of every entry)")
    cal = sub.add_parser("calibrate", help="compare the model with the stylized facts (SF4, SF6, SF7, SF9, SF10); "
                         "--fit: which parameter values reproduce them", conflict_handler="resolve",
                         description="Without --fit: run the stylized-fact checks at the defaults and print "
                         "each measure against its target range. With --fit: pattern-oriented rejection ABC over "
                         "the uncertainty parameters (a Latin hypercube prior sample, every check at once); "
                         "writes patterns.csv, accepted.csv, posterior.csv, identification.csv, fit_report.md "
                         "and posterior.png.")
    cal.add_argument("--fit", action="store_true",
                     help="fit: find the parameter sets that reproduce every stylized fact (see docs/research.md)")
    add_sweep_options(cal, samples=FIT_SAMPLES)
    cal.add_argument("--samples", type=bounded_int("--samples", 1, 1_000_000), default=FIT_SAMPLES,
                     help=f"with --fit: points of the Latin-hypercube prior sample (default {FIT_SAMPLES})")
    cal.add_argument("--accept", type=bounded(float, "--accept", 0.001, 1.0), default=None, metavar="Q",
                     help="with --fit: keep the fraction Q of points nearest the targets (rejection ABC) instead "
                          "of the points inside every target range (default; the nearest 10%% if fewer pass)")
    cal.add_argument("--replications", default=None, metavar="R",
                     help="seeds per scenario (default 5); with --fit seeds per design point and scenario (default 1)")
    cal.add_argument("--seed", type=bounded_int("--seed", 0, 2**63 - 1), default=DEFAULT_SEED,
                     help=f"master seed (default {DEFAULT_SEED})")
    status = sub.add_parser("status", help="say whether a results folder is complete, interrupted or failed")
    status.add_argument("folder", type=Path, help="a results folder")
    app = sub.add_parser("app", help="start the workshop app in the browser (offline; Chinese first)",
                         description="Serve the bilingual workshop app on this machine and print its address.")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=bounded_int("--port", 1, 65535), default=8765, help="port (default 8765)")
    app.add_argument("--lang", choices=("zh", "en"), default="zh", help="first language (switchable in the app)")
    app.add_argument("--district", default="", help="size overrides, e.g. n_streets=3,communities_per_street=4")
    sweep = sub.add_parser("sweep", help="a design over uncertain parameters x scenarios x replications (Parquet)",
                           description="Run a design (Latin hypercube, full factorial, Morris or Sobol) over "
                           "parameters (default: every `uncertainty` parameter over its plausible range) crossed "
                           "with scenarios and replications; write runs.parquet, timeseries.parquet, design.csv "
                           "and manifest.json.")
    sweep.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scenarios (strategies) to cross with "
                       "the design (default: baseline)")
    sweep.add_argument("--design", choices=("lhs", "factorial", "morris", "sobol"), default="lhs",
                       help="lhs: N points; factorial: N levels per parameter; morris: N trajectories; "
                            "sobol: Saltelli's N x (k + 2) points (default lhs)")
    add_sweep_options(sweep, samples=64)
    sens = sub.add_parser("sensitivity", help="global sensitivity of one scenario: Morris screening or Sobol "
                          "indices (SALib)", description="Run a Morris or Sobol design over parameters (default: "
                          "every `uncertainty` parameter over its plausible range) on one scenario and write "
                          "sensitivity.csv (outcome, parameter, mu_star, mu_star_conf, sigma, mu or S1, S1_conf, "
                          "ST, ST_conf) and sensitivity.png, with the sweep's runs.parquet and timeseries.parquet.")
    sens.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO",
                      help="the scenario (strategy) to analyse (default baseline)")
    sens.add_argument("--method", choices=("morris", "sobol"), default="morris",
                      help="morris: elementary effects, a screen; sobol: first-order and total indices "
                           "(default morris)")
    add_sweep_options(sens, samples=None, samples_help="morris: trajectories (default 10), N x (k + 1) runs; "
                      "sobol: base sample N, best a power of two (default 64), N x (k + 2) runs")
    sens.add_argument("--outcomes", nargs="+", metavar="METRIC", default=None,
                      help="metrics to analyse (default: every metric; the figure shows a few headline ones)")
    sens.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the figure (default en)")
    disc = sub.add_parser("discover", help="scenario discovery (PRIM): which uncertain ranges make a strategy "
                          "miss a threshold", description="Run a Latin hypercube over parameters (default: every "
                          "`uncertainty` parameter over its plausible range) on one scenario, mark the runs whose "
                          "final-month outcome misses the threshold, and find with PRIM (EMA Workbench) the box of "
                          "parameter ranges where misses are dense. Writes prim_boxes.csv, prim_tradeoff.png, "
                          "prim_box.png, feature_scores.csv and discovery.md, with the sweep's runs.parquet.")
    disc.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO",
                      help="the scenario (strategy) to examine (default baseline)")
    disc.add_argument("--outcome", required=True, metavar="METRIC", help="the metric the strategy should meet")
    disc.add_argument("--threshold", required=True, type=bounded(float, "--threshold", -1e300, 1e300),
                      help="its target, in the metric's own unit as in runs.parquet (shares as 0-1)")
    disc.add_argument("--miss", choices=("below", "above"), default="below",
                      help="below: a value below the threshold is a miss (default; for shares, trust, turnout); "
                           "above: a value above it is (for costs, waits, burdens)")
    disc.add_argument("--density", type=bounded(float, "--density", 0.01, 1.0), default=None,
                      help="PRIM density target: the box with the highest coverage among those where at least this "
                           "share of runs miss (default 0.9)")
    add_sweep_options(disc, samples=None, samples_help="Latin-hypercube points (default 200)")
    disc.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the figures (default en)")
    study = sub.add_parser("study", help="the default study (same as no command): every scenario")
    add_run_options(study)
    add_run_options(parser, top_level=True)
    return parser


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
    for pkg in ("shequ", "mesa", "numpy", "pandas", "scipy", "matplotlib", "networkx", "tqdm"):
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


def run_and_write(scenarios, name: str, args) -> Path:
    """Run the study into its results folder: locked, resumable, every file written atomically,
    manifest status running -> complete (or interrupted / failed)."""
    from model.experiment import check_study, run_study
    from model.report import write_reports
    from model.research import results_folder
    from model.scenario import check_unique_names
    from model.store import resolve_out
    from model.uncertainty import parameter_sets

    check_unique_names(scenarios)
    overrides = check_scale(scenarios, args.scale)
    workers = args.workers or os.cpu_count() or 1
    sets = parameter_sets(getattr(args, "parameter_uncertainty", None), args.replications, args.seed,
                          getattr(args, "posterior", None))
    check_study(scenarios, args.replications, args.steps, workers, overrides, source="command line",
                parameter_sets=sets)
    out = Path(args.out if args.out is not None else Path.cwd() / "results" / study_folder_name(name, args))
    out = resolve_out(out)
    total = len(scenarios) * args.replications

    def kept(store) -> str:
        return f"{store.stored_replications()} of {total} replication(s) stored"

    started = time.time()
    manifest = dict(
        study=name, git_commit=git_commit(), versions=versions(), steps=args.steps,
        replications=args.replications, master_seed=args.seed, overrides=overrides or {},
        scenarios=[{**s.as_dict(), "parameters": {**s.parameters, **(overrides or {})}} for s in scenarios],
        **({"parameter_uncertainty": {"source": sets.source, "file": sets.file, "draws": list(sets.draws),
                                      "parameters": len(sets.names), "values": "parameter_sets.csv"}} if sets else {}))
    with results_folder(out, study_description(scenarios, args, overrides, sets), args.overwrite, kept=kept,
                        **manifest) as store:
        reused = store.stored_replications()
        print(f"Running {len(scenarios)} scenario(s) x {args.replications} replication(s), {args.steps} months"
              + (f", each replication with its own {sets.source} parameter set" if sets else "")
              + (f" ({reused} stored replication(s) reused)" if reused else "") + f" -> {out}",
              file=sys.stderr)
        result = run_study(scenarios, args.replications, args.steps, args.seed, workers, overrides,
                           store=store, parameter_sets=sets)
        summary = result.summary()
        csv = {"index": False, "float_format": "%.6g"}
        store.write("timeseries.csv", lambda p: result.timeseries.to_csv(p, **csv))
        store.write("communities.csv", lambda p: result.communities.to_csv(p, **csv))
        store.write("summary.csv", lambda p: summary.to_csv(p, **csv))
        if sets is not None:
            table = sets.table(result.seeds)
            store.write("parameter_sets.csv", lambda p: table.to_csv(p, index=False, float_format="%.10g"))
        scale = overrides["scale"] if overrides else scenarios[0].parameters["scale"]
        # figures, differences.csv, report.md and report.html, drawn aside and moved in one by one
        with tempfile.TemporaryDirectory(dir=out, prefix=".render-") as aside:
            drawn = write_reports(Path(aside), scenarios, result.timeseries, summary, steps=args.steps,
                                  replications=args.replications, master_seed=args.seed, scale=scale,
                                  lang=args.lang, uncertainty=sets.source if sets else "seeds")
            for file_name, path in drawn.items():
                store.write(file_name, lambda p, path=path: shutil.copyfile(path, p))
        store.mark("complete", wall_seconds=round(time.time() - started, 2), replication_seeds=result.seeds)
    print(f"Done in {time.time() - started:.1f} s. Open {out / 'report.md'}", file=sys.stderr)
    return out


def cmd_status(folder: Path) -> int:
    """Say whether a folder holds complete results; summarise them only if it does."""
    from model.store import status_report
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


def calibrate_arguments(args) -> None:
    """--replications of calibrate: [2, 100], default 5, as before --fit existed; with --fit
    [1, 1000], default 1. The sweep options are refused without --fit."""
    from model.errors import InputError
    if args.fit:
        args.replications = bounded_int("--replications", 1, 1000)(args.replications or "1")
        return
    args.replications = bounded_int("--replications", 2, 100)(args.replications or "5")
    defaults = vars(build_parser().parse_args(["calibrate"]))
    given = [name for name in FIT_ONLY if getattr(args, name) != defaults[name]]
    if given:
        option = "--" + given[0].replace("_", "-")
        raise InputError("command line", option, "--fit with it (it sets up the fit's sweep)",
                         getattr(args, given[0]) if given[0] != "overwrite" else None)


def cmd_calibrate_fit(args) -> Path:
    """calibrate --fit: the LHS sweep through the scenarios the checks read, then model.fitting."""
    from model.calibration import CHECKS
    from model.design import factors_from, make_design
    from model.fitting import analyse, patterns_within, scenarios_read, write_fit
    from model.research import describe, finish, results_folder, sweep_into
    from model.sweep import plan
    every = {s.name: s for s in research_scenarios(scenarios_read(CHECKS), [], args)}
    patterns = patterns_within(args.steps, CHECKS, every)
    scenarios = [every[name] for name in scenarios_read(patterns)]
    design = make_design("lhs", factors_from(args.vary), args.samples, args.seed)
    plan(design, scenarios, args.replications, args.steps, args.seed)     # bad input before any folder is made
    out = research_folder("calibrate", scenarios, args, "fit")
    description = describe("calibrate --fit", design, scenarios, args.replications, args.steps, args.seed,
                           accept=args.accept, patterns=[[c.key, c.measure, c.low, c.high] for c in patterns])
    started = time.time()
    with results_folder(out, description, args.overwrite, versions=versions(), git_commit=git_commit()) as store:
        result = sweep_into(store, design, scenarios, args.replications, args.steps, args.seed, args.workers,
                            args.scheduler)
        fit = analyse(result, patterns, args.accept)
        write_fit(store, fit, len(design.points), args.replications, args.steps)
        finish(store, started, runs=len(result.runs), failed=int((result.runs["status"] != "ok").sum()),
               accepted=len(fit.accepted), rule=fit.rule, identified=fit.identified)
    print(f"Accepted {len(fit.accepted)} of {len(design.points)} parameter set(s) ({fit.rule}); "
          f"identified {len(fit.identified)} of {len(design.factors)} parameter(s)"
          + (f": {', '.join(fit.identified)}" if fit.identified else "")
          + f"; {len(fit.informed)} inform(s) some pattern's value"
          + (f": {', '.join(fit.informed)}" if fit.informed else ""))
    print(f"Done in {time.time() - started:.1f} s. Open {store.folder / 'fit_report.md'}", file=sys.stderr)
    return store.folder


def cmd_calibrate(replications: int, seed: int) -> None:
    from model.calibration import calibrate
    table = calibrate(replications, seed)
    for r in table.itertuples():
        verdict = "ok " if r.in_range else "OFF"
        print(f"{verdict} {r.key:5s} {r.mean:8.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]  target {r.target:12s} "
              f"{r.measure}  ({r.fact})")


def research_scenarios(names: list[str], default: list[str], args) -> list:
    """The scenarios a research command crosses with its design, with --scale applied."""
    from dataclasses import replace

    from model.errors import InputError
    from model.scenario import load_scenario
    scenarios = [load_scenario(s) for s in (names or default)]
    files = [str(Path(s.path).resolve()) for s in scenarios if s.path]
    if len(set(files)) != len(files):
        raise InputError("command line", "SCENARIO", "each scenario once", ", ".join(s.name for s in scenarios))
    scale = check_scale(scenarios, args.scale)
    return [replace(s, parameters={**s.parameters, **scale}) for s in scenarios] if scale else scenarios


def research_folder(command: str, scenarios, args, method: str) -> Path:
    """--out, or results/<command>_<method>_<scenarios>_n<samples>[_options]."""
    if args.out is not None:
        return Path(args.out)
    names = "+".join(s.name for s in scenarios) if len(scenarios) <= 3 else f"{len(scenarios)}_scenarios"
    parts = [command, method, names, f"n{args.samples}"]
    for option, value, default in (("steps", args.steps, DEFAULT_STEPS), ("reps", args.replications, 1),
                                   ("seed", args.seed, DEFAULT_SEED), ("scale", args.scale, None)):
        if value != default:
            parts.append(f"{option}-{value:g}" if isinstance(value, float) else f"{option}-{value}")
    if args.vary:
        parts.append(f"vary-{len(args.vary)}")
    return Path.cwd() / "results" / "_".join(parts)


def cmd_sweep(args) -> Path:
    from model.design import factors_from, make_design
    from model.research import describe, finish, results_folder, sweep_into
    from model.sweep import plan
    scenarios = research_scenarios(args.scenarios, ["baseline"], args)
    design = make_design(args.design, factors_from(args.vary), args.samples, args.seed)
    plan(design, scenarios, args.replications, args.steps, args.seed)     # bad input before any folder is made
    out = research_folder("sweep", scenarios, args, args.design)
    description = describe("sweep", design, scenarios, args.replications, args.steps, args.seed)
    started = time.time()
    with results_folder(out, description, args.overwrite, versions=versions(), git_commit=git_commit()) as store:
        result = sweep_into(store, design, scenarios, args.replications, args.steps, args.seed, args.workers,
                            args.scheduler)
        finish(store, started, runs=len(result.runs), failed=int((result.runs["status"] != "ok").sum()))
    print(f"Done in {time.time() - started:.1f} s: {store.folder / 'runs.parquet'}", file=sys.stderr)
    return store.folder


def cmd_sensitivity(args) -> Path:
    from model.design import factors_from, make_design
    from model.figures import save
    from model.research import describe, finish, results_folder, sweep_into
    from model.sensitivity import DEFAULT_SAMPLES, analyse, check_outcomes, dropped_trajectories, figure, report
    from model.sweep import plan
    args.samples = args.samples or DEFAULT_SAMPLES[args.method]
    outcomes = check_outcomes(args.outcomes)
    scenarios = research_scenarios([args.scenario], ["baseline"], args)
    design = make_design(args.method, factors_from(args.vary), args.samples, args.seed)
    plan(design, scenarios, args.replications, args.steps, args.seed)     # bad input before any folder is made
    out = research_folder("sensitivity", scenarios, args, args.method)
    description = describe("sensitivity", design, scenarios, args.replications, args.steps, args.seed,
                           outcomes=outcomes, lang=args.lang)
    started = time.time()
    with results_folder(out, description, args.overwrite, versions=versions(), git_commit=git_commit()) as store:
        result = sweep_into(store, design, scenarios, args.replications, args.steps, args.seed, args.workers,
                            args.scheduler)
        table = analyse(result, args.method, outcomes, args.seed)
        store.write("sensitivity.csv", lambda p: table.to_csv(p, index=False, float_format="%.6g"))
        store.write("sensitivity.png", lambda p: save(figure(table, args.method, args.outcomes, args.lang), p))
        dropped = dropped_trajectories(result) if args.method == "morris" else None
        finish(store, started, runs=len(result.runs), failed=int((result.runs["status"] != "ok").sum()),
               dropped_trajectories=dropped[0] if dropped else 0)
    report(table, args.method, args.outcomes, dropped)
    print(f"Done in {time.time() - started:.1f} s: {store.folder / 'sensitivity.csv'}", file=sys.stderr)
    return store.folder


def cmd_discover(args) -> Path:
    from model.design import factors_from, make_design
    from model.discovery import DEFAULT_DENSITY, DEFAULT_SAMPLES, box_figure, discover, summary, tradeoff_figure
    from model.figures import save
    from model.research import describe, finish, results_folder, sweep_into
    from model.sensitivity import check_outcomes
    from model.sweep import plan
    args.samples = args.samples or DEFAULT_SAMPLES
    density = args.density or DEFAULT_DENSITY
    check_outcomes([args.outcome], field="--outcome")
    scenarios = research_scenarios([args.scenario], ["baseline"], args)
    design = make_design("lhs", factors_from(args.vary), args.samples, args.seed)
    plan(design, scenarios, args.replications, args.steps, args.seed)     # bad input before any folder is made
    out = research_folder("discover", scenarios, args, args.outcome)
    description = describe("discover", design, scenarios, args.replications, args.steps, args.seed,
                           outcome=args.outcome, threshold=args.threshold, miss=args.miss, density=density,
                           lang=args.lang)
    started = time.time()
    with results_folder(out, description, args.overwrite, versions=versions(), git_commit=git_commit()) as store:
        result = sweep_into(store, design, scenarios, args.replications, args.steps, args.seed, args.workers,
                            args.scheduler)
        found = discover(result, args.outcome, args.threshold, args.miss, density, args.seed)
        store.write("prim_boxes.csv", lambda p: found.box.to_csv(p, index=False, float_format="%.6g"))
        if found.message is None:
            store.write("feature_scores.csv", lambda p: found.scores.to_csv(p, index=False, float_format="%.6g"))
            store.write("prim_tradeoff.png", lambda p: save(tradeoff_figure(found, args.lang), p))
            store.write("prim_box.png", lambda p: save(box_figure(found, args.lang), p))
        store.write_text("discovery.md", summary(found, scenarios[0].name, len(result.runs), len(design.factors),
                                                 args.steps, args.replications))
        finish(store, started, runs=len(result.runs), failed=found.failed, cases=found.cases, misses=found.misses,
               box=found.stats)
    if found.message:
        print(found.message, file=sys.stderr)
    else:
        s = found.stats
        print(f"{found.misses} of {found.cases} run(s) miss; PRIM box {found.chosen}: coverage {s['coverage']:.0%}, "
              f"density {s['density']:.0%}, mass {s['mass']:.0%}, restricting "
              + (", ".join(found.box["parameter"]) or "nothing"), file=sys.stderr)
    print(f"Done in {time.time() - started:.1f} s: {store.folder / 'discovery.md'}", file=sys.stderr)
    return store.folder


def main(argv: list[str] | None = None) -> int:
    from model.errors import InputError
    from model.scenario import list_scenarios, load_scenario

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "list":
            cmd_list()
        elif args.command == "params":
            cmd_params(args.lang, args.markdown, args.json)
        elif args.command == "calibrate":
            calibrate_arguments(args)
            if args.fit:
                cmd_calibrate_fit(args)
            else:
                cmd_calibrate(args.replications, args.seed)
        elif args.command == "status":
            return cmd_status(args.folder)
        elif args.command == "app":
            from model.app import server
            server.parse_district(args.district)
            server.main(args.host, args.port, args.lang, args.district)
        elif args.command == "sweep":
            cmd_sweep(args)
        elif args.command == "sensitivity":
            cmd_sensitivity(args)
        elif args.command == "discover":
            cmd_discover(args)
        elif args.command == "run":
            scenarios = [load_scenario(s) for s in args.scenarios]
            names = [s.name for s in scenarios]
            files = [str(Path(s.path).resolve()) for s in scenarios]
            if len(set(files)) != len(files):
                raise InputError("command line", "SCENARIO", "each scenario once", ", ".join(names))
            if args.name is not None:
                from model.scenario import NAME_PATTERN
                if not NAME_PATTERN.match(args.name):
                    raise InputError("command line", "--name",
                                     "lower-case letters, digits, '_' or '-' (at most 64)", args.name)
            name = args.name or ("+".join(names) if len(names) <= 3 else f"{len(names)}_scenarios")
            run_and_write(scenarios, name, args)
        else:
            scenarios = [load_scenario(p) for p in list_scenarios()]
            if not scenarios:
                raise InputError("scenarios", "folder", "at least one .toml scenario file")
            run_and_write(scenarios, "default_study", args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (StudyFailed, WriteFailed) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Interrupted as exc:
        if argv is None:           # run as a program: end now, with nothing left to interrupt or wait for
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)
            kill_children()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


def entry() -> None:
    """The ``shequ`` console script: main, ending quietly if its output pipe closes early."""
    from model.console import run_main
    sys.exit(run_main(main))


if __name__ == "__main__":
    entry()
