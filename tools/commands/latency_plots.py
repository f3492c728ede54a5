"""One commit's latency pictures (latency against load, percentile spectrum) from its
open-loop records, into docs/latency/ or ``--out``."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT, REPO

from ..git import commit_hash
from ..latency_pictures import draw, records_of
from ..site.latency_page import write_page
from .common import CommandFailed, add_machine

NAME = "latency-plots"
SYNOPSIS = "[--commit REV] [--out DIR] [--site HTML_DIR]"
SUMMARY = "a commit's latency pictures from its open-loop records (--site: the site's page)"


def add_arguments(parser):
    add_machine(parser)
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "latency")
    parser.add_argument("--site", type=Path, default=None, help="write HTML_DIR/latency/")


def run(args, extra: list[str]) -> int:
    if args.site:
        page = write_page(args.site, args.machine, LAYOUT.latency(args.machine))
        print(page or f"no open-loop records on machine {args.machine!r}", file=sys.stderr)
        return 0
    commit = commit_hash(args.commit)
    mine = records_of(commit, args.machine)
    if not mine:
        raise CommandFailed(
            f"no open-loop records for {commit[:8]} on machine {args.machine!r}", status=1
        )
    for (prefix, python), artifacts in mine.items():
        for path in draw(prefix, python, artifacts, args.out):
            print(path)
    return 0
