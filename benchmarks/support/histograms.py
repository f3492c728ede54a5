"""Latencies into HdrHistogram (after the timed region: recording costs microseconds),
then percentiles and the percentile spectrum that latency plots draw."""

from __future__ import annotations

import math
from collections.abc import Iterable

from hdrh.histogram import HdrHistogram

LOWEST_US, HIGHEST_US, DIGITS = 1, 60_000_000, 3


def histogram(seconds: Iterable[float]) -> HdrHistogram:
    """Microsecond histogram of latencies in seconds; NaN (a failed call) is skipped."""
    h = HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)
    for value in seconds:
        if value == value:
            h.record_value(min(max(round(value * 1e6), LOWEST_US), HIGHEST_US))
    return h


def merged(histograms: Iterable[HdrHistogram]) -> HdrHistogram:
    total = HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)
    for h in histograms:
        total.add(h)
    return total


def at(h: HdrHistogram, percentile: float) -> float:
    """The latency at ``percentile`` (0-100), in seconds."""
    return h.get_value_at_percentile(percentile) / 1e6


def spectrum_points(count: int, per_decade: int = 10) -> list[float]:
    """Percentiles evenly spaced on a log scale of 1/(1-p), up to what ``count`` samples
    resolve: 0, ..., 90, ..., 99, ..., 99.9, ..."""
    decades = math.log10(max(count, 10))
    steps = int(decades * per_decade)
    return [100 * (1 - 10 ** (-k / per_decade)) for k in range(steps + 1)]


def spectrum(h: HdrHistogram) -> list[tuple[float, float]]:
    """(percentile, seconds) pairs of the whole distribution, plus the maximum at 100."""
    points = [(p, at(h, p)) for p in spectrum_points(h.get_total_count())]
    return [*points, (100.0, h.get_max_value() / 1e6)]


def encode(h: HdrHistogram) -> str:
    """The histogram in HdrHistogram's compressed form, as text (a few hundred bytes)."""
    data = h.encode()
    return data.decode() if isinstance(data, bytes) else data


def decode(text: str) -> HdrHistogram:
    return HdrHistogram.decode(text.encode() if isinstance(text, str) else text)
