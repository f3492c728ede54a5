"""Every gate metric of this commit as a ratio to the baseline commit's (``perf.toml``), both
measured in the same run, round by round: the record's lines that a faster or slower
machine does not move.

The commit's SDK (asv's environment) and the baseline's (an environment built once beside
it) each get a gate worker with its own service processes on one server; the two are asked
in turn for short measurements (``support.gate_worker``), 10 rounds, and that 20 times over
with fresh processes and a fresh server, since one pair of processes can sit several
percent off for its whole life. A metric's value is the median over the 20 runs of each
run's median per-round ratio commit/baseline: 1.00 is the baseline's speed, 1.05 five
percent slower (lower is better, as everywhere in the record). Measured on the baseline
itself it shows the spread of an unchanged SDK (``docs/benchmarks.md``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .support.gate_worker import METRICS
from .support.paired_rounds import paired_point
from .support.perf_config import baseline_revision
from .support.run_sizes import QUICK
from .support.sdk_environments import environment

PAIRS = 20  # runs with fresh processes
ROUNDS = 10  # paired rounds per run


def measure_against_baseline() -> dict[str, dict]:
    pairs, rounds = (1, 2) if QUICK else (PAIRS, ROUNDS)
    pythons = {"base": environment(baseline_revision()), "head": Path(sys.executable)}
    return paired_point(pythons, pairs, rounds)


class PairedRatios:
    """Each gate metric of this commit over the baseline's, measured side by side."""

    version = "1"
    unit = "ratio commit/baseline"

    def setup_cache(self):
        return measure_against_baseline()

    setup_cache.timeout = 900


def _track(metric: str):
    def track(self, cache):
        return cache[metric]["ratio"]

    track.__name__ = f"track_{metric}"
    track.__doc__ = f"{METRICS[metric].what}: this commit over the baseline"
    return track


for _metric in METRICS:
    setattr(PairedRatios, f"track_{_metric}", _track(_metric))
