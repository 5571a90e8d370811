"""One table of seeds: every random stream of a master seed is its own (model/study/seeds.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model
from model.study.seeds import DEFAULT_SEED, STREAMS, check_streams, replication_seeds, spawn_keys, stream


@pytest.mark.parametrize("master_seed", [0, 1, DEFAULT_SEED, 2**63 - 1])
def test_no_two_streams_coincide(master_seed):
    check_streams(master_seed)


def test_the_check_fails_when_two_streams_share_a_spawn_key():
    shared = {**STREAMS, "posterior": STREAMS["sensitivity"]}     # as when both used spawn key (2, 0)
    with pytest.raises(ValueError, match="both use spawn key"):
        spawn_keys(shared)
    with pytest.raises(ValueError, match="both use spawn key"):
        check_streams(DEFAULT_SEED, shared)


def test_replication_r_is_child_r_of_the_master_seed():
    seeds = replication_seeds(DEFAULT_SEED, 3)
    assert seeds == [int(stream(DEFAULT_SEED, "replication", r).generate_state(1, dtype=np.uint32)[0])
                     for r in range(3)]


def test_the_master_seed_and_the_streams_are_written_in_one_place():
    """DEFAULT_SEED's value and every SeedSequence appear in seeds.py alone."""
    root = Path(model.__file__).parent
    for text in (str(DEFAULT_SEED), "SeedSequence("):
        holders = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*.py"))
                   if text in p.read_text(encoding="utf-8")]
        assert holders == ["study/seeds.py"], text
