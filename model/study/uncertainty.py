"""Parameter uncertainty in a study: one parameter set per replication, beside its seed.

Seed noise alone says little about how sure a comparison is: at full scale it is tiny, while the
model's behavioural parameters are uncertain over wide ranges. With parameter uncertainty,
replication r of a study draws its own parameter set as well as its seed, and every scenario's
replication r runs with the same (seed, parameter set) pair, so paired comparisons stay paired and
the spread over replications covers seeds and parameters. Two sources:

* ``plausible``: a Latin hypercube over every ``uncertainty`` parameter at its plausible range
  (``model.study.design``), point r for replication r;
* ``posterior``: rows of the ``accepted.csv`` written by ``run.py calibrate --fit`` (header:
  registry parameter names; one accepted parameter set per row), drawn from the master seed,
  without replacement unless the file has fewer rows than there are replications (then in
  shuffled rounds: every row once before any twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..parameters import PARAMETERS, check_value, coerce
from .seeds import stream
from .store import MANIFEST, require_complete

SOURCES = ("plausible", "posterior")
POSTERIOR_FILE = "accepted.csv"      # what `run.py calibrate --fit` writes
FIT_HINT = "run `run.py calibrate --fit` first"


@dataclass(frozen=True)
class ParameterSets:
    """The parameter set of each replication: ``sets[r]`` (overrides) came from draw ``draws[r]``
    (the Latin hypercube point, or the data row of accepted.csv counted from 0)."""

    source: str
    draws: tuple[int, ...]
    sets: tuple[dict[str, Any], ...]
    file: str | None = None

    def __len__(self) -> int:
        return len(self.sets)

    @property
    def names(self) -> list[str]:
        return list(self.sets[0]) if self.sets else []

    def table(self, seeds: list[int] | None = None) -> pd.DataFrame:
        """parameter_sets.csv: one row per replication, its seed, its draw and its values."""
        frame = pd.DataFrame(list(self.sets), columns=self.names)
        frame.insert(0, "parameter_set", list(self.draws))
        if seeds is not None:
            frame.insert(0, "seed", list(seeds))
        frame.insert(0, "replication", range(len(self.sets)))
        return frame

    def describe(self) -> dict[str, Any]:
        """What determines the draws, for the study fingerprint and the manifest."""
        return {"source": self.source, "file": self.file, "draws": list(self.draws),
                "parameters": self.names, "sets": [dict(s) for s in self.sets]}


def plausible_sets(replications: int, master_seed: int) -> ParameterSets:
    """A Latin hypercube of ``replications`` points over every uncertainty parameter at its
    plausible range; point r is replication r's parameter set."""
    from .design import default_factors, make_design
    design = make_design("lhs", default_factors(), replications, master_seed)
    return ParameterSets("plausible", tuple(range(replications)),
                         tuple(design.values(i) for i in range(replications)))


def posterior_path(given: str | Path | None, option: str = "posterior=") -> Path:
    """The accepted.csv named by ``given`` (the file, or the folder that holds it)."""
    if given is None or not str(given).strip():
        raise InputError("parameter_sets", option, f"the {POSTERIOR_FILE} of a calibration "
                         f"(the file or its folder) with the 'posterior' source; {FIT_HINT}")
    path = Path(given)
    if path.is_dir():
        path = path / POSTERIOR_FILE
    if not path.is_file():
        raise InputError(str(path), "file", f"an existing {POSTERIOR_FILE} ({FIT_HINT})")
    if (path.parent / MANIFEST).exists():     # in a results folder: only a complete one holds results
        require_complete(path.parent)
    return path


def read_posterior(path: Path) -> pd.DataFrame:
    """accepted.csv as a table of valid parameter sets; a bad file is a one-line InputError
    naming the file and the column."""
    source = str(path)
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise InputError(source, "file", f"a CSV with a header of parameter names ({FIT_HINT})",
                         str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    if frame.empty or frame.columns.empty:
        raise InputError(source, "rows", f"at least one accepted parameter set ({FIT_HINT})")
    seen = set()
    for column in frame.columns:
        param = PARAMETERS.get(column)
        if param is None:
            raise InputError(source, f"column {column}", "a parameter name from `run.py params`", column)
        if param.kind not in (int, float) or param.choices:
            raise InputError(source, f"column {column}", f"a numeric parameter ({column} is {param.expected()})",
                             column)
        if column in seen:
            raise InputError(source, f"column {column}", "each parameter once", column)
        seen.add(column)
        values = pd.to_numeric(frame[column], errors="coerce")
        for row, (raw, value) in enumerate(zip(frame[column], values, strict=True)):
            if pd.isna(value) or check_value(column, float(value)) is not None:
                raise InputError(source, f"column {column} (row {row + 1})", param.expected(), raw)
        frame[column] = values
    return frame.reset_index(drop=True)


def posterior_sets(path: str | Path | None, replications: int, master_seed: int) -> ParameterSets:
    """``replications`` rows of accepted.csv, drawn from the master seed's own stream: without
    replacement while rows last; with fewer rows than replications, every row is used once
    before any is used again (shuffled rounds), so the posterior is weighed evenly."""
    file = posterior_path(path)
    frame = read_posterior(file)
    rng = np.random.default_rng(stream(master_seed, "posterior"))
    rounds = -(-replications // len(frame))
    rows = np.concatenate([rng.permutation(len(frame)) for _ in range(rounds)])[:replications]
    sets = tuple({c: coerce(c, frame.at[int(i), c]) for c in frame.columns} for i in rows)
    return ParameterSets("posterior", tuple(int(i) for i in rows), sets, str(file.resolve()))


def completed_with_plausible(sets: ParameterSets, master_seed: int) -> ParameterSets:
    """Each set of ``sets`` (a posterior) completed with a Latin-hypercube draw over every ``uncertainty``
    parameter it does not hold, at its plausible range: a fit that varied some parameters says nothing
    about the others, so their uncertainty stays their prior's. Without this, a conclusion over a
    posterior of a few parameters would be stated as if every other assumption were known."""
    rest = plausible_sets(len(sets), master_seed)
    fitted = set(sets.names)
    merged = tuple({**{k: v for k, v in other.items() if k not in fitted}, **own}
                   for own, other in zip(sets.sets, rest.sets, strict=True))
    return ParameterSets(f"{sets.source}, the rest plausible", sets.draws, merged, sets.file)


def parameter_sets(source: str | None, replications: int, master_seed: int,
                   posterior: str | Path | None = None) -> ParameterSets | None:
    """The study's parameter sets for ``--parameter-uncertainty SOURCE``; None without it."""
    if source is None:
        if posterior is not None:
            raise InputError("parameter_sets", "posterior=", "the 'posterior' source with it", posterior)
        return None
    if source not in SOURCES:
        raise InputError("parameter_sets", "source=", "one of " + ", ".join(SOURCES), source)
    if source == "plausible":
        if posterior is not None:
            raise InputError("parameter_sets", "posterior=", "no posterior with the 'plausible' source (the "
                             "plausible ranges come from the registry)", posterior)
        return plausible_sets(replications, master_seed)
    return posterior_sets(posterior, replications, master_seed)
