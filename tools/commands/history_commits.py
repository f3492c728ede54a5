"""The commits ``./dev history`` would measure, one hash a line, newest first (see
``tools.history_selection``). Exit status 2 when the baseline is not on the first-parent
history of HEAD, or not in this clone."""

from __future__ import annotations

from ..history_selection import commits_to_measure
from ..pythons import running
from .common import CommandFailed, add_machine, add_python

NAME = "history-commits"
SYNOPSIS = "[--python X.Y] [--all]"
SUMMARY = "the commits ./dev history would measure, one hash a line"


def add_arguments(parser):
    add_machine(parser)
    add_python(parser, default=running(), help="X.Y; default: this Python")
    parser.add_argument("--all", action="store_true", help="also commits that leave the SDK")


def run(args, extra: list[str]) -> int:
    try:
        commits = commits_to_measure(args.machine, args.python, every=args.all)
    except LookupError as exc:
        raise CommandFailed(str(exc)) from None
    for commit in commits:
        print(commit)
    return 0
