"""The built site (``.asv/html``) on 127.0.0.1."""

from __future__ import annotations

import os
import sys

from benchmarks.support.asv_layout import LAYOUT

NAME = "serve"
SYNOPSIS = "[PORT]"
SUMMARY = "serve the built site on 127.0.0.1 (port 8080 by default)"


def add_arguments(parser):
    parser.add_argument("port", nargs="?", default="8080")


def run(args, extra: list[str]) -> int:
    html = str(LAYOUT.html)
    server = ["-m", "http.server", "--directory", html, "--bind", "127.0.0.1", args.port]
    os.execv(sys.executable, [sys.executable, *server])
