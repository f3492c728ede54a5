"""Finding the commit that moved a metric: git bisect with the paired measurement as judge.

The two ends are measured side by side first (``reference``): the metric's ratio BAD/GOOD
is the step to look for. Then ``git bisect`` runs without checking anything out (the
benchmarks and tools stay those of the working tree; each commit's SDK is installed in an
environment of its own) and asks, for each commit it picks, ``bisect-step``: that commit
is measured side by side with GOOD exactly as the ends were (every measurement, as many
pairs of processes as a history point), and it is "bad" when its ratio is nearer the step
than 1.00. A measurement that fails makes git skip the commit.
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import dataclass
from statistics import median

from benchmarks import against_baseline
from benchmarks.support.gate_worker import MEASUREMENTS, METRICS
from benchmarks.support.paired_rounds import paired_point
from benchmarks.support.sdk_environments import environment

from .git import git

PAIRS, ROUNDS = against_baseline.PAIRS, against_baseline.ROUNDS  # as a history point


@dataclass(frozen=True)
class Reading:
    metric: str
    ratio: float  # the commit over GOOD: the median of the pairs' median ratios
    pairs: list[float]

    @property
    def agreeing(self) -> float:
        """The share of pairs on the same side of 1.00 as the ratio."""
        side = [p for p in self.pairs if (p > 1) == (self.ratio > 1)]
        return len(side) / len(self.pairs)


def measure(good: str, commit: str, pairs: int, rounds: int) -> dict:
    """``commit`` against ``good``, side by side: every measurement, as a history point."""
    pythons = {"base": environment(good), "head": environment(commit)}
    return paired_point(pythons, pairs, rounds, list(MEASUREMENTS))


def readings(point: dict) -> list[Reading]:
    return [Reading(m, v["ratio"], v["pairs"]) for m, v in point.items()]


def moved(reading: Reading) -> bool:
    """Beyond the metric's smallest change that counts (the gate's), with at least 5 of 6
    pairs of processes agreeing on the direction."""
    return abs(reading.ratio - 1) > METRICS[reading.metric].min_effect and reading.agreeing >= 5 / 6


def pick(found: list[Reading], metric: str | None) -> Reading:
    """The reading to bisect: ``metric``'s, else the largest move among those that moved;
    LookupError when it did not move."""
    if metric:
        chosen = next((r for r in found if r.metric == metric), None)
        if chosen is None:
            raise LookupError(f"no metric {metric!r}; metrics: {', '.join(METRICS)}")
        if not moved(chosen):
            raise LookupError(f"{metric} did not move between the ends: {chosen.ratio:.3f}")
        return chosen
    candidates = [r for r in found if moved(r)]
    if not candidates:
        raise LookupError("no metric moved between the ends")
    return max(candidates, key=lambda r: abs(math.log(r.ratio)))


def is_bad(ratio: float, step: float) -> bool:
    """Nearer the step than the start (in log terms: a halving and a doubling are alike)."""
    return abs(math.log(ratio / step)) < abs(math.log(ratio))


def table(rows: list[Reading]) -> str:
    lines = [
        "| metric | ratio to GOOD | pairs (min-median-max) | pairs agreeing |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.metric} | {r.ratio:.3f} | {min(r.pairs):.3f}-{median(r.pairs):.3f}-"
            f"{max(r.pairs):.3f} | {r.agreeing:.0%} |"
        )
    return "\n".join(lines)


def run_git_bisect(good: str, bad: str, judge: list[str]) -> str | None:
    """The first bad commit along the first-parent line, None if git found none; git's
    output and the judge's go to the terminal as they come. The checkout and its working
    tree are left alone."""
    git("bisect", "reset")
    try:
        git("bisect", "start", "--no-checkout", "--first-parent", bad, good)
        done = subprocess.run(["git", "bisect", "run", *judge], cwd=git_root())
        return git("rev-parse", "refs/bisect/bad") if done.returncode == 0 else None
    finally:
        git("bisect", "reset")


def git_root() -> str:
    return git("rev-parse", "--show-toplevel")


def python_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tools", *args]
