"""One commit's benchmark results as a table, with the speed targets."""

from __future__ import annotations

from ..git import commit_hash
from ..pythons import running
from ..results_table import print_results
from .common import add_machine, add_python

NAME = "table"
SYNOPSIS = "[--commit REV] [--python X.Y] [--profile local|port-forward]"
SUMMARY = "one commit's results as a table, with the speed targets (what ./dev bench prints)"


def add_arguments(parser):
    add_machine(parser)
    add_python(parser, default=running(), help="X.Y; default: this Python")
    parser.add_argument("--commit", default=None)
    parser.add_argument("--profile", default="local")


def run(args, extra: list[str]) -> int:
    commit = commit_hash(args.commit or "HEAD")
    return print_results(commit, args.machine, args.python, args.profile)
