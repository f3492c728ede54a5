"""The open-loop generator: calls start on schedule whatever the replies do, and latency
counts from each call's intended start, so a stall counts for every call it delays."""

import asyncio
import math
import time

from benchmarks.support import fixed_rate
from benchmarks.support import histograms as hdr
from benchmarks.support.percentiles import significant


def run(coro):
    loop = fixed_rate.precise_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def test_every_call_is_started_and_counted():
    started = []

    async def call(i, due):
        started.append(i)

    outcome = run(fixed_rate.run(call, rate=2000, seconds=0.1))
    assert outcome.sent == 200 and outcome.completed == 200 and outcome.errors == 0
    assert sorted(started) == list(range(200))
    assert all(latency >= 0 for latency in outcome.latencies)


def test_calls_do_not_wait_for_earlier_replies():
    """Open loop: slow replies (50 ms each) do not slow the schedule down."""
    in_flight, most = 0, 0

    async def call(i, due):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1

    outcome = run(fixed_rate.run(call, rate=1000, seconds=0.2))
    assert outcome.completed == 200
    assert most >= 20  # a closed loop would have one call in flight
    assert min(outcome.latencies) >= 0.05


def test_a_stall_counts_for_every_call_it_delays():
    """Call 10 blocks the loop for 100 ms: the calls due during the stall start late, and
    their latency from the intended start includes the wait (coordinated omission)."""

    async def call(i, due):
        if i == 10:
            time.sleep(0.1)

    outcome = run(fixed_rate.run(call, rate=1000, seconds=0.2))
    # call 11 was due 1 ms after call 10 but could only start after the stall
    assert outcome.latencies[11] >= 0.09
    assert outcome.delays[11] >= 0.09
    delayed = [lat for lat in outcome.latencies[11:100] if lat >= 0.01]
    assert len(delayed) >= 50  # one stall, many late calls
    # measured from the actual start, the same calls look fast: what the correction adds
    uncorrected = [lat - d for lat, d in zip(outcome.latencies, outcome.delays, strict=True)]
    assert uncorrected[11] < 0.01


def test_failed_calls_are_errors_not_latencies():
    async def call(i, due):
        if i % 2:
            raise RuntimeError("refused")

    outcome = run(fixed_rate.run(call, rate=1000, seconds=0.05))
    assert outcome.errors == 25 and outcome.completed == 25
    assert sum(math.isnan(v) for v in outcome.latencies) == 25
    assert outcome.achieved > 0


def test_histogram_percentiles_and_spectrum():
    h = hdr.histogram([0.0005] * 990 + [0.002] * 10 + [math.nan])
    assert h.get_total_count() == 1000
    assert hdr.at(h, 50) == 0.0005 and hdr.at(h, 99.5) == 0.002
    points = hdr.spectrum(h)
    assert points[0][0] == 0 and points[-1] == (100.0, 0.002)
    assert all(a[0] < b[0] and a[1] <= b[1] for a, b in zip(points, points[1:], strict=False))
    assert hdr.decode(hdr.encode(h)).get_total_count() == 1000
    assert hdr.merged([h, h]).get_total_count() == 2000


def test_ratios_keep_three_significant_digits():
    assert significant(1.123456789) == 1.12
    assert significant(0.0123456) == 0.0123
    assert significant(1234.5) == 1230
    assert significant(0) == 0
