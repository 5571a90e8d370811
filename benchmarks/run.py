#!/usr/bin/env python3
"""Speed and scale benchmark: python benchmarks/run.py [--quick] [--only CASE] [--out FILE].

Runs every case in a fresh Python process (so each peak RSS is that case's own), prints a
table and writes the same figures to benchmarks/results.json, ending with every target beside
its figure. ``--only CASE`` (district, flatness, reference, floor, study, morris) runs one case
and replaces its record in the file, keeping the others. All model cases run the
full reform package (scenarios/seed_district_package.toml) at 1:1 scale (scale = 1.0).
See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

PACKAGE = str(ROOT / "scenarios" / "seed_district_package.toml")
STEPS = 120
# the per-agent reference runs on one community of each size, for fewer months
REFERENCE_CASES = (("community_3000", 3000, 12), ("community_10000", 10000, 6))
TARGETS = {"district_wall_s": 3.0, "district_rss_mib": 2048.0, "flatness": 1.5, "reference_speedup": 100.0,
           "floor_ratio": 5.0, "study_wall_s": 60.0, "morris_wall_s": 600.0}


def structure(streets: int, communities: int, residents: int) -> dict:
    return {"n_streets": streets, "communities_per_street": communities, "residents_per_community": residents,
            "scale": 1.0}


# name -> (what it is, overrides, steps, in --quick)
MODEL_CASES: dict[str, tuple[str, dict, int, bool]] = {
    "community": ("one community of 3,000 (the seed report's direct-election community)",
                  {**structure(1, 1, 3000), "resident_agents": False}, STEPS, True),
    "street": ("one street: 6 communities x 3,000", {**structure(1, 6, 3000), "resident_agents": False}, STEPS, True),
    "scale_30k": ("3 communities x 10,000", {**structure(1, 3, 10000), "resident_agents": False}, STEPS, True),
    "scale_60k": ("a street at 1:1: 6 x 10,000", {**structure(1, 6, 10000), "resident_agents": False}, STEPS, True),
    "scale_120k": ("2 streets x 6 x 10,000", {**structure(2, 6, 10000), "resident_agents": False}, STEPS, True),
    "scale_300k": ("5 streets x 6 x 10,000", {**structure(5, 6, 10000), "resident_agents": False}, STEPS, False),
    "district": ("the district at 1:1: 10 streets x 6 x 10,000",
                 {**structure(10, 6, 10000), "resident_agents": False}, STEPS, False),
    "district_agents": ("the district at 1:1 with a Mesa Resident view agent per resident",
                        {**structure(10, 6, 10000), "resident_agents": True}, STEPS, False),
}
FLATNESS_CASES = ("scale_30k", "scale_60k", "scale_120k", "scale_300k", "district")


# ----------------------------------------------------------------------------- child side
def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: KiB


def current_rss_mib() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed_population(base):
    """A subclass of ``base`` that adds up the time spent in the resident rules."""
    methods = ("raise_needs", "committee_queue", "serve", "visit_vulnerable", "participate", "vote")

    def wrap(name):
        inner = getattr(base, name)

        def method(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(self, *args, **kwargs)
            finally:
                self.rules_s += time.perf_counter() - started
        return method

    return type("Timed" + base.__name__, (base,), {"rules_s": 0.0, **{m: wrap(m) for m in methods}})


def warm_up() -> None:
    """Pay the one-off costs (lazy imports, first numpy calls, scenario parsing) before timing."""
    from model.governance import GovernanceModel

    GovernanceModel(PACKAGE, rng=0, overrides={**structure(1, 1, 200), "resident_agents": False,
                                                "warmup_months": 0}).run(2)


def run_model(overrides: dict, steps: int, population_cls=None) -> dict:
    from model.governance import GovernanceModel
    from model.population import Population

    cls = timed_population(population_cls or Population)
    started = time.perf_counter()
    model = GovernanceModel(PACKAGE, rng=1, overrides=overrides, population_cls=cls)
    built = time.perf_counter()
    model.pop_rules_before = model.population.rules_s     # spent in the warm-up months
    rss_built = current_rss_mib()
    model.run(steps)
    done = time.perf_counter()
    rss_end = current_rss_mib()
    n = model.population.n
    return {"residents": n, "steps": steps, "communities": model.n_communities,
            "resident_agents": bool(overrides.get("resident_agents", True)),
            "implementation": "reference" if population_cls else "vectorised",
            "build_s": built - started, "step_s": done - built, "wall_s": done - started,
            "rules_s": model.population.rules_s - model.pop_rules_before,
            "us_per_resident_step": (done - built) / (n * steps) * 1e6,
            "resident_steps_per_s": n * steps / (done - started),
            "rss_after_build_mib": rss_built, "rss_after_run_mib": rss_end}


def best_of(repeats: int, *args) -> dict:
    """The fastest of ``repeats`` runs in this process (other load only ever slows a run down)."""
    runs = [run_model(*args) for _ in range(repeats)]
    best = min(runs, key=lambda r: r["wall_s"])
    best["wall_s_runs"] = [round(r["wall_s"], 3) for r in runs]
    return best


def repeats_for(overrides: dict) -> int:
    n = overrides["n_streets"] * overrides["communities_per_street"] * overrides["residents_per_community"]
    return 3 if n <= 150_000 else 1 if overrides.get("resident_agents") else 2


def child_model(name: str) -> dict:
    _, overrides, steps, _ = MODEL_CASES[name]
    warm_up()
    return run_model(overrides, steps)


def child_reference() -> dict:
    """Vectorised and per-agent residents on the same community, in one process."""
    from reference import ReferencePopulation

    warm_up()
    out = {}
    for label, residents, ref_steps in REFERENCE_CASES:
        community = {**structure(1, 1, residents), "resident_agents": False}
        out[label] = {"vectorised": best_of(3, community, STEPS),
                      "reference": best_of(2, community, ref_steps, ReferencePopulation)}
    return out


def child_floor(name: str) -> dict:
    from floor import FloorProbe

    _, overrides, steps, _ = MODEL_CASES[name]
    started = time.perf_counter()
    probe = FloorProbe(overrides)
    built = time.perf_counter()
    step_s = probe.run(steps)
    n = probe.population.n
    return {"residents": n, "steps": steps, "build_s": built - started, "step_s": step_s,
            "wall_s": built - started + step_s, "bytes_per_step": probe.bytes_per_step,
            "us_per_resident_step": step_s / (n * steps) * 1e6,
            "resident_steps_per_s": n * steps / step_s}


def child(args) -> None:
    kind, _, name = args.case.partition(":")
    if kind == "model":
        out = child_model(name)
    elif kind == "reference":
        out = child_reference()
    elif kind == "floor":
        out = child_floor(name)
    else:
        raise SystemExit(f"unknown case {args.case}")
    out["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(out))


# ----------------------------------------------------------------------------- parent side
def in_subprocess(case: str) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--case", case],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"case {case} failed")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - started
    return out


def default_study() -> dict:
    """Time `python run.py` (no arguments: the default study, written to results/default_study)."""
    script = ROOT / "run.py"
    if not script.exists():
        return {"case": "default_study", "available": False, "note": "run.py not available"}
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        # run.py spawns its own worker processes; measure from a wrapper so that the
        # children's peak RSS (largest single process) is this study's alone
        wrapper = ("import resource, subprocess, sys; "
                   "rc = subprocess.run([sys.executable, 'run.py', '--overwrite']).returncode; "
                   "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)")
        proc = subprocess.run([sys.executable, "-c", wrapper], cwd=ROOT, stdout=log, stderr=subprocess.PIPE,
                              text=True)
        wall = time.perf_counter() - started
    lines = proc.stderr.strip().splitlines()
    if proc.returncode != 0:
        return {"case": "default_study", "available": False,
                "note": f"run.py exited with {proc.returncode}: {lines[-2] if len(lines) > 1 else ''}"}
    out = {"case": "default_study", "available": True, "command": "python run.py", "wall_s": round(wall, 2),
           "cores": os.cpu_count(), "peak_rss_mib": round(int(lines[-1]) / 1024.0, 1),
           "note": "peak RSS of the largest single process"}
    from model.study.experiment import NO_VIEWS

    try:   # what the study ran, from its manifest
        manifest = json.loads((ROOT / "results" / "default_study" / "manifest.json").read_text(encoding="utf-8"))
        sizes = {round(s["parameters"]["residents_per_community"] * s["parameters"]["scale"])
                 * s["parameters"]["n_streets"] * s["parameters"]["communities_per_street"]
                 for s in manifest["scenarios"]}
        runs = len(manifest["scenarios"]) * manifest["replications"]
        residents = sizes.pop() if len(sizes) == 1 else None
        out.update(runs=runs, residents=residents, steps=manifest["steps"],
                   # a study's runs build no view agents whatever the scenarios say (model.study.experiment)
                   resident_agents=NO_VIEWS["resident_agents"],
                   resident_steps_per_s=round(runs * residents * manifest["steps"] / wall) if residents else None)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return out


MORRIS_TRAJECTORIES = 10
MORRIS_CSV = HERE / "morris_indices.csv"
# the columns of MORRIS_CSV: the four, then the interval of mu_star, mu and how many trajectories counted
MORRIS_COLUMNS = ["parameter", "outcome", "mu_star", "sigma", "mu_star_conf", "mu", "trajectories"]


def bare_run_s(repeats: int = 3) -> float:
    """Median wall time of a bare ``GovernanceModel("baseline").run(120)`` at the default scale,
    in this process after a warm-up: the cost a sweep adds its overhead to."""
    from model.governance import GovernanceModel
    GovernanceModel("baseline", rng=0).run(2)
    times = []
    for seed in range(repeats):
        started = time.perf_counter()
        GovernanceModel("baseline", rng=seed + 1).run(STEPS)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def morris_command(out: Path, trajectories: int, steps: int, scale: float | None) -> list[str]:
    """`run.py sensitivity baseline --method morris` over every uncertainty parameter, the headline outcomes."""
    from model.research.sensitivity import HEADLINE
    return ([sys.executable, "run.py", "sensitivity", "baseline", "--method", "morris", "--samples", str(trajectories),
             "--steps", str(steps), "--outcomes", *HEADLINE, "--out", str(out)]
            + (["--scale", f"{scale:g}"] if scale is not None else []))


def morris_indices(sensitivity_csv: Path) -> pd.DataFrame:  # noqa: F821 - pandas is imported by the caller
    """The whole screen's indices, every uncertainty parameter x every headline outcome, from the
    command's sensitivity.csv: one row per parameter and outcome (MORRIS_COLUMNS)."""
    import pandas as pd
    table = pd.read_csv(sensitivity_csv, encoding="utf-8-sig")
    return table[MORRIS_COLUMNS].sort_values(["outcome", "mu_star"], ascending=[True, False], kind="stable")


def morris_screen(trajectories: int = MORRIS_TRAJECTORIES, steps: int = STEPS, scale: float | None = None,
                  csv: Path = MORRIS_CSV, timing: bool = True) -> dict:
    """`run.py sensitivity baseline --method morris`: 10 trajectories over every uncertainty
    parameter, default scale, 120 months, on all cores; runs per core-minute and the executor's
    overhead per run against a bare run. The indices of the whole screen (every parameter x every
    headline outcome) are kept in ``csv`` (benchmarks/morris_indices.csv)."""
    import pandas as pd

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "morris"
        command = morris_command(out, trajectories, steps, scale)
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            return {"case": "morris_screen", "available": False,
                    "note": f"exited with {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"}
        runs = pd.read_parquet(out / "runs.parquet")
        indices = morris_indices(out / "sensitivity.csv")
    csv.parent.mkdir(parents=True, exist_ok=True)
    indices.to_csv(csv, index=False, float_format="%.6g")
    per_run_core_s = wall * cores / len(runs)
    record = {"case": "morris_screen", "available": True,
              "command": " ".join(["python", *(c for i, c in enumerate(command[1:], 1)
                                               if "--out" not in command[i - 1:i + 1])]),
              "parameters": len(runs) // trajectories - 1,
              "trajectories": trajectories, "runs": len(runs), "failed": int((runs["status"] != "ok").sum()),
              "steps": steps, "scale": scale, "cores": cores, "wall_s": round(wall, 1),
              "target_wall_s": TARGETS["morris_wall_s"],
              "runs_per_core_minute": round(len(runs) / (wall * cores / 60), 1),
              "indices": str(csv.relative_to(ROOT)) if csv.is_relative_to(ROOT) else str(csv),
              "outcomes": sorted(set(indices["outcome"]))}
    if timing:
        bare = bare_run_s()
        record.update(bare_run_s=round(bare, 3), per_run_core_s=round(per_run_core_s, 3),
                      executor_overhead_per_run_s=round(per_run_core_s - bare, 3))
    return record


def case_record(name: str, r: dict) -> dict:
    what, overrides, _, _ = MODEL_CASES[name]
    return {"case": name, "what": what, "implementation": "vectorised", "residents": r["residents"],
            "communities": r["communities"], "resident_agents": r["resident_agents"], "scale": overrides["scale"],
            "steps": r["steps"], "wall_s": round(r["wall_s"], 3), "build_s": round(r["build_s"], 3),
            "step_s": round(r["step_s"], 3), "resident_rules_s": round(r["rules_s"], 3),
            "wall_s_runs": r["wall_s_runs"],
            "resident_steps_per_s": round(r["resident_steps_per_s"]),
            "us_per_resident_step": round(r["us_per_resident_step"], 4),
            "peak_rss_mib": round(r["peak_rss_mib"], 1), "process_s": round(r["process_s"], 2),
            "rss_after_build_mib": round(r["rss_after_build_mib"] or 0, 1),
            "rss_after_run_mib": round(r["rss_after_run_mib"] or 0, 1)}


def reference_summary(ref: dict, district: dict | None) -> dict:
    def per_rs(r, key):
        return r[key] / (r["residents"] * r["steps"]) * 1e6

    out = {}
    for label, _, _ in REFERENCE_CASES:
        v, a = ref[label]["vectorised"], ref[label]["reference"]
        out[label] = {
            "residents": v["residents"], "vectorised_steps": v["steps"], "reference_steps": a["steps"],
            "vectorised_us_per_resident_step": round(per_rs(v, "step_s"), 4),
            "reference_us_per_resident_step": round(per_rs(a, "step_s"), 3),
            "speedup": round(per_rs(a, "step_s") / per_rs(v, "step_s"), 1),
            "speedup_resident_rules": round(per_rs(a, "rules_s") / per_rs(v, "rules_s"), 1),
            "reference_build_s": round(a["build_s"], 2),
        }
    out["speedup"] = out["community_3000"]["speedup"]
    if district:
        ref_rs = out["community_10000"]["reference_us_per_resident_step"]
        out["district_vs_reference_speedup"] = round(ref_rs / district["us_per_resident_step"], 1)
        out["reference_district_estimate_h"] = round(ref_rs * 600_000 * STEPS / 1e6 / 3600, 2)
    out["peak_rss_mib"] = round(ref["peak_rss_mib"], 1)
    out["target"] = TARGETS["reference_speedup"]
    return out


def fmt_table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = lambda r: "  ".join(str(x).rjust(w) if i else str(x).ljust(w)  # noqa: E731
                               for i, (x, w) in enumerate(zip(r, widths, strict=True)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


SECTIONS = ("district", "flatness", "reference", "floor", "study", "morris")
"""The cases ``--only`` runs one at a time; a run without ``--only`` runs them all in this order."""


class Bench:
    """One benchmark invocation: model cases run once and shared by the sections that read them."""

    def __init__(self, quick: bool):
        self.quick = quick
        self.records: dict[str, dict] = {}
        self.result: dict = {}
        self.morris_options: dict = {}

    def model(self, name: str) -> dict:
        """A model case: each run in its own process (peak RSS is that run's); the fastest counts."""
        if name not in self.records:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            runs = [in_subprocess(f"model:{name}") for _ in range(repeats_for(MODEL_CASES[name][1]))]
            best = min(runs, key=lambda r: r["wall_s"])
            best["wall_s_runs"] = [round(r["wall_s"], 3) for r in runs]
            best["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
            self.records[name] = case_record(name, best)
        return self.records[name]

    def district(self) -> None:
        self.result["district"] = self.model("district")
        if not self.quick:
            self.result["district_agents"] = self.model("district_agents")

    def flatness(self) -> None:
        cases = [n for n in FLATNESS_CASES if MODEL_CASES[n][3] or not self.quick]
        flat = [self.model(n)["us_per_resident_step"] for n in cases]
        self.result["flatness"] = {"cases": cases, "us_per_resident_step": flat,
                                   "max_over_min": round(max(flat) / min(flat), 2), "target": TARGETS["flatness"]}

    def reference(self) -> None:
        print("running reference (per-agent) comparison ...", file=sys.stderr, flush=True)
        ref = in_subprocess("reference")
        self.result["reference_raw"] = ref
        self.result["reference_speedup"] = reference_summary(ref, self.records.get("district"))

    def floor(self) -> None:
        case = "scale_120k" if self.quick else "district"
        full = self.model(case)
        print(f"running floor probe at {case} ...", file=sys.stderr, flush=True)
        fl = in_subprocess(f"floor:{case}")
        self.result["floor_raw"] = fl
        self.result["floor_ratio"] = {
            "case": case, "residents": fl["residents"], "steps": fl["steps"],
            "floor_step_s": round(fl["step_s"], 3), "model_step_s": full["step_s"],
            "floor_us_per_resident_step": round(fl["us_per_resident_step"], 4),
            "model_us_per_resident_step": full["us_per_resident_step"],
            "mib_touched_per_step": round(fl["bytes_per_step"] / 2**20, 1),
            "ratio": round(full["step_s"] / fl["step_s"], 1), "target": TARGETS["floor_ratio"]}

    def study(self) -> None:
        print("running the default study (python run.py) ...", file=sys.stderr, flush=True)
        self.result["default_study"] = default_study()

    def morris(self) -> None:
        print("running the Morris screen ...", file=sys.stderr, flush=True)
        self.result["morris_screen"] = morris_screen(**self.morris_options)


def print_cases(result: dict) -> None:
    """The detailed table: every model case, the reference pair, the floor probe, the study."""
    header = ["case", "residents", "agents", "steps", "wall_s", "build_s", "step_s", "us/res-step",
              "res-steps/s", "peak_RSS_MiB"]
    rows = [[r["case"], f"{r['residents']:,}", "views" if r["resident_agents"] else "no", r["steps"],
             f"{r['wall_s']:.2f}", f"{r['build_s']:.2f}", f"{r['step_s']:.2f}", f"{r['us_per_resident_step']:.3f}",
             f"{r['resident_steps_per_s'] / 1e6:.1f}M", f"{r['peak_rss_mib']:.0f}"]
            for r in result.get("cases", []) if r.get("implementation") == "vectorised"]
    ref = result.get("reference_raw")
    for label, _, _ in REFERENCE_CASES if ref else ():
        for impl in ("vectorised", "reference"):
            r = ref[label][impl]
            rows.append([f"{label}:{impl}", f"{r['residents']:,}", "classic" if impl == "reference" else "no",
                         r["steps"], f"{r['wall_s']:.2f}",
                         f"{r['build_s']:.2f}", f"{r['step_s']:.2f}", f"{r['us_per_resident_step']:.3f}",
                         f"{r['resident_steps_per_s'] / 1e6:.3f}M", f"{ref['peak_rss_mib']:.0f}"])
    fl = result.get("floor_raw")
    if fl:
        rows.append([f"floor:{result['floor_ratio']['case']}", f"{fl['residents']:,}", "-", fl["steps"],
                     f"{fl['wall_s']:.2f}", f"{fl['build_s']:.2f}", f"{fl['step_s']:.2f}",
                     f"{fl['us_per_resident_step']:.3f}", f"{fl['resident_steps_per_s'] / 1e6:.0f}M",
                     f"{fl['peak_rss_mib']:.0f}"])
    study = result.get("default_study") or {}
    if study.get("available"):
        res, runs = study.get("residents"), study.get("runs")
        agents = "views" if study.get("resident_agents") else "no" if "resident_agents" in study else "-"
        rows.append([f"default_study ({runs} runs)" if runs else "default_study", f"{res:,}" if res else "-", agents,
                     study.get("steps", "-"), f"{study['wall_s']:.1f}", "-", "-", "-",
                     f"{study['resident_steps_per_s'] / 1e6:.1f}M" if study.get("resident_steps_per_s") else "-",
                     f"{study['peak_rss_mib']:.0f}"])
    if rows:
        print(fmt_table(rows, header))
        print()


def target_rows(result: dict) -> list[list[str]]:
    """Every target beside its figure (from this run or the last record in the file)."""
    def row(what, figure, target, met):
        return [what, figure if figure is not None else "not measured", target,
                "-" if figure is None or met is None else "yes" if met else "NO"]

    d = result.get("district") or next((c for c in result.get("cases", []) if c.get("case") == "district"), None)
    ref = result.get("reference_speedup")
    fl = result.get("floor_ratio")
    flat = result.get("flatness")
    study = result.get("default_study") or {}
    morris = result.get("morris_screen") or {}
    return [
        row("district 1:1, 120 months: wall", d and f"{d['wall_s']:.2f} s", f"<= {TARGETS['district_wall_s']:g} s",
            d and d["wall_s"] <= TARGETS["district_wall_s"]),
        row("district 1:1: peak RSS", d and f"{d['peak_rss_mib']:.0f} MiB", f"<= {TARGETS['district_rss_mib']:.0f} MiB",
            d and d["peak_rss_mib"] <= TARGETS["district_rss_mib"]),
        row("floor ratio (model step / read-write floor)", fl and f"{fl['ratio']}x ({fl['case']})",
            f"<= {TARGETS['floor_ratio']:g}x", fl and fl["ratio"] <= TARGETS["floor_ratio"]),
        row("vs the classic formulation, 3,000 residents", ref and f"{ref['speedup']}x",
            f">= {TARGETS['reference_speedup']:g}x", ref and ref["speedup"] >= TARGETS["reference_speedup"]),
        row("per-resident cost, max/min over the flatness set",
            flat and f"{flat['max_over_min']} ({flat['cases'][0]}..{flat['cases'][-1]})",
            f"<= {TARGETS['flatness']:g}", flat and flat["max_over_min"] <= TARGETS["flatness"]),
        row("default study (python run.py)", f"{study['wall_s']:.1f} s" if study.get("available") else None,
            f"<= {TARGETS['study_wall_s']:g} s", study.get("available") and study["wall_s"] <= TARGETS["study_wall_s"]),
        # the target is for the full screen (10 trajectories, 120 months, default scale); a smaller budget is
        # shown, not judged
        row(f"Morris screen, every uncertainty, r = {morris.get('trajectories', MORRIS_TRAJECTORIES)}",
            f"{morris['wall_s']:.0f} s on {morris['cores']} cores" if morris.get("available") else None,
            f"<= {TARGETS['morris_wall_s']:g} s" if "bare_run_s" in morris or not morris else "(full screen only)",
            None if "bare_run_s" not in morris else morris["wall_s"] <= TARGETS["morris_wall_s"]),
    ]


def print_summary(result: dict) -> None:
    ref, fl, flat = result.get("reference_speedup"), result.get("floor_ratio"), result.get("flatness")
    if ref:
        c = ref["community_3000"]
        print(f"reference (per-agent, shuffle_do) vs vectorised on one community of {c['residents']:,}: "
              f"{c['reference_us_per_resident_step']:.2f} vs {c['vectorised_us_per_resident_step']:.3f} us per "
              f"resident-step = {c['speedup']}x (resident rules alone: {c['speedup_resident_rules']}x)")
        s = ref["community_10000"]
        print(f"  on one community of {s['residents']:,} (1:1): {s['reference_us_per_resident_step']:.2f} vs "
              f"{s['vectorised_us_per_resident_step']:.3f} us = {s['speedup']}x "
              f"(resident rules alone: {s['speedup_resident_rules']}x)")
        if "district_vs_reference_speedup" in ref:
            print(f"  vectorised district (600k) per resident-step vs reference: "
                  f"{ref['district_vs_reference_speedup']}x; the reference would need about "
                  f"{ref['reference_district_estimate_h']} h for the district's 120 months")
    if fl:
        print(f"floor probe ({fl['mib_touched_per_step']} MiB read+written per step) at {fl['residents']:,}: "
              f"model {fl['model_step_s']:.2f} s vs floor {fl['floor_step_s']:.2f} s for {fl['steps']} steps")
    if flat:
        print(f"time per resident-step over {', '.join(flat['cases'])}: "
              f"{' '.join(f'{x:.3f}' for x in flat['us_per_resident_step'])} us")
    d = result.get("district")
    if d:
        print(f"district 1:1: RSS {d['rss_after_build_mib']:.0f} MiB after building, "
              f"{d['rss_after_run_mib']:.0f} MiB after the 120 months")
    morris = result.get("morris_screen")
    if morris:
        print_morris(morris)
    print()
    print(fmt_table(target_rows(result), ["target", "figure", "goal", "met"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="skip the 300k/600k cases, the default study and the Morris screen")
    parser.add_argument("--out", type=Path, default=HERE / "results.json", help="where to write the figures")
    parser.add_argument("--case", help=argparse.SUPPRESS)      # internal: run one case in this process
    parser.add_argument("--only", choices=(*SECTIONS, "morris_screen"),
                        help="run only this case and update its record in --out, keeping the others")
    parser.add_argument("--morris-trajectories", type=int, default=MORRIS_TRAJECTORIES, metavar="N",
                        help=f"Morris screen: trajectories (default {MORRIS_TRAJECTORIES})")
    parser.add_argument("--morris-steps", type=int, default=STEPS, metavar="M",
                        help=f"Morris screen: months per run (default {STEPS})")
    parser.add_argument("--morris-scale", type=float, default=None, metavar="S",
                        help="Morris screen: --scale of the runs (default: the scenario's)")
    parser.add_argument("--morris-csv", type=Path, default=MORRIS_CSV, metavar="FILE",
                        help="where the Morris indices of the whole screen go (default benchmarks/morris_indices.csv)")
    args = parser.parse_args()
    if args.case:
        child(args)
        return 0
    only = "morris" if args.only == "morris_screen" else args.only
    sections = (only,) if only else tuple(s for s in SECTIONS
                                          if not (args.quick and s in ("district", "study", "morris")))
    bench = Bench(args.quick)
    budget = (args.morris_trajectories, args.morris_steps, args.morris_scale) != (MORRIS_TRAJECTORIES, STEPS, None)
    # a smaller screen is a check that the command works, not a timing: no bare-run comparison then
    bench.morris_options = dict(trajectories=args.morris_trajectories, steps=args.morris_steps,
                                scale=args.morris_scale, csv=args.morris_csv, timing=not budget)
    if not only:      # every model case in the table, smallest first
        for name, spec in MODEL_CASES.items():
            if spec[3] or not args.quick:
                bench.model(name)
    for section in sections:
        getattr(bench, section)()

    # one file of records: a run of one section replaces that section's records and keeps the rest
    kept = json.loads(args.out.read_text(encoding="utf-8")) if only and args.out.is_file() else {}
    result = {**kept, **bench.result}
    measured = [v for k, v in bench.result.items() if k in ("default_study", "morris_screen") and v.get("available")]
    fresh = {r["case"] for r in bench.records.values()} | {v["case"] for v in measured}
    result["cases"] = ([c for c in kept.get("cases", []) if c.get("case") not in fresh]
                       + list(bench.records.values()) + measured)
    result.update(created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), quick=args.quick,
                  machine={"python": platform.python_version(), "platform": platform.platform(),
                           "cores": os.cpu_count()},
                  scenario="scenarios/seed_district_package.toml", targets=TARGETS)
    print_cases(result)
    print_summary(result)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}", file=sys.stderr)
    failed = [s for s, key in (("study", "default_study"), ("morris", "morris_screen"))
              if s in sections and not result.get(key, {}).get("available")]
    return 1 if failed else 0


def print_morris(m: dict) -> None:
    if not m.get("available"):
        print(f"Morris screen: not available ({m.get('note')})")
        return
    scale = "default scale" if m.get("scale") is None else f"scale {m['scale']:g}"
    print(f"Morris screen ({m['trajectories']} trajectories, {m['runs']} runs of {m['steps']} months, {scale}) "
          f"on {m['cores']} cores: {m['wall_s']:.0f} s wall; {m['runs_per_core_minute']} runs per core-minute"
          + (f"; {m['per_run_core_s']:.2f} core-s per run against {m['bare_run_s']:.2f} s for a bare run "
             f"(overhead {m['executor_overhead_per_run_s']:+.2f} s)" if "bare_run_s" in m else ""))
    if m.get("indices"):
        print(f"  indices of every parameter x {len(m.get('outcomes', []))} headline outcomes: {m['indices']}")


if __name__ == "__main__":
    sys.exit(main())
