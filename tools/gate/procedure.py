"""One gate run: environments for both commits, rounds of measurements, the marginal ones
taken again with fresh workers, and the verdicts."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.support.gate_worker import MEASUREMENTS
from benchmarks.support.paired_rounds import run_rounds
from benchmarks.support.sdk_environments import environment

from ..git import git
from .judgement import Judgement, judge
from .markdown import render


def default_base() -> str:
    """The merge base of main (origin's, else the local branch) and HEAD."""
    for ref in ("origin/main", "main"):
        try:
            return git("merge-base", ref, "HEAD")
        except subprocess.CalledProcessError:
            continue
    raise SystemExit("cannot find main to compare with; pass --base")


def gate(base: str, head: str, rounds: int) -> tuple[list[Judgement], str]:
    """The judgements of ``head`` against ``base``, and their Markdown table."""
    print(f"gate: base {base[:8]} vs head {head[:8]}", file=sys.stderr)
    pythons = {"base": environment(base), "head": environment(head)}
    samples: dict = {"base": {}, "head": {}}
    fresh: dict = {"base": {}, "head": {}}
    run_rounds(pythons, list(MEASUREMENTS), rounds, samples)
    changed = {j.metric for j in judge(samples) if j.looks_changed}
    unsure = [name for name, metrics in MEASUREMENTS.items() if changed & metrics.keys()]
    if unsure:
        print(f"gate: re-measuring {', '.join(unsure)}", file=sys.stderr)
        run_rounds(pythons, unsure, rounds, fresh)
    judgements = judge(samples, fresh)
    return judgements, render(base, head, judgements, rounds, unsure)
