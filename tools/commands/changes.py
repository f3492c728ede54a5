"""Where each series of the record moved, and by how much: the change points Apache Otava
finds (E-Divisive means with a t-test) in every series of one machine and Python, the series
paired with the baseline first. For each: the first commit at the new level, the mean
before and after, the step and its p-value. ``--asv`` adds the steps asv's own detection
(``asv.step_detect``) finds in the same series, for comparison."""

from __future__ import annotations

from benchmarks.support.machine import machine_name
from benchmarks.support.perf_config import record_python

from .. import change_points, markdown
from ..asv_results import commits_with_results
from ..git import git
from ..pythons import running
from ..record_series import steps
from .common import CommandFailed, add_machine, add_python

NAME = "changes"
SYNOPSIS = "[--machine NAME] [--python X.Y] [--asv] [--markdown FILE]"
SUMMARY = "the commits at which each series of the record moved (change points)"


def add_arguments(parser):
    add_machine(parser)
    add_python(parser, help="whose results (default: the record's Python where it has any)")
    parser.add_argument("--asv", action="store_true", help="also asv's own step detection")
    parser.add_argument("--markdown", default=None, help="also write the table to this file")


def table(found: list[tuple[str, change_points.Step]], with_detector: bool = False) -> str:
    rows = []
    for detector, step in found:
        subject = git("log", "-1", "--format=%s", step.commit)[:60]
        pvalue = "" if step.pvalue != step.pvalue else f"{step.pvalue:.1e}"
        row = [
            step.series,
            f"`{step.commit[:8]}` {subject}",
            f"{step.before:.4g} -> {step.after:.4g}",
            f"{step.change:+.1%}",
            pvalue,
        ]
        rows.append(([detector] if with_detector else []) + row)
    header = ["series", "commit (first at the new level)", "before -> after", "step", "p-value"]
    return markdown.table((["detector"] if with_detector else []) + header, rows)


def python_with_results(machine: str, requested: str | None) -> str:
    """``requested``, else the record's Python where the machine has results for it, else
    this one's."""
    if requested:
        return requested
    for python in (record_python(), running()):
        if commits_with_results(machine, python=python):
            return python
    raise CommandFailed(f"no results on machine {machine!r}: run ./dev history first")


def run(args, extra: list[str]) -> int:
    machine = args.machine or machine_name()
    python = python_with_results(machine, args.python)
    found = steps(machine, python, args.asv)
    if not found:
        print(f"no change points in the series of {machine}, Python {python}")
        return 0
    text = table(found, with_detector=args.asv)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(text + "\n")
    return 0
