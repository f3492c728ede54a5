"""The search for the maximum sustainable rate: steps to the edge, bisects, and reports
n/a (NaN) instead of failing the whole area when no rate is sustained."""

import asyncio
import math

from benchmarks.support import histograms
from benchmarks.support.rate_runs import RateRun, latency_record
from benchmarks.support.rate_search import max_sustainable


def probe_sustained_below(edge: float):
    async def probe(rate: float, seconds: float) -> RateRun:
        latency = 0.001 if rate <= edge else 0.050  # 1 ms under the edge, 50 ms over it
        histogram = histograms.histogram([latency] * 200)
        return RateRun(rate, rate, 0, {"main": histogram})

    return probe


def search(edge: float, start: float):
    return asyncio.run(max_sustainable(probe_sustained_below(edge), start, "main"))


def test_search_finds_the_edge_within_its_resolution():
    best, probes = search(edge=7000, start=9000)
    assert 7000 / 1.25**0.5 <= best <= 7000  # three geometric bisections of one 1.25 step
    assert all(p.sustained("main") == (p.rate <= 7000) for p in probes)


def test_search_steps_up_when_the_start_is_sustained():
    best, _ = search(edge=20000, start=9000)
    assert 20000 / 1.25**0.5 <= best <= 20000


def test_no_sustained_rate_is_nan_not_an_error():
    best, probes = search(edge=0, start=9000)
    assert math.isnan(best)
    assert len(probes) == 10 and not any(p.sustained("main") for p in probes)
    record = latency_record({}, probes, "main", best)
    assert record["max_rate"] is None and len(record["probes"]) == 10
