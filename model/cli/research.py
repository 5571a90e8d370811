"""The research commands: sweep, sensitivity, discover and calibrate (with or without --fit).

The four that sweep share one course (:func:`swept`): the scenarios with --scale applied, the
design checked against them before any folder is made, the locked results folder, the sweep into
it; each then analyses the sweep and writes its own files before the folder is marked complete.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..study.seeds import DEFAULT_SEED
from .parser import DEFAULT_STEPS
from .study import check_scale, git_commit, prune_replications, versions
from .words import tr


def lang(args) -> str:
    return getattr(args, "lang", "en")


def say_done(args, started: float, path: Path, open_it: bool = False) -> None:
    """The last line of a research command: how long it took and the file to read first."""
    text = "Done in {seconds:.1f} s. Open {path}" if open_it else "Done in {seconds:.1f} s: {path}"
    print(tr(text, lang(args), seconds=time.time() - started, path=path), file=sys.stderr)


@dataclass
class Swept:
    """An open research folder (``store``) holding a finished sweep (``result``)."""
    store: object
    result: object
    started: float

    def failed(self) -> int:
        return int((self.result.runs["status"] != "ok").sum())


@contextmanager
def swept(command: str, label: str, design, scenarios, args, describe_as: str | None = None,
          **described) -> Iterator[Swept]:
    """Check the plan, open the results folder (--out, or one named after ``command`` and
    ``label``) and run the sweep into it; the caller analyses it and calls ``finish``."""
    from model.research.folder import describe, results_folder, sweep_into
    from model.research.sweep import plan
    plan(design, scenarios, args.replications, args.steps, args.seed)     # bad input before any folder is made
    out = research_folder(command, scenarios, args, label)
    description = describe(describe_as or command, design, scenarios, args.replications, args.steps, args.seed,
                           **described)
    started = time.time()
    with results_folder(out, description, args.overwrite, versions=versions(), git_commit=git_commit()) as store:
        result = sweep_into(store, design, scenarios, args.replications, args.steps, args.seed, args.workers,
                            args.scheduler)
        yield Swept(store, result, started)


MORRIS_INDICES = Path(__file__).resolve().parents[2] / "benchmarks" / "morris_indices.csv"
SMC_TOP = 12      # calibrate --fit --method smc without --vary: the parameters the kept Morris screen ranks highest


def influential(path: Path = MORRIS_INDICES, top: int = SMC_TOP) -> list[str] | None:
    """The ``top`` parameters of the whole Morris screen (benchmarks/morris_indices.csv): each parameter's
    largest mu_star over the outcomes, each outcome's mu_star taken relative to its largest; None without
    the file."""
    import pandas as pd

    from model.parameters import PARAMETERS
    if not path.is_file():
        return None
    table = pd.read_csv(path)
    table = table[table["parameter"].map(lambda n: n in PARAMETERS and PARAMETERS[n].role == "uncertainty")]
    relative = table["mu_star"] / table.groupby("outcome")["mu_star"].transform("max")
    ranked = relative.groupby(table["parameter"]).max().sort_values(ascending=False, kind="stable")
    return list(ranked.index[:top])


def fitted_patterns(args, every: dict) -> list:
    """The checks a fit targets: those its --steps can read, less the ones --leave-out names."""
    from model.errors import InputError
    from model.research.calibration import CHECKS
    from model.research.fitting import pattern_names, patterns_within
    names = pattern_names(CHECKS)
    for name in args.leave_out or []:
        if name not in names:
            raise InputError("command line", "--leave-out", f"a pattern name: {', '.join(names)}", name)
    kept = [c for c, n in zip(CHECKS, names, strict=True) if n not in (args.leave_out or [])]
    if not kept:
        raise InputError("command line", "--leave-out", "at least one pattern left to fit", ", ".join(args.leave_out))
    return patterns_within(args.steps, kept, every)


def cmd_calibrate_smc(args) -> Path:
    """calibrate --fit --method smc or smc-mcmc: ABC-SMC (pyabc, or with Metropolis moves) over the influential
    parameters, resumable."""
    from model.errors import InputError
    from model.research.calibration import CHECKS
    from model.research.fitting import scenarios_read
    from model.research.folder import results_folder
    from model.research.smc import check_population, report, run_smc
    from model.research.smc_mcmc import run_smc_mcmc
    from model.research.sweep import executor_for
    from model.study.design import factors_from
    moves = args.moves if args.method == "smc-mcmc" else None
    if moves is None and getattr(args, "scheduler", None):
        raise InputError("command line", "--scheduler", "--method smc-mcmc or rejection (pyabc's smc runs on this "
                         "machine's processes only)", args.scheduler)
    every = {s.name: s for s in research_scenarios(scenarios_read(CHECKS), [], args)}
    patterns = fitted_patterns(args, every)
    scenarios = [every[name] for name in scenarios_read(patterns)]
    names = args.vary or influential()
    if not args.vary:
        what = (f"the {len(names)} parameters the kept Morris screen ranks highest" if names
                else "every uncertainty parameter (no benchmarks/morris_indices.csv)")
        print(f"Varying {what}", file=sys.stderr)
    factors = factors_from(names)
    check_population(args.population, factors, "command line", "--population")
    folder = (f"calibrate_smc_p{args.population}_g{args.generations}" if moves is None
              else f"calibrate_smc_mcmc_p{args.population}_m{moves}")
    out = args.out if args.out is not None else Path.cwd() / "results" / folder
    description = {"command": f"calibrate --fit --method {args.method}", "model": versions().get("shequ"),
                   "steps": args.steps, "master_seed": args.seed, "population": args.population,
                   # population t of smc-mcmc depends only on t-1 and the seed: more --generations continue a fit
                   **({"generations": args.generations} if moves is None else {"moves": moves}),
                   "factors": [[f.name, f.low, f.high] for f in factors],
                   "patterns": [[c.key, c.measure, c.low, c.high] for c in patterns],
                   "scenarios": [{"name": s.name, "parameters": s.parameters, "reforms": s.as_dict()["reforms"]}
                                 for s in scenarios]}
    started = time.time()
    kept = "smc.db" if moves is None else "smc_mcmc/"
    with results_folder(Path(out), description, args.overwrite, kept=lambda store: "the finished populations are "
                        f"kept ({kept})", versions=versions(), git_commit=git_commit(),
                        **({} if moves is None else {"generations": args.generations})) as store:
        workers = args.workers or os.cpu_count() or 1
        if moves is None:
            fit = run_smc(factors, scenarios, patterns, store.folder, args.population, args.generations, args.steps,
                          args.seed, workers)
        else:
            with executor_for(getattr(args, "scheduler", None)) as executor:
                fit = run_smc_mcmc(factors, scenarios, patterns, store.folder, args.population, args.generations,
                                   args.steps, args.seed, workers, moves, executor)
        csv = {"index": False, "float_format": "%.8g"}
        store.write("accepted.csv", lambda path: fit.accepted.to_csv(path, **csv))
        store.write("posterior.csv", lambda path: fit.posterior.to_csv(path, **csv))
        store.write("populations.csv", lambda path: fit.populations.to_csv(path, **csv))
        store.write("identification.csv", lambda path: fit.identification.to_csv(path, **csv))
        store.write_text("fit_report.md", report(fit, args.population, args.generations, args.steps, moves))
        identified = list(fit.posterior.loc[fit.posterior["identified"], "parameter"])
        store.mark("complete", wall_seconds=round(time.time() - started, 2), identified=identified)
    print(f"ABC-SMC: {len(fit.populations)} population(s), last tolerance {fit.populations['epsilon'].iloc[-1]:.4g}; "
          f"identified {len(identified)} of {len(factors)} parameter(s)" + (f": {', '.join(identified)}" if identified
                                                                          else ""))
    say_done(args, started, store.folder / "fit_report.md", open_it=True)
    return store.folder


def cmd_calibrate_fit(args) -> Path:
    """calibrate --fit: the LHS sweep through the scenarios the checks read, then model.research.fitting."""
    if getattr(args, "method", "rejection") in ("smc", "smc-mcmc"):
        return cmd_calibrate_smc(args)
    from model.research.calibration import CHECKS
    from model.research.fitting import analyse, scenarios_read, write_fit
    from model.research.folder import finish
    from model.study.design import factors_from, make_design
    every = {s.name: s for s in research_scenarios(scenarios_read(CHECKS), [], args)}
    patterns = fitted_patterns(args, every)
    scenarios = [every[name] for name in scenarios_read(patterns)]
    design = make_design("lhs", factors_from(args.vary), args.samples, args.seed)
    with swept("calibrate", "fit", design, scenarios, args, describe_as="calibrate --fit", accept=args.accept,
               patterns=[[c.key, c.measure, c.low, c.high] for c in patterns]) as run:
        fit = analyse(run.result, patterns, args.accept)
        write_fit(run.store, fit, len(design.points), args.replications, args.steps)
        finish(run.store, run.started, runs=len(run.result.runs), failed=run.failed(),
               accepted=len(fit.accepted), rule=fit.rule, identified=fit.identified)
    print(f"Accepted {len(fit.accepted)} of {len(design.points)} parameter set(s) ({fit.rule}); "
          f"identified {len(fit.identified)} of {len(design.factors)} parameter(s)"
          + (f": {', '.join(fit.identified)}" if fit.identified else "")
          + f"; {len(fit.informed)} inform(s) some pattern's value"
          + (f": {', '.join(fit.informed)}" if fit.informed else ""))
    say_done(args, run.started, run.store.folder / "fit_report.md", open_it=True)
    return run.store.folder


def cmd_calibrate(replications: int, seed: int) -> None:
    from model.research.calibration import calibrate
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
    from model.report.figures import save
    from model.research.folder import finish
    from model.research.sensitivity import HEADLINE, check_outcomes
    from model.research.sweep_figures import sweep_figures
    from model.study.design import factors_from, make_design
    outcomes = check_outcomes(args.outcomes) if args.outcomes else list(HEADLINE)
    scenarios = research_scenarios(args.scenarios, ["baseline"], args)
    design = make_design(args.design, factors_from(args.vary), args.samples, args.seed)
    with swept("sweep", args.design, design, scenarios, args) as run:
        for name, fig in sweep_figures(run.result, outcomes, args.lang).items():
            run.store.write(name, lambda path, fig=fig: save(fig, path))
        finish(run.store, run.started, runs=len(run.result.runs), failed=run.failed())
    say_done(args, run.started, run.store.folder / "runs.parquet")
    return run.store.folder


def cmd_sensitivity(args) -> Path:
    from model.report.figures import save
    from model.research.folder import finish
    from model.research.sensitivity import (
        DEFAULT_SAMPLES,
        analyse,
        check_outcomes,
        dropped_trajectories,
        figure,
        mu_sigma_figure,
        report,
    )
    from model.study.comparison import csv_encoding  # label_zh: UTF-8 with a BOM, so Excel shows it
    from model.study.design import factors_from, make_design
    args.samples = args.samples or DEFAULT_SAMPLES[args.method]
    outcomes = check_outcomes(args.outcomes)
    scenarios = research_scenarios([args.scenario], ["baseline"], args)
    design = make_design(args.method, factors_from(args.vary), args.samples, args.seed)
    with swept("sensitivity", args.method, design, scenarios, args, outcomes=outcomes, lang=args.lang) as run:
        table = analyse(run.result, args.method, outcomes, args.seed)
        run.store.write("sensitivity.csv", lambda path: table.to_csv(path, index=False, float_format="%.6g",
                                                                  encoding=csv_encoding(table)))
        run.store.write("sensitivity.png",
                        lambda path: save(figure(table, args.method, args.outcomes, args.lang), path))
        if args.method == "morris":
            run.store.write("sensitivity_mu_sigma.png",
                            lambda path: save(mu_sigma_figure(table, args.outcomes, args.lang), path))
        dropped = dropped_trajectories(run.result) if args.method == "morris" else None
        finish(run.store, run.started, runs=len(run.result.runs), failed=run.failed(),
               dropped_trajectories=dropped[0] if dropped else 0)
    report(table, args.method, args.outcomes, dropped)
    say_done(args, run.started, run.store.folder / "sensitivity.csv")
    return run.store.folder


def cmd_discover(args) -> Path:
    from model.report.figures import save
    from model.research.discovery import (
        DEFAULT_DENSITY,
        DEFAULT_SAMPLES,
        box_figure,
        discover,
        summary,
        tradeoff_figure,
    )
    from model.research.folder import finish
    from model.research.sensitivity import check_outcomes
    from model.study.comparison import csv_encoding  # label_zh: UTF-8 with a BOM, so Excel shows it
    from model.study.design import factors_from, make_design
    args.samples = args.samples or DEFAULT_SAMPLES
    density = args.density or DEFAULT_DENSITY
    check_outcomes([args.outcome], field="outcome=")
    scenarios = research_scenarios([args.scenario], ["baseline"], args)
    design = make_design("lhs", factors_from(args.vary), args.samples, args.seed)
    with swept("discover", args.outcome, design, scenarios, args, outcome=args.outcome, threshold=args.threshold,
               miss=args.miss, density=density, lang=args.lang) as run:
        store, result = run.store, run.result
        found = discover(result, args.outcome, args.threshold, args.miss, density, args.seed)
        store.write("prim_boxes.csv", lambda path: found.box.to_csv(path, index=False, float_format="%.6g",
                                                                 encoding=csv_encoding(found.box)))
        if found.message is None:
            store.write("feature_scores.csv", lambda path: found.scores.to_csv(path, index=False, float_format="%.6g",
                                                                            encoding=csv_encoding(found.scores)))
            store.write("prim_tradeoff.png", lambda path: save(tradeoff_figure(found, args.lang), path))
            store.write("prim_box.png", lambda path: save(box_figure(found, args.lang), path))
        store.write_text("discovery.md", summary(found, scenarios[0].name, len(result.runs), len(design.factors),
                                                 args.steps, args.replications))
        finish(store, run.started, runs=len(result.runs), failed=found.failed, cases=found.cases,
               misses=found.misses, box=found.stats)
    if found.message:
        print(found.message, file=sys.stderr)
    else:
        s = found.stats
        print(f"{found.misses} of {found.cases} run(s) miss; PRIM box {found.chosen}: coverage {s['coverage']:.0%}, "
              f"density {s['density']:.0%}, mass {s['mass']:.0%}, restricting "
              + (", ".join(found.box["parameter"]) or "nothing"), file=sys.stderr)
    say_done(args, run.started, store.folder / "discovery.md")
    return store.folder


def cmd_findings(args) -> Path:
    """findings: every scenario the findings read, one posterior parameter set per replication (the same
    seed and set in every scenario), then each finding's paired effect per draw, its sign share and
    verdict; findings.md, findings.zh.md and findings.csv go into the folder and into --docs."""
    from model.errors import InputError
    from model.research import findings as fd
    from model.research.folder import results_folder
    from model.study.comparison import csv_encoding
    from model.study.experiment import check_study, replication_keys, run_study
    from model.study.store import resolve_out
    from model.study.uncertainty import completed_with_plausible, posterior_path, posterior_sets, read_posterior

    fd.check_findings()
    fd.check_steps(args.steps, source="command line", field="--steps")
    docs = Path(args.docs)
    if not docs.is_dir():
        raise InputError("command line", "--docs", "an existing folder for findings.md and findings.zh.md", docs)
    file = posterior_path(args.posterior if args.posterior is not None else fd.DEFAULT_POSTERIOR)
    replications = args.replications or len(read_posterior(file))
    sets = completed_with_plausible(posterior_sets(file, replications, args.seed), args.seed)
    scenarios = fd.scenarios_for()
    overrides = check_scale(scenarios, args.scale)
    check_study(scenarios, replications, args.steps, args.workers or 1, overrides, source="command line",
                parameter_sets=sets)
    out = resolve_out(Path(args.out) if args.out is not None else Path.cwd() / "results" / "findings")
    keys = replication_keys(scenarios, replications)
    description = {"command": "findings", "model": versions().get("shequ"), "steps": args.steps,
                   "replications": replications, "master_seed": args.seed, "overrides": overrides or {},
                   "findings": [vars(f) for f in fd.FINDINGS],
                   "scenarios": [{"name": s.name, "parameters": {**s.parameters, **(overrides or {})},
                                  "reforms": s.as_dict()["reforms"]} for s in scenarios],
                   "parameter_uncertainty": {k: v for k, v in sets.describe().items() if k != "file"}}
    started = time.time()
    commit = git_commit()
    with results_folder(out, description, args.overwrite, kept=lambda store: f"{store.stored_replications(keys)} of "
                        f"{len(keys)} replication(s) stored", versions=versions(), git_commit=commit) as store:
        print(f"Findings: {len(scenarios)} scenario(s) x {replications} posterior draw(s) from {file}, "
              f"{args.steps} months -> {out}", file=sys.stderr)
        result = run_study(scenarios, replications, args.steps, args.seed, args.workers, overrides, store=store,
                           parameter_sets=sets)
        effects = fd.effects(result.timeseries, result.communities, scenarios={s.name: s for s in scenarios})
        table_sets = sets.table(result.seeds)
        table = fd.summarise(effects, fd.parameter_columns(table_sets))
        scale = overrides["scale"] if overrides else scenarios[0].parameters["scale"]
        given = [("--posterior", args.posterior), ("--replications", args.replications), ("--scale", args.scale)]
        given += [(o, v) for o, v, default in (("--steps", args.steps, DEFAULT_STEPS),
                                               ("--seed", args.seed, DEFAULT_SEED)) if v != default]
        command = "python run.py findings" + "".join(f" {o} {v:g}" if isinstance(v, float) else f" {o} {v}"
                                                     for o, v in given if v is not None)
        run = {"steps": args.steps, "scale": f"{scale:g}", "seed": args.seed, "scenarios": len(scenarios),
               "commit": (commit or "unknown")[:12]}
        shown = str(args.posterior) if args.posterior is not None else "docs/fit/accepted.csv"
        texts = {"findings.md": fd.document(table, "en", command, shown, run),
                 "findings.zh.md": fd.document(table, "zh", command, shown, run)}
        csv = {"index": False, "float_format": "%.6g"}
        store.write("effects.csv", lambda path: effects.merge(table_sets, on="replication").to_csv(path, **csv))
        store.write("parameter_sets.csv", lambda path: table_sets.to_csv(path, index=False, float_format="%.10g"))
        store.write("findings.csv", lambda path: table.to_csv(path, encoding=csv_encoding(table), **csv))
        for name, text in texts.items():
            store.write_text(name, text)
        for name in ("findings.md", "findings.zh.md", "findings.csv"):
            target = docs / name
            part = target.with_name(f".{name}.part")
            part.write_bytes((store.folder / name).read_bytes())
            part.replace(target)
        store.mark("complete", wall_seconds=round(time.time() - started, 2), draws=replications,
                   verdicts=dict(zip(table["finding"], table["verdict"], strict=True)))
    prune_replications(out)       # every run is in the tables now; a rerun recomputes them
    for r in table.itertuples():
        print(f"{r.verdict:8s} {r.finding:13s} sign holds in {r.sign_share:4.0%} of {r.draws} draw(s); mean "
              f"{r.mean_effect:+.4g} [{r.ci_low:+.4g}, {r.ci_high:+.4g}]  {r.claim_en}")
    print(f"Wrote {docs / 'findings.md'}, {docs / 'findings.zh.md'} and {docs / 'findings.csv'}", file=sys.stderr)
    say_done(args, started, out / "findings.md")
    return out
