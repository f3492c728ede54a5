"""Percentiles and medians of latency samples, and ratios rounded as asv stores them."""

from __future__ import annotations

import math


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        raise ValueError("no samples")
    pos = (len(sorted_values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def median(values: list[float]) -> float:
    return percentile(sorted(values), 50)


def latency_summary(rounds: list[list[float]]) -> dict[str, float]:
    """Per-round p50/p95/p99, median over rounds; p99.9 over all samples pooled (seconds)."""
    per_round = [sorted(r) for r in rounds]
    pooled = sorted(v for r in rounds for v in r)
    summary = {
        f"p{name}": median([percentile(r, q) for r in per_round])
        for name, q in (("50", 50), ("95", 95), ("99", 99))
    }
    summary["p99.9"] = percentile(pooled, 99.9)
    summary["samples"] = len(pooled)
    return summary


def significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits: a ratio reads 1.12, not
    1.1234567 (asv prints what it stores)."""
    if value == 0 or value != value or value in (float("inf"), float("-inf")):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))
