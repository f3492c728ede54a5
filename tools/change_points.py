"""Where a series of the record moved: change points found by Apache Otava.

Otava (formerly DataStax Hunter) runs E-Divisive means over a series in commit order and
keeps a candidate split only where Student's t-test between the points before and after
it is significant, so the same data always gives the same answer (MongoDB's original
E-Divisive uses a permutation test and varies from run to run). Its analysis core needs
only numpy and scipy; the package is installed without its database and chat clients.

A step must also be at least 2% and at least 3 times the spread of one point of its own
series (estimated from the differences between neighbouring points, which a step moves only
once): a noisy series, such as a live subscriber's end-to-end latency on 2 cores, drifts
by a few percent over a stretch of commits, and a t-test over that stretch calls it
significant although no commit moved it.

A step is reported at the first commit of the new level, with the mean before and after
(between the neighbouring change points), the relative change and the t-test's p-value.
asv's own detection (``asv.step_detect``: an L1 piecewise-constant fit with a penalty) is
available beside it for comparison (``asv_steps``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

MAX_PVALUE = 0.001  # otava's default: a false step at about one point in a thousand
WINDOW = 20  # points each side that a candidate is judged on (otava: window_len)
MIN_CHANGE = 0.02  # smaller steps are not reported: below what the record can resolve
NOISE_MULTIPLE = 3  # nor steps within 3 times the spread of one point of that series


@dataclass(frozen=True)
class Step:
    series: str
    commit: str  # the first commit at the new level
    previous: str  # the commit before it
    before: float
    after: float
    pvalue: float

    @property
    def change(self) -> float:
        """after / before - 1: +0.05 is 5% higher (worse: lower is better everywhere)."""
        return self.after / self.before - 1 if self.before else math.inf


def points(commits: Sequence[str], values: Sequence[float | None]) -> tuple[list[str], list[float]]:
    """The commits that have a value, and their values."""
    kept = [
        (c, float(v))
        for c, v in zip(commits, values, strict=True)
        if v is not None and not math.isnan(v)
    ]
    return [c for c, _ in kept], [v for _, v in kept]


def find_steps(
    series: str,
    commits: Sequence[str],
    values: Sequence[float | None],
    *,
    max_pvalue: float = MAX_PVALUE,
    window: int = WINDOW,
    min_change: float = MIN_CHANGE,
) -> list[Step]:
    """Otava's change points of one series, oldest first; ``commits`` in commit order."""
    from otava.analysis import compute_change_points

    commits, values = points(commits, values)
    if len(values) < 4:
        return []
    smallest = max(min_change, NOISE_MULTIPLE * point_spread(values))
    found, _ = compute_change_points(
        values, window_len=window, max_pvalue=max_pvalue, min_magnitude=smallest
    )
    steps = []
    for point in sorted(found, key=lambda p: p.index):
        stats = point.stats
        steps.append(
            Step(
                series,
                commits[point.index],
                commits[point.index - 1],
                float(stats.mean_1),
                float(stats.mean_2),
                float(stats.pvalue),
            )
        )
    return steps


def point_spread(values: Sequence[float]) -> float:
    """The relative standard deviation of one point, from the differences between neighbours
    (a step moves only one of them), robustly: the median absolute deviation, scaled."""
    diffs = [b - a for a, b in zip(values, values[1:], strict=False)]
    level = abs(median(values))
    if len(diffs) < 3 or level == 0:
        return 0.0
    centre = median(diffs)
    mad = median([abs(d - centre) for d in diffs])
    return 1.4826 * mad / math.sqrt(2) / level


def asv_steps(series: str, commits: Sequence[str], values: Sequence[float | None]) -> list[Step]:
    """asv's own piecewise-constant fit of the same series, as steps (no p-value: nan)."""
    from asv.step_detect import detect_steps

    commits, values = points(commits, values)
    if len(values) < 2:
        return []
    segments = detect_steps(values)
    return [
        Step(series, commits[right[0]], commits[right[0] - 1], left[2], right[2], math.nan)
        for left, right in zip(segments, segments[1:], strict=False)
    ]
