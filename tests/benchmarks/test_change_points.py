"""Change points: Otava names the first commit of each new level; an unchanged series has
none; missing values are left out; asv's own detection runs on the same series."""

from __future__ import annotations

import random

from tools import change_points
from tools.change_points import asv_steps, find_steps, point_spread

COMMITS = [f"{i:040x}" for i in range(40)]


def series(steps: dict[int, float], noise: float, seed: int = 11) -> list[float]:
    rng = random.Random(seed)
    level, values = 1.0, []
    for i in range(len(COMMITS)):
        level *= 1 + steps.get(i, 0.0)
        values.append(level * (1 + rng.gauss(0, noise)))
    return values


def test_each_step_is_named_at_its_first_commit():
    values = series({13: 0.06, 27: -0.10}, noise=0.01)
    steps = find_steps("rpc_p50", COMMITS, values)
    assert [s.commit for s in steps] == [COMMITS[13], COMMITS[27]]
    assert [s.previous for s in steps] == [COMMITS[12], COMMITS[26]]
    assert 0.03 < steps[0].change < 0.09 and -0.13 < steps[1].change < -0.07
    assert all(s.pvalue < 0.001 for s in steps)


def test_an_unchanged_series_has_no_step():
    for seed in range(5):
        assert find_steps("rpc_p50", COMMITS, series({}, noise=0.01, seed=seed)) == []


def test_a_shift_within_a_noisy_series_own_spread_is_not_a_step(monkeypatch):
    # 3% noise a point: a stretch of 8 points 7% higher, which the t-test alone calls two
    # steps, is not reported; a 15% step in the same noise is
    noisy = series({}, noise=0.03)
    drifted = [v * 1.07 if 22 <= i < 30 else v for i, v in enumerate(noisy)]
    assert find_steps("delivery_e2e_p50", COMMITS, drifted) == []
    with monkeypatch.context() as patched:
        patched.setattr(change_points, "NOISE_MULTIPLE", 0)
        assert len(find_steps("delivery_e2e_p50", COMMITS, drifted)) == 2
    stepped = series({20: 0.15}, noise=0.03)
    assert [s.commit for s in find_steps("delivery_e2e_p50", COMMITS, stepped)] == [COMMITS[20]]


def test_point_spread_ignores_a_step():
    values = series({20: 0.50}, noise=0.01)
    assert 0.005 < point_spread(values) < 0.02


def test_a_series_of_zeros_has_no_step():  # e.g. events lost: 0 at every commit
    assert point_spread([0.0] * 40) == 0.0
    assert find_steps("delivery.EventDelivery.track_lost_events", COMMITS, [0.0] * 40) == []


def test_commits_without_a_value_are_left_out():
    values: list[float | None] = series({20: 0.10}, noise=0.01)
    values[5] = values[19] = None
    steps = find_steps("rpc_p50", COMMITS, values)
    assert [s.commit for s in steps] == [COMMITS[20]]
    assert steps[0].previous == COMMITS[18]  # 19 has no value


def test_asv_detection_runs_on_the_same_series():
    steps = asv_steps("rpc_p50", COMMITS, series({20: 0.10}, noise=0.005))
    assert COMMITS[20] in [s.commit for s in steps]
