"""Checks of the resident service (issue 16): a baseline that stands still, no knife-edge,
the committee keeps its role.

    python benchmarks/service_checks.py stationarity   # 3 x 240 months, default scale
    python benchmarks/service_checks.py smoothness     # hours_per_admin_task 3.0..5.0, 3 seeds, 120 months
    python benchmarks/service_checks.py role           # every shipped scenario, 120 months
    python benchmarks/service_checks.py                # all three

Each prints its figures and whether the acceptance threshold holds; the exit status is 1 if
any does not. Runs go to a process pool (``--jobs``, default 2).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model import GovernanceModel  # noqa: E402
from model.scenario import load_scenario  # noqa: E402

SEEDS = (1, 2, 3)
STATIONARY = ("trust", "unmet_need_share", "requests_resolved_share")
STATIONARY_TOLERANCE = 0.03
STEP_TOLERANCE = 0.12
HOURS = tuple(np.round(np.arange(3.0, 5.0 + 1e-9, 0.25), 2))
ROLE_FLOOR = 0.15


def _run(job: tuple) -> tuple:
    scenario, seed, steps, overrides = job
    over = {"resident_agents": False, **overrides}
    if load_scenario(scenario).parameters["community_sizes"] != "equal":
        over.pop("resident_agents")
    model = GovernanceModel(scenario, rng=seed, overrides=over).run(steps)
    community = model.community_frame()
    last = community[community["step"] == community["step"].max()]["requests_resolved_share"]
    return job, model.district_frame(), float(((last > 0.1) & (last < 0.9)).mean())


def _window(frame, metric: str, first: int, last: int) -> float:
    rows = (frame["step"] >= first) & (frame["step"] <= last)
    return float(frame.loc[rows, metric].mean())


def stationarity(pool) -> bool:
    ok = True
    results = list(pool.map(_run, [("baseline", s, 240, {}) for s in SEEDS]))
    print("stationarity: baseline, default scale, 240 months, seeds", SEEDS)
    for metric in STATIONARY:
        early = np.mean([_window(f, metric, 60, 119) for _, f, _ in results])
        late = np.mean([_window(f, metric, 180, 239) for _, f, _ in results])
        good = abs(late - early) <= STATIONARY_TOLERANCE
        ok &= good
        print(f"  {metric:26s} months 60-119 {early:.3f}  180-239 {late:.3f}  diff {late - early:+.3f}  "
              f"{'ok' if good else 'FAIL'}")
    for metric in ("satisfaction", "mean_wait_days", "committee_request_share", "outside_resolved_share",
                   "referral_dead_end_share", "routine_same_day_share", "admin_share"):
        print(f"  {metric:26s} months 60-119 {np.mean([_window(f, metric, 60, 119) for _, f, _ in results]):.3f}"
              f"  180-239 {np.mean([_window(f, metric, 180, 239) for _, f, _ in results]):.3f}")
    mixed = [m for *_, m in results]
    print(f"  month 239 (not a threshold; the acceptance reads month 119, see smoothness): share of communities "
          f"with 0.1 < requests_resolved_share < 0.9: {', '.join(f'{m:.2f}' for m in mixed)}")
    return bool(ok)


def smoothness(pool) -> bool:
    jobs = [("baseline", s, 120, {"hours_per_admin_task": float(h)}) for h in HOURS for s in SEEDS]
    results = list(pool.map(_run, jobs))
    print("smoothness: baseline, default scale, 120 months, seeds", SEEDS, "- months 60-119 mean")
    means, mixed = [], []
    for h in HOURS:
        mine = [r for r in results if r[0][3]["hours_per_admin_task"] == h]
        means.append(np.mean([_window(f, "requests_resolved_share", 60, 119) for _, f, _ in mine]))
        mixed.append(np.mean([m for *_, m in mine]))
    for h, m, x in zip(HOURS, means, mixed, strict=True):
        print(f"  hours_per_admin_task {h:.2f}  requests_resolved_share {m:.3f}  "
              f"communities in (0.1, 0.9) at month 119 {x:.2f}")
    steps = np.abs(np.diff(means))
    good = steps.max() <= STEP_TOLERANCE
    baseline_mixed = mixed[list(HOURS).index(4.0)]
    good_mixed = baseline_mixed >= 0.5
    print(f"  largest step between neighbours {steps.max():.3f}  {'ok' if good else 'FAIL'}")
    print(f"  default (4.0), final month, communities strictly in (0.1, 0.9): {baseline_mixed:.2f}  "
          f"{'ok' if good_mixed else 'FAIL'}")
    return bool(good and good_mixed)


def role(pool) -> bool:
    names = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    results = list(pool.map(_run, [(n, s, 120, {}) for n in names for s in SEEDS[:2]]))
    print("role: every shipped scenario, default scale, 120 months, seeds", SEEDS[:2],
          "- committee_request_share, months 84-119")
    ok = True
    for name in names:
        value = np.mean([_window(f, "committee_request_share", 84, 119) for j, f, _ in results if j[0] == name])
        good = value >= ROLE_FLOOR
        ok &= good
        print(f"  {name:32s} {value:.3f}  {'ok' if good else 'FAIL'}")
    return bool(ok)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checks", nargs="*", metavar="CHECK",
                        help="stationarity, smoothness or role (default: all three)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    checks = {"stationarity": stationarity, "smoothness": smoothness, "role": role}
    unknown = [name for name in args.checks if name not in checks]
    if unknown:
        parser.error(f"unknown check {unknown[0]!r}: choose from {', '.join(checks)}")
    with ProcessPoolExecutor(args.jobs) as pool:
        results = [checks[name](pool) for name in (args.checks or checks)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
