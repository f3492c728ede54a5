"""Write performance_report.md for one commit from its asv results, never by hand.

The Python defaults to the one the published record is measured on (perf.toml [record]) when
the commit has results for it, else to this one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.support.asv_layout import REPO

from ..git import commit_hash
from ..history_selection import baseline_commit
from ..pythons import for_results
from ..report.document import render
from ..report.pictures import draw_pictures, links
from .common import add_machine, add_python

NAME = "report"
SYNOPSIS = "[--commit REV] [--python X.Y] [--profile local|port-forward] [--output FILE]"
SUMMARY = "performance_report.md for a commit, with its latency pictures"


def add_arguments(parser):
    parser.add_argument("--commit", default="HEAD")
    add_machine(parser)
    add_python(parser, help="X.Y (default: see above)")
    parser.add_argument("--profile", default="local", choices=["local", "port-forward"])
    parser.add_argument("--output", type=Path, default=REPO / "performance_report.md")
    parser.add_argument(
        "--pictures",
        type=Path,
        default=REPO / "docs" / "latency",
        help="where the latency pictures go (default: docs/latency/)",
    )


def run(args, extra: list[str]) -> int:
    commit = commit_hash(args.commit)
    try:
        python = args.python or for_results(args.machine, commit)
    except LookupError as exc:
        raise SystemExit(f"{exc}: run ./dev bench") from None
    pictures = draw_pictures(commit, args.machine, python, args.pictures)
    try:
        base = baseline_commit()
    except LookupError as exc:
        raise SystemExit(str(exc)) from None
    text = render(commit, args.machine, args.profile, python, base, links(pictures, args.output))
    args.output.write_text(text)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
