"""The EMA Workbench adapter (an optional extra: ``pip install 'shequ[analysis]'``).

`ema_model` builds an ``ema_workbench.Model`` whose uncertainties, levers and outcomes come
from the registry, so the Workbench's own tools (``perform_experiments`` with the Sequential
or Multiprocessing evaluator, PRIM, feature scoring, its samplers) work on Shequ directly::

    from ema_workbench import SequentialEvaluator, perform_experiments
    from model.research.ema import ema_model
    experiments, outcomes = perform_experiments(ema_model(steps=36), 16, evaluator=SequentialEvaluator(...))

`to_ema` and `to_salib` convert the results of our own sweeps (model.research.sweep) into the
Workbench's ``(experiments, outcomes)`` and SALib's ``(problem, X, Y)``.

Failed runs: `to_ema` drops them from the arrays and warns with their count (the Workbench's
arrays hold no missing values); `to_salib` follows model.research.sensitivity (Morris: trajectories with a
failed point are dropped; Sobol: refused). Registry names with a dot (reform parameters such
as ``burden_reduction.ledgers``) are not Python identifiers, which the Workbench requires; their
Workbench name has ``__`` for the dot, and the model still receives the registry name.

Every run of `ema_model` uses one seed, replication 0 of the master seed (common random
numbers, as in our sweeps); ``replications=R`` gives a ``ReplicatorModel`` over the first R,
whose outcomes are the mean over the replications.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..metrics import METRIC_NAMES
from ..parameters import PARAMETERS
from ..study.design import Factor, default_factors, parse_factor
from ..study.seeds import DEFAULT_SEED, replication_seeds

# Levers the model exposes by default: base policy settings with a plausible range that act in
# every scenario (the reform flags are better compared as scenarios; name them to vary them).
DEFAULT_LEVERS = ("inspections_per_year", "plaques", "funding_evaluation_weight",
                  "visits_per_vulnerable_quarter", "task_deadline_months")
DEFAULT_STEPS = 120


def workbench():
    """The ema_workbench package, imported quietly (it warns about optional evaluators it
    cannot offer), or a one-line InputError saying how to install it."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not installed.*", category=UserWarning)
            import ema_workbench
    except ImportError:
        raise InputError("ema", "ema_workbench", "the EMA Workbench installed "
                         "(pip install 'shequ[analysis]')") from None
    return ema_workbench


def ema_name(name: str) -> str:
    """The Workbench name of a registry parameter (a Python identifier)."""
    return name.replace(".", "__")


def run_shequ(strategy: str = "baseline", months: int = DEFAULT_STEPS, seed: int = 0,
              fixed: dict[str, Any] | None = None, **values: Any) -> dict[str, float]:
    """One run of ``strategy`` (a scenario name or file) with ``fixed`` and ``values`` as parameter
    overrides: every metric's final-month value. Top level, so process pools can pickle it."""
    from ..governance import GovernanceModel
    from ..scenario import load_scenario
    model = GovernanceModel(load_scenario(strategy), rng=int(seed), overrides={**(fixed or {}), **values})
    model.run(int(months))
    final = model.district_frame().iloc[-1]
    return {m: float(final[m]) for m in METRIC_NAMES}


def _parameter(wb, factor: Factor):
    kind = wb.IntegerParameter if factor.integer else wb.RealParameter
    low, high = (int(factor.low), int(factor.high)) if factor.integer else (factor.low, factor.high)
    return kind(ema_name(factor.name), low, high, variable_name=factor.name)


def _lever(wb, text: str):
    """A lever from the registry: numeric ones over their plausible range (or NAME=LOW:HIGH),
    flags as BooleanParameter, modes as CategoricalParameter."""
    name = text.partition("=")[0].strip()
    param = PARAMETERS.get(name)
    if param is None or param.role != "lever":
        raise InputError("ema_model", "levers", "lever parameters from `run.py params` (role lever)", text)
    if param.kind is bool:
        return wb.BooleanParameter(ema_name(name), variable_name=name)
    if param.choices:
        return wb.CategoricalParameter(ema_name(name), list(param.choices), variable_name=name)
    return _parameter(wb, parse_factor(text, "ema_model", "levers"))


def ema_model(scenario: str = "baseline", steps: int = DEFAULT_STEPS, factors: list[Factor] | None = None,
              levers: list[str] | None = None, outcomes: list[str] | None = None, master_seed: int = DEFAULT_SEED,
              overrides: dict[str, Any] | None = None, replications: int = 1, name: str = "shequ"):
    """A Workbench model of ``scenario``: uncertainties ``factors`` (default: every uncertainty
    parameter over its plausible range), levers (default DEFAULT_LEVERS; ``[]`` for none),
    one ScalarOutcome per metric (final month) or per ``outcomes``; ``overrides`` (such as
    ``{"scale": 0.01}``) hold in every run."""
    from ..scenario import load_scenario
    from .sensitivity import check_outcomes
    wb = workbench()
    from ..scenario import validate_parameters
    base = load_scenario(scenario)                # a bad name or override fails here, not in every run
    if overrides:
        validate_parameters({**base.parameters, **{k: v for k, v in overrides.items() if "." not in k}},
                            source="ema_model overrides", prefix="")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InputError("ema_model", "steps", "an integer >= 1", steps)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise InputError("ema_model", "replications", "an integer >= 1", replications)
    seeds = replication_seeds(master_seed, replications)
    if replications == 1:
        model = wb.Model(name, function=run_shequ)
    else:
        model = wb.ReplicatorModel(name, function=run_shequ)
        model.replications = [{"seed": s} for s in seeds]
    model.uncertainties = [_parameter(wb, f) for f in (factors if factors is not None else default_factors())]
    model.levers = [_lever(wb, t) for t in (DEFAULT_LEVERS if levers is None else levers)]
    constants = [wb.Constant("strategy", scenario), wb.Constant("months", steps)]
    if replications == 1:
        constants.append(wb.Constant("seed", seeds[0]))
    if overrides:
        constants.append(wb.Constant("fixed", dict(overrides)))
    model.constants = constants
    # over several replications an outcome is the mean of its replications, as in model.research.sensitivity
    reduce = {"function": np.mean} if replications > 1 else {}
    model.outcomes = [wb.ScalarOutcome(m, **reduce) for m in check_outcomes(outcomes, "ema_model", "outcomes")]
    return model


def to_ema(result, outcomes: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A sweep's results in the Workbench's shape: ``experiments`` (one row per successful run:
    the varied parameters under their Workbench names, ``scenario`` the design point,
    ``policy`` our scenario (strategy), ``model``) and ``outcomes`` {metric: final-month values}.
    Failed runs are dropped with a warning giving their count."""
    from .sensitivity import check_outcomes
    outcomes = check_outcomes(outcomes, "to_ema", "outcomes")
    runs = result.runs
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    if len(ok) < len(runs):
        warnings.warn(f"to_ema: {len(runs) - len(ok)} failed run(s) of {len(runs)} dropped", stacklevel=2)
    names = [f.name for f in result.design.factors]
    experiments = ok[names].rename(columns={n: ema_name(n) for n in names})
    experiments["scenario"] = ok["point"].to_numpy()
    experiments["policy"] = ok["scenario"].astype("category")
    experiments["model"] = "shequ"
    return experiments, {m: ok[m].to_numpy(float) for m in outcomes}


def to_salib(result, outcome: str, scenario: str | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """SALib's ``(problem, X, Y)`` for one outcome of a sweep (see model.research.sensitivity.to_salib)."""
    from .sensitivity import to_salib as convert
    return convert(result, outcome, scenario)
