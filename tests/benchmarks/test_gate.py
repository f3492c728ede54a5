"""The pull-request gate: its verdict rule on known samples, and its worker against a real
nats-server (the gate's speed and noise rates are measured by ./dev gate-drill)."""

import sys

import pytest

from benchmarks.support.gate_worker import MEASUREMENTS, METRICS
from benchmarks.support.paired_rounds import Worker
from tools.gate.judgement import Judgement, judge
from tools.gate.markdown import render as markdown

BASE = [100.0, 104.0, 98.0, 101.0, 97.0, 103.0, 99.0, 102.0, 100.0, 96.0] * 3


def judged(factors: list[float]) -> Judgement:
    head = [b * f for b, f in zip(BASE, factors, strict=True)]
    return Judgement("event_batch_us_per_event", BASE, head)


def test_a_steady_rise_is_a_regression():
    judgement = judged([1.10] * 30)
    assert judgement.ratio == pytest.approx(1.10)
    assert judgement.verdict == "regression"
    assert not judgement.looks_changed


def test_a_marginal_regression_is_measured_again_a_clear_one_is_not():
    assert judged([1.06] * 30).verdict == "regression"
    assert judged([1.06] * 30).looks_changed
    assert not judged([1.10] * 30).looks_changed


def test_a_marginal_change_counts_only_when_the_fresh_rounds_show_it_on_their_own():
    first = {"base": {"rpc_p50": BASE}, "head": {"rpc_p50": [b * 1.08 for b in BASE]}}
    one_pair_apart = {"base": {"rpc_p50": BASE}, "head": {"rpc_p50": [b * 1.03 for b in BASE]}}
    (together,) = judge(first, one_pair_apart)
    assert together.ratio > 1.05 and together.fresh.verdict == "no change"
    assert together.verdict == "no change"
    still_slower = {"base": {"rpc_p50": BASE}, "head": {"rpc_p50": [b * 1.07 for b in BASE]}}
    (confirmed,) = judge(first, still_slower)
    assert len(confirmed.base) == 2 * len(BASE)
    assert confirmed.verdict == "regression"


def test_metrics_not_measured_again_are_judged_on_their_rounds_alone():
    samples = {"base": {"rpc_p50": BASE}, "head": {"rpc_p50": [b * 1.10 for b in BASE]}}
    (judgement,) = judge(samples)
    assert judgement.fresh is None and judgement.verdict == "regression"


def test_a_steady_fall_is_an_improvement():
    assert judged([0.90] * 30).verdict == "improvement"


def test_a_rise_below_the_minimum_effect_is_no_change_but_looks_changed():
    judgement = judged([1.04] * 30)
    assert judgement.verdict == "no change"
    assert judgement.looks_changed


def test_a_large_median_without_a_consistent_sign_is_no_change():
    # 16 of 30 rounds worse: the median ratio is large, the sign test says noise
    judgement = judged([1.2] * 16 + [0.8] * 14)
    assert judgement.ratio > 1.05
    assert judgement.verdict == "no change"


def test_identical_samples_are_no_change():
    judgement = judged([1.0] * 30)
    assert judgement.verdict == "no change"
    assert not judgement.looks_changed


def test_sign_test_is_exact():
    judgement = Judgement("rpc_p50", [1.0] * 6, [1.1] * 6)
    assert judgement._p(worse=True) == pytest.approx(1 / 64)
    assert judgement._p(worse=False) == pytest.approx(1.0)


def test_markdown_names_the_regression_and_the_rounds():
    judgements = [judged([1.10] * 30), Judgement("rpc_p50", BASE, BASE)]
    table = markdown("a" * 40, "b" * 40, judgements, 30, ["event_batch"])
    assert "**1 regression(s)**" in table
    assert "| event_batch_us_per_event" in table and ":x: regression" in table
    assert "| rpc_p50" in table and "| 1.000 | 5% | no change |" in table
    assert "| 100 (10,000/s) |" in table  # a time per event also as its rate
    assert "30 interleaved rounds" in table and "fresh processes: event_batch" in table


def test_markdown_shows_the_fresh_rounds_of_a_metric_measured_again():
    first = {"base": {"rpc_p50": BASE}, "head": {"rpc_p50": [b * 1.08 for b in BASE]}}
    again = {"base": {"rpc_p50": BASE}, "head": {"rpc_p50": [b * 1.03 for b in BASE]}}
    table = markdown("a" * 40, "b" * 40, judge(first, again), 30, ["rpc_serial"])
    assert "| 5% | no change (fresh rounds alone: 1.030) |" in table


def test_a_tail_metric_needs_a_larger_change_than_a_median():
    rise = [1.12] * 30
    head = [b * f for b, f in zip(BASE, rise, strict=True)]
    assert Judgement("rpc_p50", BASE, head).verdict == "regression"
    assert Judgement("rpc_p99", BASE, head).verdict == "no change"
    doubled = [b * 2 for b in BASE]
    assert Judgement("rpc_p99", BASE, doubled).verdict == "regression"
    assert Judgement("delivery_e2e_p99", BASE, doubled).verdict == "regression"


@pytest.fixture(scope="module")
def worker():
    # this environment's SDK; the worker starts its own nats-server and service process
    w = Worker(sys.executable, "test")
    yield w
    w.close()


@pytest.mark.parametrize("name", list(MEASUREMENTS))
def test_worker_answers_each_measurement_with_its_metrics(worker, name):
    answer = worker.measure(name)
    assert set(answer) == set(MEASUREMENTS[name])
    assert all(value > 0 for value in answer.values())
    assert set(answer) <= set(METRICS)


def test_worker_rejects_an_unknown_measurement_with_its_reason():
    w = Worker(sys.executable, "test-unknown")
    with pytest.raises(RuntimeError, match="unknown measurement 'nonsense'"):
        w.measure("nonsense")
    assert w.process.poll() is not None, "a failed worker is stopped"


def test_drill_tables_count_each_case_from_its_runs():
    from tools.gate_drill.tables import markdown as drill_markdown

    def run(code, regressions):
        ratios = {"rpc_p50": 1.2 if regressions == ["rpc_p50"] else 1.0, "event_p50": 1.0}
        return {"exit": code, "seconds": 60.0, "ratios": ratios, "regressions": regressions}

    outcome = {
        "rpc_spin_us": 58.0,
        "event_spin_us": 6.5,
        "subscriber_spin_us": 2.1,
        "runs": {
            "noop": [run(0, []), run(1, ["event_p50"])],
            "rpc": [run(1, ["rpc_p50"]), run(1, ["rpc_p50"])],
            "events": [run(1, ["rpc_p50"]), run(0, [])],  # an RPC flag does not count here
            "subscriber": [run(1, ["drain_cpu"]), run(1, ["delivery_e2e_p50"])],
            "tail": [run(1, ["rpc_p99"]), run(1, ["rpc_p50"])],  # p50 is not the tail
        },
    }
    table = drill_markdown(outcome)
    assert "| passed 1 of 2 | 1 |" in table
    assert "| RPC flagged 2 of 2 | 0 |" in table
    assert "| events flagged 0 of 2 | 1 |" in table
    assert "(2.1 us per event) | 2 | delivery flagged 2 of 2 | 0 |" in table
    assert "| RPC p99 flagged 1 of 2 | 1 |" in table
    assert "| rpc_p50 | 1.000 (1.000-1.000), 0/2 | 1.200 (1.200-1.200), 2/2 |" in table
