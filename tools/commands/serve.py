"""The published record on 127.0.0.1, from a fresh clone in under a minute, measuring
nothing: the results branch (perf-results) is fetched, what it holds is taken into ``.asv``,
the site is built from it (graphs, change points, latency pictures), then served.
``--no-build`` serves ``.asv/html`` as it is."""

from __future__ import annotations

import os
import sys

from benchmarks.support.asv_layout import LAYOUT

from .. import results_branch
from ..site.build import build

NAME = "serve"
SYNOPSIS = "[PORT] [--no-build]"
SUMMARY = "build the site from the results branch and serve it on 127.0.0.1 (port 8080)"


def add_arguments(parser):
    parser.add_argument("port", nargs="?", default="8080")
    parser.add_argument("--no-build", action="store_true", help="serve the site as built")


def run(args, extra: list[str]) -> int:
    if not args.no_build:
        results_branch.take_branch()
        build(None)
    html = str(LAYOUT.html)
    sys.stdout.flush()  # what the build printed, before exec replaces this process
    print(f"serving {html} on http://127.0.0.1:{args.port}/", file=sys.stderr, flush=True)
    server = ["-m", "http.server", "--directory", html, "--bind", "127.0.0.1", args.port]
    os.execv(sys.executable, [sys.executable, *server])
