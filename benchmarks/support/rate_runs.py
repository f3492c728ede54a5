"""Runs at fixed offered rates, as the open-loop benchmarks take them: each level once per
round in rotating order, summarised per level, and recorded whole for the latency pictures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from . import histograms
from .measuring import steady_gc
from .percentiles import median
from .run_sizes import QUICK
from .workloads import open_loop

WORKLOAD = open_loop()
PERCENTILES = {"p50": 50, "p90": 90, "p99": 99}


@dataclass
class RateRun:
    """One run at one offered rate: its histograms (seconds in microsecond buckets)."""

    rate: float
    achieved: float
    errors: int
    histograms: dict[str, HdrHistogram]
    lost: int = 0
    extra: dict = field(default_factory=dict)

    def p(self, name: str, percentile: float) -> float:
        return histograms.at(self.histograms[name], percentile)

    def sustained(self, main: str) -> bool:
        return (
            self.errors == 0
            and self.lost == 0
            and self.achieved >= WORKLOAD.min_achieved * self.rate
            and self.p(main, 99) <= WORKLOAD.p99_limit
        )

    def point(self, main: str) -> dict:
        return {
            "rate": self.rate,
            "achieved": self.achieved,
            "p50": self.p(main, 50),
            "p99": self.p(main, 99),
            "p99.9": self.p(main, 99.9),
            "sustained": self.sustained(main),
        }


def run_lengths() -> tuple[int, float, float]:
    """Rounds, seconds per round and seconds per search probe; tiny for smoke runs."""
    if QUICK:
        return 1, 0.3, 0.3
    return WORKLOAD.rounds, WORKLOAD.seconds, WORKLOAD.probe_seconds


async def run_levels(
    measure, rates: tuple[int, ...], baseline=None
) -> tuple[dict[int, list[RateRun]], list[RateRun]]:
    """Every level once per round, in rotating order; with a ``baseline`` measure, the tail
    level (``tail_rate``) is run on it too in each round, right before or after, in turn."""
    rounds, seconds, _ = run_lengths()
    runs: dict[int, list[RateRun]] = {rate: [] for rate in rates}
    base_runs: list[RateRun] = []
    order = list(rates)
    for r in range(rounds):
        for rate in order[r % len(order) :] + order[: r % len(order)]:
            sides = [(runs[rate], measure)]
            if baseline is not None and rate == WORKLOAD.tail_rate:
                sides.append((base_runs, baseline))
                sides = sides if r % 2 == 0 else sides[::-1]
            for results, take in sides:
                with steady_gc():
                    results.append(await take(rate, seconds))
    return runs, base_runs


def level_summary(runs: list[RateRun], name: str) -> dict[str, float]:
    pooled = histograms.merged(p.histograms[name] for p in runs)
    summary = {key: median([p.p(name, q) for p in runs]) for key, q in PERCENTILES.items()}
    summary["p99.9"] = histograms.at(pooled, 99.9)
    summary["samples"] = pooled.get_total_count()
    summary["achieved_over_offered"] = median([p.achieved / p.rate for p in runs])
    return summary


def latency_record(
    runs: dict[int, list[RateRun]], probes: list[RateRun], main: str, max_rate: float
) -> dict:
    """What the latency pictures draw: each level's spectrum and histogram, the probes."""
    levels = {}
    for rate, level in runs.items():
        pooled = {
            name: histograms.merged(p.histograms[name] for p in level)
            for name in level[0].histograms
        }
        levels[str(rate)] = {
            name: {"spectrum": histograms.spectrum(h), "histogram": histograms.encode(h)}
            for name, h in pooled.items()
        }
    points = [p.point(main) for p in probes]
    best = None if math.isnan(max_rate) else max_rate
    return {"main": main, "levels": levels, "probes": points, "max_rate": best}
