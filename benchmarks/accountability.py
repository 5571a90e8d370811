"""Accountability checks of issue 17 over 240 months, default scale (60 communities), 3 seeds.

    python benchmarks/accountability.py [--seeds 1 2 3] [--months 240] [--only backlog|money|elections|agenda]
        [--set NAME=VALUE ...]

Prints, per check, the figures and whether the acceptance threshold holds:

* bounded backlogs: for every shipped scenario, the mean of ``committee_backlog_tasks`` in
  months 180-239 over its mean in months 60-119 (at most 1.5); under resident elections the
  shift of hours toward residents over the baseline (admin share, baseline minus election) in
  months 36-59 and 180-239;
* relief from money: admin share in function_transfer_unfunded, function_transfer_funded and
  funded with ``transfer_payment`` 0 (months 84-119), the share of relief removed (at least
  0.8), and government work on time against the baseline (at most 0.05 below);
* elections answer to voters: direct_election_resident with every seat open to contest,
  ``hours_per_admin_task`` 5 against 3, and ``hours_per_request`` 6 against 2: seats incumbents
  lost at the election (at least 10 points more), and across communities the rank correlation
  of the shift toward residents after the election with the share of seats lost;
* the agenda: hours on residents' matters with ``agenda_plan_weight`` 0 and its default in the
  deliberation scenario.

Runs are independent and use the model's own seeded generator; nothing here is timed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model import GovernanceModel, list_scenarios, load_scenario  # noqa: E402

FAST = {"resident_agents": False}
SETTINGS: dict[str, float] = {}   # --set name=value, applied to every run before a check's own overrides


def run(scenario: str, seed: int, months: int, **overrides) -> GovernanceModel:
    return GovernanceModel(scenario, rng=seed, overrides={**FAST, **SETTINGS, **overrides}).run(months)


def window(frame: pd.DataFrame, metric: str, first: int, last: int) -> float:
    return float(frame.loc[frame["step"].between(first, last), metric].mean())


def backlog(seeds, months) -> None:
    print("== bounded backlogs: committee_backlog_tasks, months 180-239 over 60-119 (<= 1.5)")
    frames = {}
    worst = 0.0
    for path in list_scenarios():
        name = load_scenario(path).name
        ratios, early, late = [], [], []
        for s in seeds:
            f = run(name, s, months).district_frame()
            frames[name, s] = f
            a, b = window(f, "committee_backlog_tasks", 60, 119), window(f, "committee_backlog_tasks", 180, 239)
            early.append(a)
            late.append(b)
            ratios.append(b / a if a > 0 else (1.0 if b == 0 else np.inf))
        worst = max(worst, max(ratios))
        print(f"  {name:32s} 60-119 {np.mean(early):8.1f}  180-239 {np.mean(late):8.1f}  "
              f"ratio per seed {' '.join(f'{r:.2f}' for r in ratios)}  {'ok' if max(ratios) <= 1.5 else 'FAIL'}")
    print(f"  worst ratio {worst:.2f}")
    print("== resident elections: shift toward residents (admin share, baseline minus election)")
    for name in ("direct_election_resident", "direct_election_household"):
        early = [window(frames["baseline", s], "admin_share", 36, 59) - window(frames[name, s], "admin_share", 36, 59)
                 for s in seeds]
        late = [window(frames["baseline", s], "admin_share", 180, 239)
                - window(frames[name, s], "admin_share", 180, 239) for s in seeds]
        print(f"  {name:28s} months 36-59 {np.mean(early):+.3f}  months 180-239 {np.mean(late):+.3f} "
              f"(per seed late {' '.join(f'{x:+.3f}' for x in late)})")


def money(seeds) -> None:
    print("== relief from money (months 84-119)")
    out = {}
    for label, name, over in (("baseline", "baseline", {}), ("unfunded", "function_transfer_unfunded", {}),
                              ("funded", "function_transfer_funded", {}),
                              ("funded, payment 0", "function_transfer_funded", {"transfer_payment": 0.0})):
        fs = [run(name, s, 120, **over).district_frame() for s in seeds]
        out[label] = {m: np.mean([window(f, m, 84, 119) for f in fs])
                      for m in ("admin_share", "government_work_on_time_share", "transfer_compliance_share",
                                "offloaded_tasks_per_worker", "department_cost")}
        print(f"  {label:20s} " + "  ".join(f"{k} {v:.3f}" for k, v in out[label].items()))
    relief = out["unfunded"]["admin_share"] - out["funded"]["admin_share"]
    unpaid = out["unfunded"]["admin_share"] - out["funded, payment 0"]["admin_share"]
    removed = 1 - unpaid / relief if relief else float("nan")
    gap = out["baseline"]["government_work_on_time_share"] - out["funded"]["government_work_on_time_share"]
    print(f"  relief {relief:.3f}; with payment 0 {unpaid:.3f}; share removed {removed:.2f} "
          f"({'ok' if removed >= 0.8 else 'FAIL'})")
    print(f"  on time: baseline minus funded {gap:.3f} ({'ok' if gap <= 0.05 else 'FAIL'})")


CONTRASTS = (("hours_per_admin_task", 3.0, 5.0), ("hours_per_request", 2.0, 6.0))
"""Worse against better conditions before the election: heavier pushed-down work (the issue's
contrast) and slower casework (worse service to residents directly)."""


def elections(seeds) -> None:
    print("== elections answer to voters: direct_election_resident, election.contested_seats 1, "
          "the election of month 96")
    for name, better, worse in CONTRASTS:
        lost, pairs = {}, []
        for value in (better, worse):
            losses = []
            for s in seeds:
                m = run("direct_election_resident", s, 120, **{"election.contested_seats": 1.0, name: value})
                cf = m.community_frame()
                at = cf[cf["step"] == 96]["incumbent_loss_share"].to_numpy()
                losses.append(at.mean())
                before = cf[cf["step"].between(84, 95)].groupby(["street", "community"])["admin_share"].mean()
                after = cf[cf["step"].between(102, 119)].groupby(["street", "community"])["admin_share"].mean()
                pairs.extend(zip(at, (before - after).to_numpy(), strict=True))
            lost[value] = losses
            print(f"  {name} {value:g}: seats lost per seed "
                  f"{' '.join(f'{x:.3f}' for x in losses)}  mean {np.mean(losses):.3f}")
        diff = np.mean(lost[worse]) - np.mean(lost[better])
        print(f"  difference {diff:+.3f} ({'ok' if diff >= 0.10 else 'FAIL'}: at least 0.10)")
        x, y = np.array(pairs).T
        rho = pd.Series(x).rank().corr(pd.Series(y).rank())
        print(f"  across communities: Spearman rho of the shift toward residents (admin share, months 84-95 "
              f"minus 102-119) with the share of seats lost {rho:+.2f} (n = {len(x)})")


def agenda(seeds) -> None:
    print("== the agenda matters: deliberation, hours on residents' matters (months 60-119)")
    for w in (0.0, 0.3):
        fs = [run("deliberation", s, 120, agenda_plan_weight=w).district_frame() for s in seeds]
        print(f"  agenda_plan_weight {w}: admin share {np.mean([window(f, 'admin_share', 60, 119) for f in fs]):.3f}  "
              f"resident agenda share {np.mean([window(f, 'resident_agenda_share', 60, 119) for f in fs]):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--months", type=int, default=240)
    parser.add_argument("--only", choices=("backlog", "money", "elections", "agenda"))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter value for every run (repeatable), to see a check at another point")
    a = parser.parse_args()
    for item in a.set:
        name, _, value = item.partition("=")
        try:
            SETTINGS[name] = float(value)
        except ValueError:
            parser.error(f"--set {item}: expected NAME=NUMBER")
    checks = {"backlog": lambda: backlog(a.seeds, a.months), "money": lambda: money(a.seeds),
              "elections": lambda: elections(a.seeds), "agenda": lambda: agenda(a.seeds)}
    for key, check in checks.items():
        if a.only in (None, key):
            check()


if __name__ == "__main__":
    main()
