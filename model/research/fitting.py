"""Calibration that constrains: which parameter values let the model reproduce the stylized facts.

``run.py calibrate`` only asks whether the defaults land in the target ranges. ``calibrate --fit``
asks which values of the ``uncertainty`` parameters do, by pattern-oriented rejection ABC
(Grimm et al. 2005; Beaumont et al. 2002): a Latin hypercube over the parameters' plausible ranges
is the prior sample; every point is run through the scenarios the checks read, with common seeds;
each check's own ``read`` turns a point's runs into that pattern's value (differences against the
baseline where the pattern is a change), averaged over replications. A point is *accepted* if every
pattern lies in its target range (pattern-oriented filtering). So that a fit always has a posterior,
rejection ABC is the fallback, or the rule when ``accept`` is given: keep the fraction of points
nearest the targets by a normalised distance (0 inside a range; outside, the distance to the nearest
bound divided by the pattern's standard deviation across the prior sample; patterns combined
Euclidean). The accepted sets are the posterior sample; comparing them with the prior sample says
which parameters the patterns constrain (identify) and which they leave as uncertain as before.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from ..errors import InputError
from ..metrics import METRIC_NAMES
from ..parameters import PARAMETERS
from ..scenario import Scenario
from ..study.seeds import DEFAULT_SEED
from .sweep import SweepResult

DEFAULT_ACCEPT = 0.1   # fallback: the nearest 10% (at least one point). Rejection ABC keeps a small quantile
#                        of the distances; with the default prior sample of 100 points (run.py calibrate
#                        --fit), 10% leaves 10 sets, about the fewest a 90% range can be read from.
QUANTILES = (0.05, 0.5, 0.95)   # the posterior's 90% range and median
ALPHA = 0.05           # false discovery rate of the KS tests (Benjamini-Hochberg, over all tests of a table)
MIN_SHRINKAGE = 0.2    # "identified" also needs the 90% range at least 20% narrower than the prior's
MIN_POINTS = 2         # fewer points than this passing a pattern: no test
# The rank test needs this many points: below it, scipy's p-value (a t approximation) is far too
# small (exactly 0 for a perfectly monotone triple), so a third of random triples would "inform".
MIN_RANK_POINTS = 10
PLOTTED = 6            # parameters shown in posterior.png, the most constrained first


class Pattern(Protocol):
    """What a fit needs of a stylized-fact check (model.research.calibration.Check has it)."""

    key: str
    measure: str
    low: float
    high: float
    read: Callable[[Callable[[str], pd.DataFrame]], float]
    months: tuple[int, int]


def pattern_names(patterns: Sequence[Pattern]) -> list[str]:
    """A unique column name per pattern: its key, with a, b, ... where a key occurs more than once."""
    keys = [p.key for p in patterns]
    names, seen = [], {}
    for key in keys:
        if keys.count(key) == 1:
            names.append(key)
        else:
            seen[key] = seen.get(key, 0) + 1
            names.append(f"{key}{'abcdefghijklmnopqrstuvwxyz'[seen[key] - 1]}")
    return names


def scenarios_read(patterns: Sequence[Pattern]) -> list[str]:
    """The scenarios the patterns read, in the order first read: each ``read`` is called with a
    runs function that records the names it is asked for."""
    names: list[str] = []
    frame = pd.DataFrame({"step": [0], **{m: [0.0] for m in METRIC_NAMES}})

    def record(name: str) -> pd.DataFrame:
        if name not in names:
            names.append(name)
        return frame
    for p in patterns:
        p.read(record)
    return names


def min_steps(patterns: Sequence[Pattern], scenarios: Sequence[Scenario]) -> int:
    """The fewest months that cover every pattern's window and every reform's start month."""
    return max([p.months[1] + 1 for p in patterns]
               + [r.start_month + 1 for s in scenarios for r in s.reforms])


def check_steps(steps: int, patterns: Sequence[Pattern], scenarios: Sequence[Scenario],
                source: str = "fit") -> None:
    need = min_steps(patterns, scenarios)
    if steps < need:
        raise InputError(source, "steps=", f"at least {need} months, the last month a stylized-fact check "
                         "reads plus one", steps)


def patterns_within(steps: int, patterns: Sequence[Pattern], scenarios: dict[str, Scenario],
                    source: str = "patterns_within") -> list[Pattern]:
    """The patterns a run of ``steps`` months can be judged on: each one's window inside the run
    and the reforms of the scenarios it reads started. The others are left out with a one-line
    warning (a shorter fit tests fewer facts); none left is bad input."""
    def need(pattern: Pattern) -> int:
        return min_steps([pattern], [scenarios[n] for n in scenarios_read([pattern])])
    kept = [p for p in patterns if need(p) <= steps]
    if not kept:
        raise InputError(source, "steps=", f"at least {min(need(p) for p in patterns)} months, so that one "
                         "stylized-fact check can be read (all of them need "
                         f"{max(need(p) for p in patterns)})", steps)
    if len(kept) < len(patterns):
        left = [n for n, p in zip(pattern_names(patterns), patterns, strict=True) if p not in kept]
        print(f"warning: {steps} months leave out the pattern(s) {', '.join(left)}; all "
              f"{len(patterns)} need {max(need(p) for p in patterns)} months", file=sys.stderr)
    return kept


# ---------------------------------------------------------------------------------------- analysis

def pattern_values(result: SweepResult, patterns: Sequence[Pattern]) -> pd.DataFrame:
    """One row per design point: each pattern's value (the mean over the replications in which
    every scenario ran), and how many runs of the point failed. A point all of whose
    replications failed gets no values (NaN) and is never accepted."""
    names = pattern_names(patterns)
    wide = result.wide()
    frames = {key: frame for key, frame in wide.groupby(["point", "replication", "scenario"], sort=False)}
    rows = []
    for (point, replication), _ in result.runs.groupby(["point", "replication"], sort=True):
        def runs(name: str, point=point, replication=replication) -> pd.DataFrame:
            return frames[(point, replication, name)]        # KeyError: that run failed
        try:
            values = [float(p.read(runs)) for p in patterns]
        except KeyError:
            values = [math.nan] * len(patterns)
        rows.append({"point": point, "replication": replication, **dict(zip(names, values, strict=True))})
    per_run = pd.DataFrame(rows)
    values = per_run.groupby("point")[names].mean()
    failed = (result.runs["status"] != "ok").groupby(result.runs["point"]).sum().rename("failed_runs")
    return values.join(failed).reindex(range(len(result.design.points)))


def inside(values: pd.DataFrame, patterns: Sequence[Pattern]) -> pd.DataFrame:
    """Whether each point's value of each pattern lies in the pattern's target range."""
    names = pattern_names(patterns)
    return pd.DataFrame({n: values[n].between(p.low, p.high) for n, p in zip(names, patterns, strict=True)})


def distances(values: pd.DataFrame, patterns: Sequence[Pattern]) -> pd.Series:
    """Each point's normalised distance to the targets: per pattern 0 inside the range, else the
    distance to the nearest bound over the pattern's standard deviation across the prior sample
    (1 if it does not vary: it then adds the same to every point); Euclidean over patterns.
    A point without values is infinitely far."""
    names = pattern_names(patterns)
    parts = []
    for n, p in zip(names, patterns, strict=True):
        v = values[n]
        spread = float(v.std(ddof=1)) if v.notna().sum() > 1 else math.nan
        spread = spread if math.isfinite(spread) and spread > 0 else 1.0
        outside = (p.low - v).clip(lower=0) + (v - p.high).clip(lower=0)
        parts.append(outside / spread)
    d = np.sqrt((pd.concat(parts, axis=1) ** 2).sum(axis=1, min_count=len(names)))
    return d.fillna(math.inf).rename("distance")


def select(distance: pd.Series, passed: pd.Series, accept: float | None = None) -> tuple[pd.Series, str]:
    """The accepted points and the rule used. Without ``accept``: every point that passes all
    patterns, unless fewer than DEFAULT_ACCEPT of the points do; then (and always with ``accept``)
    the nearest fraction by distance (at least one point; ties by point order)."""
    n = len(distance)
    quota = accept if accept is not None else DEFAULT_ACCEPT
    k = max(1, math.ceil(round(quota * n, 9)))
    if accept is None and int(passed.sum()) >= k:
        return passed.astype(bool).rename("accepted"), "all patterns in range"
    nearest = distance.sort_values(kind="stable").index[:k]
    chosen = pd.Series(False, index=distance.index, name="accepted")
    chosen[nearest] = True
    chosen &= np.isfinite(distance)
    why = f"the nearest {k} ({quota:.0%}) by distance"
    if accept is None:
        why += f"; only {int(passed.sum())} point(s) passed every pattern"
    return chosen, why


def _ks(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    from scipy.stats import ks_2samp
    if len(a) < MIN_POINTS or len(b) < MIN_POINTS:
        return math.nan, math.nan
    test = ks_2samp(a, b)
    return float(test.statistic), float(test.pvalue)


def _adjust(p_values: pd.Series) -> pd.Series:
    """Benjamini-Hochberg adjusted p-values (NaN stays NaN)."""
    from scipy.stats import false_discovery_control
    out = pd.Series(math.nan, index=p_values.index)
    ok = p_values.notna()
    if ok.any():
        out[ok] = false_discovery_control(p_values[ok].to_numpy(), method="bh")
    return out


def posterior_table(points: pd.DataFrame, accepted: pd.Series, factors) -> pd.DataFrame:
    """Per parameter: prior range, posterior 5%/50%/95%, shrinkage of the 90% range against the
    prior sample's, KS accepted vs prior sample, and whether the patterns identify it."""
    rows = []
    for f in factors:
        prior = points[f.name].to_numpy(dtype=float)
        post = points.loc[accepted.to_numpy(), f.name].to_numpy(dtype=float)
        q = np.quantile(post, QUANTILES) if len(post) else [math.nan] * 3
        prior_range = float(np.subtract(*np.quantile(prior, QUANTILES[::2])[::-1]))
        shrink = 1 - (q[2] - q[0]) / prior_range if prior_range > 0 and len(post) >= MIN_POINTS else math.nan
        ks, ks_p = _ks(post, prior)
        rows.append({"parameter": f.name, "prior_low": f.low, "prior_high": f.high, "q05": q[0], "median": q[1],
                     "q95": q[2], "shrinkage": shrink, "ks": ks, "ks_p": ks_p})
    table = pd.DataFrame(rows)
    table["ks_p_adjusted"] = _adjust(table["ks_p"])
    table["identified"] = (table["ks_p_adjusted"] < ALPHA) & (table["shrinkage"] >= MIN_SHRINKAGE)
    table["label"] = [PARAMETERS[n].label_en for n in table["parameter"]]
    return table.sort_values("ks", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def rank_correlation(x: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Spearman's rho and its p-value of a parameter against a pattern's values, over the finite values;
    NaN where fewer than MIN_RANK_POINTS remain or either side is constant."""
    from scipy.stats import spearmanr
    finite = np.isfinite(values)
    if finite.sum() < MIN_RANK_POINTS or np.ptp(values[finite]) == 0 or np.ptp(x[finite]) == 0:
        return math.nan, math.nan
    test = spearmanr(x[finite], values[finite])
    return float(test.statistic), float(test.pvalue)


def identification_table(points: pd.DataFrame, values: pd.DataFrame, passed: pd.DataFrame, factors,
                         names: list[str]) -> pd.DataFrame:
    """Pattern x parameter: how strongly passing that pattern alone constrains the parameter (KS
    statistic between the points passing it and all points; ``identifies``: adjusted p below
    ALPHA), the shift of the median as a share of the prior range, and whether the pattern's value
    moves with the parameter across the prior sample (Spearman; ``informs``: adjusted p below
    ALPHA). A pattern that informs a parameter carries information about it, and constrains it
    where the target range cuts into the pattern's spread; the rank test sees this with far fewer
    points than the KS test of the passing points, which is why both are given."""
    rows = []
    for n in names:
        ok = passed[n].to_numpy()
        for f in factors:
            prior = points[f.name].to_numpy(dtype=float)
            kept = prior[ok]
            ks, ks_p = _ks(kept, prior)
            shift = ((np.median(kept) - np.median(prior)) / (f.high - f.low)) if len(kept) else math.nan
            rho, rho_p = rank_correlation(prior, values[n].to_numpy(dtype=float))
            rows.append({"pattern": n, "parameter": f.name, "passing": int(ok.sum()), "ks": ks, "ks_p": ks_p,
                         "median_shift": shift, "spearman": rho, "spearman_p": rho_p})
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("ks_p") + 1, "ks_p_adjusted", _adjust(table["ks_p"]))
    table["spearman_p_adjusted"] = _adjust(table["spearman_p"])
    table["identifies"] = table["ks_p_adjusted"] < ALPHA
    table["informs"] = table["spearman_p_adjusted"] < ALPHA
    return table


@dataclass
class Fit:
    """A fit's tables: ``patterns`` (per point), ``accepted`` (the posterior sample),
    ``posterior`` (per parameter), ``identification`` (pattern x parameter)."""

    patterns: pd.DataFrame
    accepted: pd.DataFrame
    posterior: pd.DataFrame
    identification: pd.DataFrame
    rule: str
    names: list[str]
    targets: list[tuple[str, str, float, float]]    # (name, measure, low, high)

    @property
    def identified(self) -> list[str]:
        return list(self.posterior.loc[self.posterior["identified"], "parameter"])

    @property
    def informed(self) -> list[str]:
        """Parameters some pattern's value depends on (identification.csv ``informs``)."""
        return list(dict.fromkeys(self.identification.loc[self.identification["informs"], "parameter"]))


def analyse(result: SweepResult, patterns: Sequence[Pattern], accept: float | None = None) -> Fit:
    """Accept and compare: the fit's tables from a finished sweep."""
    design = result.design
    names = pattern_names(patterns)
    values = pattern_values(result, patterns)
    passed = inside(values, patterns)
    distance = distances(values, patterns)
    accepted, rule = select(distance, passed.all(axis=1), accept)
    points = design.points.reset_index(drop=True)
    if len(points) < MIN_RANK_POINTS:
        print(f"warning: {len(points)} point(s): the rank test of which parameters a pattern informs needs at "
              f"least {MIN_RANK_POINTS} (--samples {MIN_RANK_POINTS} or more); none is reported", file=sys.stderr)
    per_point = pd.concat([points, values, distance, passed.all(axis=1).rename("passed_all"), accepted], axis=1)
    per_point.index.name = "point"
    return Fit(
        patterns=per_point.reset_index(),
        accepted=points.loc[accepted.to_numpy()].reset_index(drop=True),
        posterior=posterior_table(points, accepted, design.factors),
        identification=identification_table(points, values, passed, design.factors, names),
        rule=rule, names=names,
        targets=[(n, p.measure, p.low, p.high) for n, p in zip(names, patterns, strict=True)])


def fit(design, scenarios: list[Scenario], patterns: Sequence[Pattern], replications: int = 1, steps: int = 120,
        master_seed: int = DEFAULT_SEED, accept: float | None = None, workers: int | None = None,
        progress: bool = False) -> Fit:
    """Run the sweep in memory (no folder) and analyse it: for tests and notebooks."""
    from .sweep import run_sweep
    check_steps(steps, patterns, scenarios, source="fit")
    result = run_sweep(design, scenarios, replications, steps, master_seed, workers, progress=progress)
    return analyse(result, patterns, accept)


# ---------------------------------------------------------------------------------------- outputs

def _direction(shift: float) -> str:
    return "higher values pass" if shift > 0 else "lower values pass" if shift < 0 else "the tails fail"


def report(fit: Fit, n_points: int, replications: int, steps: int) -> str:
    """fit_report.md: the fit in plain language."""
    post, ident = fit.posterior, fit.identification
    n_acc, n_pass = len(fit.accepted), int(fit.patterns["passed_all"].sum())
    n_par = len(post)
    lines = ["# Calibration that constrains (`run.py calibrate --fit`)", "",
             f"Prior sample: {n_points} Latin-hypercube point(s) over {n_par} parameter(s) at their plausible "
             f"ranges, each run for {steps} months in every scenario the checks read, {replications} "
             "replication(s) with common seeds.", "",
             "## Targets", "", "| pattern | measure | target | points in range |", "|---|---|---|---|"]
    for name, measure, low, high in fit.targets:
        inside_n = int(fit.patterns[name].between(low, high).sum())
        lines.append(f"| {name} | {measure} | [{low:g}, {high:g}] | {inside_n} of {n_points} |")
    lines += ["", "## Accepted", "",
              f"{n_pass} of {n_points} point(s) reproduce every pattern at once. Accepted: {n_acc} point(s), "
              f"by the rule: {fit.rule}. They are the posterior sample (accepted.csv); "
              "`run.py run --parameter-uncertainty posterior` draws from them.", ""]
    if fit.patterns["failed_runs"].sum():
        lines += [f"{int(fit.patterns['failed_runs'].sum())} run(s) failed; a point is judged on the replications "
                  "whose runs all finished, and a point with none is never accepted.", ""]
    lines += ["## Which patterns identify which parameters", "",
              "A pattern identifies a parameter when the points that pass that pattern alone have a different "
              f"distribution of the parameter from the whole prior sample (two-sample KS test, Benjamini-Hochberg "
              f"false discovery rate {ALPHA:g} over all pattern x parameter pairs; identification.csv).", ""]
    order = {n: i for i, n in enumerate(fit.names)}
    flagged = ident[ident["identifies"]].sort_values("ks", ascending=False)
    if flagged.empty:
        lines.append("No pattern on its own constrains any parameter detectably with this sample.")
    for name, group in sorted(flagged.groupby("pattern"), key=lambda item: order[item[0]]):
        items = ", ".join(f"`{r.parameter}` ({_direction(r.median_shift)}, KS {r.ks:.2f})" for r in group.itertuples())
        lines.append(f"* **{name}** ({int(group['passing'].iloc[0])} point(s) pass): {items}")
    lines += ["", "Which parameters each pattern's value depends on across the prior sample (rank correlation, "
              f"Benjamini-Hochberg rate {ALPHA:g}; `informs` in identification.csv). These are the parameters the "
              "pattern carries information about; it constrains them where its target range cuts into its "
              "spread, which a larger sample shows as identification.", ""]
    informs = ident[ident["informs"]].assign(strength=lambda t: t["spearman"].abs()).sort_values(
        "strength", ascending=False)
    if n_points < MIN_RANK_POINTS:
        lines.append(f"Not tested: the rank test needs at least {MIN_RANK_POINTS} points, and the sample has "
                     f"{n_points}.")
    elif informs.empty:
        lines.append("No pattern's value depends detectably on any parameter with this sample.")
    for name, group in sorted(informs.groupby("pattern"), key=lambda item: order[item[0]]):
        items = ", ".join(f"`{r.parameter}` (rho {r.spearman:+.2f})" for r in group.itertuples())
        lines.append(f"* **{name}**: {items}")
    silent = [n for n in fit.names if n not in set(informs["pattern"])]
    if silent and not informs.empty:
        lines.append(f"* no detectable dependence: {', '.join(silent)}")
    ident_set = fit.identified
    lines += ["", "## Posterior", "",
              f"A parameter counts as identified when its accepted values differ from the prior sample (KS, "
              f"Benjamini-Hochberg rate {ALPHA:g} over the parameters) and their 90% range is at least "
              f"{MIN_SHRINKAGE:.0%} narrower than the prior sample's (posterior.csv).", ""]
    if ident_set:
        lines += ["| parameter | prior | posterior median [90% range] | shrinkage |", "|---|---|---|---|"]
        for r in post[post["identified"]].itertuples():
            lines.append(f"| `{r.parameter}` | [{r.prior_low:g}, {r.prior_high:g}] | {r.median:.4g} "
                         f"[{r.q05:.4g}, {r.q95:.4g}] | {r.shrinkage:.0%} |")
    else:
        lines.append("No parameter is identified by all the patterns together at this sample size.")
    lines += ["", f"**Unidentified: {n_par - len(ident_set)} of {n_par} parameter(s).** The patterns do not "
              "detectably narrow them. For a parameter no pattern informs, the model reproduces the stylized "
              "facts across its plausible range, as far as this sample can tell: the facts say nothing about "
              "it. For one a pattern informs, the sample (or the number of points accepted) is too small to "
              "show the constraint; a larger fit would. Either way that is not evidence for their defaults: "
              "results that depend on them rest on the plausible ranges alone, so carry them as uncertainty "
              "(sample the posterior, which keeps their prior spread) and look for other evidence to narrow "
              "them (docs/evidence.md)."]
    return "\n".join(lines) + "\n"


def plotted(fit: Fit) -> pd.DataFrame:
    """The posterior rows posterior.png shows: the identified parameters (most constrained first),
    then those the patterns inform (strongest dependence first), then the rest by KS. With few
    accepted points the largest KS statistics among many parameters are mostly chance, so the
    parameters the patterns demonstrably depend on come before them."""
    ident = fit.identification
    strength = ident[ident["informs"]].assign(r=ident["spearman"].abs()).groupby("parameter")["r"].max()
    post = fit.posterior.assign(
        rank_group=np.where(fit.posterior["identified"], 0, np.where(fit.posterior["parameter"].isin(strength.index),
                                                                     1, 2)),
        rank_key=lambda t: np.where(t["rank_group"] == 1, -t["parameter"].map(strength).fillna(0),
                                    -t["ks"].fillna(-1)))
    return post.sort_values(["rank_group", "rank_key"], kind="stable").head(PLOTTED)


def posterior_figure(fit: Fit, prior_points: pd.DataFrame):
    """Prior sample vs accepted sets of the parameters chosen by `plotted`."""
    import matplotlib
    from matplotlib.figure import Figure

    from ..report.figures import A4_WIDTH_IN, COLOURS, style
    top = plotted(fit)
    cols = min(3, max(1, len(top)))
    rows = math.ceil(len(top) / cols)
    with matplotlib.rc_context(style()):
        fig = Figure(figsize=(A4_WIDTH_IN, 2.3 * rows + 0.6), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, r in zip(axes.flat, top.itertuples(), strict=False):
            bins = np.linspace(r.prior_low, r.prior_high, 11)
            ax.hist(prior_points[r.parameter], bins=bins, density=True, color="#999999", alpha=0.5,
                    label=f"prior sample (n={len(prior_points)})")
            if len(fit.accepted):
                ax.hist(fit.accepted[r.parameter], bins=bins, density=True, color=COLOURS[3], alpha=0.7,
                        label=f"accepted (n={len(fit.accepted)})")
            verdict = "identified" if r.identified else "informed, not identified" if r.rank_group == 1 else \
                "not identified"
            ax.set_title(f"{r.parameter}\n{verdict}" + (f"\nKS {r.ks:.2f}, 90% range {r.shrinkage:.0%} narrower"
                                                         if np.isfinite(r.ks) and np.isfinite(r.shrinkage) else ""))
            ax.set_yticks([])
        for ax in list(axes.flat)[len(top):]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
        fig.suptitle("Prior sample vs accepted parameter sets")
    return fig


def write_fit(store, fit: Fit, n_points: int, replications: int, steps: int) -> None:
    """Every output of the fit, each written atomically through the store."""
    from ..report.figures import save
    csv = {"index": False, "float_format": "%.8g"}
    store.write("patterns.csv", lambda path: fit.patterns.to_csv(path, **csv))
    store.write("accepted.csv", lambda path: fit.accepted.to_csv(path, **csv))
    store.write("posterior.csv", lambda path: fit.posterior.to_csv(path, **csv))
    store.write("identification.csv", lambda path: fit.identification.to_csv(path, **csv))
    store.write_text("fit_report.md", report(fit, n_points, replications, steps))
    prior = fit.patterns[[c for c in fit.accepted.columns]]
    store.write("posterior.png", lambda path: save(posterior_figure(fit, prior), path))
