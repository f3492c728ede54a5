"""The history drill's plan: steps apart and away from the ends, reverts among them, and the
SDK source of each commit carrying the slowdowns in force."""

from __future__ import annotations

import random

import pytest

from tools.history_drill.plan import EDGE, MIN_GAP, levels_at, plan, source


@pytest.mark.parametrize("seed", range(20))
def test_steps_are_apart_away_from_the_ends_and_some_revert(seed):
    steps = plan(36, 4, random.Random(seed))
    positions = [s.index for s in steps]
    assert len(steps) == 4
    assert positions[0] >= EDGE and positions[-1] <= 36 - EDGE
    assert all(b - a >= MIN_GAP for a, b in zip(positions, positions[1:], strict=False))
    assert any(s.revert for s in steps)
    for step in steps:  # a revert takes back a slowdown that is in force
        if step.revert:
            assert levels_at(steps, step.index - 1)[step.path] > 0


def test_too_few_commits_for_the_steps():
    with pytest.raises(ValueError, match="need at least"):
        plan(20, 4, random.Random(0))


def test_each_commit_carries_the_slowdowns_in_force_and_differs_from_the_last():
    steps = plan(36, 4, random.Random(3))
    spins = {"rpc": 2e-5, "events": 1e-6, "subscriber": 1.5e-6}
    texts = [source("BASE\n", levels_at(steps, i), spins, i) for i in range(36)]
    assert len(set(texts)) == 36  # every commit changes the SDK
    first = steps[0]
    assert "_drill_spin" not in texts[first.index - 1].split("def _drill_spin")[-1]
    assert repr(first.level * spins[first.path]) in texts[first.index]
