"""The site as ``./dev history`` leaves it, from the results branch (perf-results) and
what ``.asv`` holds besides (``--no-fetch``: only that), measuring nothing: asv's graphs,
made self-contained (their JavaScript fetched once from the npm registry instead of
CDNs), the change points' page, the latency pictures' page, and a check in headless
Chromium that the graphs render (when Chromium is installed). ``--check-only`` checks a
built site: for each benchmark it waits for asv's graph, then asks flot for the series it
drew and the y-axis label: a graph counts as rendered when it plots at least one point and
its axis shows the benchmark's unit."""

from __future__ import annotations

from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT

from .. import results_branch
from ..site import browser_check
from ..site.build import build
from .common import CommandFailed, add_machine

NAME = "site"
SYNOPSIS = (
    "[HTML_DIR] [--check-only [--benchmark NAME ...] [--screenshot FILE] [--expect-tag TAG] "
    "[--pictures]]"
)
SUMMARY = "build the site from the results (graphs, latency pictures), then check it"


def add_arguments(parser):
    parser.add_argument("html_dir", nargs="?", type=Path, default=LAYOUT.html)
    add_machine(parser)
    parser.add_argument("--check-only", action="store_true", help="only the browser check")
    parser.add_argument(
        "--no-fetch", action="store_true", help="only the results in .asv, not the branch's"
    )
    parser.add_argument("--benchmark", nargs="*", default=browser_check.DEFAULT_BENCHMARKS)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--expect-tag", default="perf-baseline")
    parser.add_argument("--pictures", action="store_true", help="also check latency pictures")


def run(args, extra: list[str]) -> int:
    if not args.check_only:
        taken = 0 if args.no_fetch else results_branch.take_branch()
        return build(args.machine, args.html_dir) or taken
    try:
        return browser_check.run(
            args.html_dir, args.benchmark, args.screenshot, args.expect_tag or None, args.pictures
        )
    except FileNotFoundError as exc:
        raise CommandFailed(str(exc), status=1) from None
