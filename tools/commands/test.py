"""The tests: unit, integration against a real nats-server, reliability, a smoke run of
every benchmark, the site in headless Chromium."""

from __future__ import annotations

import os
import sys

from benchmarks.support.asv_layout import REPO

NAME = "test"
SYNOPSIS = "[pytest args]"
SUMMARY = "unit, integration, reliability and benchmark-smoke tests"
PASSES_ON = "pytest"
OWN_HELP = False  # ./dev test --help is pytest's


def run(args, extra: list[str]) -> int:
    os.chdir(REPO)
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *extra])
