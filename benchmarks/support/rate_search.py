"""The search for the maximum sustainable rate: the highest offered rate at which a path
keeps up (``RateRun.sustained``)."""

from __future__ import annotations

import math

from .measuring import steady_gc
from .rate_runs import RateRun, run_lengths
from .run_sizes import QUICK

SEARCH_STEP = 1.25  # rate factor while looking for the edge; then bisection
SEARCH_BISECTIONS = 3


async def max_sustainable(measure, start: float, main: str) -> tuple[float, list[RateRun]]:
    """Step by SEARCH_STEP until the edge is between a passing and a failing rate, then
    bisect (geometric). NaN when none of the ten rates from start down is sustained: asv
    shows n/a, the levels' figures stay."""
    _, _, seconds = run_lengths()
    probes: list[RateRun] = []

    async def ok(rate: float) -> bool:
        with steady_gc():
            result = await measure(rate, seconds)
        probes.append(result)
        return result.sustained(main)

    if QUICK:
        await ok(start)
        return start, probes
    passing, failing = 0.0, math.inf
    rate = start
    for _ in range(10):
        if await ok(rate):
            passing = rate
            if failing < math.inf:
                break
            rate *= SEARCH_STEP
        else:
            failing = rate
            if passing:
                break
            rate /= SEARCH_STEP
    if not passing:  # e.g. a replicated stream whose p99 is over the limit at any rate
        return math.nan, probes
    for _ in range(SEARCH_BISECTIONS):
        middle = math.sqrt(passing * failing)
        if await ok(middle):
            passing = middle
        else:
            failing = middle
    return passing, probes
