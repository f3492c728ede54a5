"""The full hash of the baseline commit perf.toml declares."""

from __future__ import annotations

from ..history_selection import baseline_commit
from .common import CommandFailed

NAME = "baseline"
SYNOPSIS = ""
SUMMARY = "the baseline commit of the record (perf.toml), as a full hash"


def run(args, extra: list[str]) -> int:
    try:
        print(baseline_commit())
    except LookupError as exc:
        raise CommandFailed(str(exc)) from None
    return 0
