"""How noisy is each benchmark here? The suite N times on one commit, and each benchmark's
spread.

Each run is a full ``asv run`` under its own machine name (noise-1 .. noise-N), so results
never mix with real ones. The table gives per benchmark the median, min, max, max/min and
the coefficient of variation (stdev / mean) over the runs; ``--json`` writes max/min per
benchmark, what ``./dev compare`` and the report judge changes against (docs/noise.json).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from .. import asv_cli, markdown
from ..asv_results import load
from ..git import commit_hash
from ..presentation import fmt_in
from ..pythons import link_dir, running

NAME = "noise"
SYNOPSIS = (
    "[--runs N] [--commit REV] [--python X.Y] [--bench REGEX] [--markdown FILE] [--json FILE]"
    " [--reuse]"
)
SUMMARY = "the suite N times on one commit: each benchmark's run-to-run spread"


def add_arguments(parser):
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--python", default=None, help="X.Y (default: the one running this)")
    parser.add_argument("--bench", default=None, help="only benchmarks matching this regex")
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="max/min per benchmark")
    parser.add_argument("--reuse", action="store_true", help="only tabulate existing runs")


def run(args, extra: list[str]) -> int:
    commit = commit_hash(args.commit)
    python = args.python or running()
    machines = [f"noise-{i + 1}" for i in range(args.runs)]
    if not args.reuse:
        for machine in machines:
            seconds = run_suite(machine, commit, python, args.bench)
            print(f"{machine}: whole suite in {seconds:.0f} s", file=sys.stderr)
    series = collect(commit, machines, python)
    table = markdown.table(
        ["benchmark [parameters]", "unit", "median", "min", "max", "max/min", "CV", "runs"],
        spread(series),
    )
    if args.json:  # read by the report to tell movement from noise
        args.json.write_text(
            json.dumps(
                {label: max(v) / min(v) for label, (_, v) in series.items() if min(v) > 0},
                indent=1,
                sort_keys=True,
            )
        )
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    return 0


def run_suite(machine: str, commit: str, python: str, bench: str | None = None) -> float:
    """The whole suite (or the benchmarks matching ``bench``) on ``commit``: seconds taken."""
    asv_cli.register_machine(machine)
    selected = ["--bench", bench] if bench else []
    t0 = time.perf_counter()
    asv_cli.run(machine, python, link_dir(python), f"{commit}^!", selected, show_stderr=False)
    return time.perf_counter() - t0


def collect(commit: str, machines: list[str], python: str) -> dict[str, tuple[str, list[float]]]:
    series: dict[str, tuple[str, list[float]]] = {}
    for machine in machines:
        for r in load(machine, commit, python=python):
            if r.value is not None:
                series.setdefault(r.label, (r.unit, []))[1].append(r.value)
    return series


def spread(series: dict[str, tuple[str, list[float]]]) -> list[list[str]]:
    rows = []
    for label, (unit, values) in sorted(series.items()):
        lo, hi = min(values), max(values)
        mean = statistics.fmean(values)
        cv = statistics.stdev(values) / mean if len(values) > 1 and mean else 0.0
        ratio = hi / lo if lo > 0 else float("nan")
        rows.append(
            [
                label,
                unit,
                fmt_in(statistics.median(values), unit),
                fmt_in(lo, unit),
                fmt_in(hi, unit),
                f"{ratio:.3f}" if lo > 0 else "n/a",
                f"{cv:.1%}",
                str(len(values)),
            ]
        )
    return rows
