"""The gate's false-alarm and detection rates, measured with throwaway
commits (see ``tools.gate_drill``)."""

from __future__ import annotations

import json
from pathlib import Path

from .. import gate_drill as drill_package
from ..gate_drill.drill import drill
from ..gate_drill.patches import CASES
from ..gate_drill.tables import markdown

NAME = "gate-drill"
SYNOPSIS = "[--runs N] [--slowdown F] [--cases CASE ...] [--json FILE] | --table FILE"
SUMMARY = "the gate's false-alarm and detection rates, with throwaway commits"
DESCRIPTION = drill_package.__doc__


def add_arguments(parser):
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--slowdown", type=float, default=0.10)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--cases", nargs="+", choices=list(CASES), default=list(CASES), help="noop always runs"
    )
    parser.add_argument(
        "--table", type=Path, default=None, help="only print the tables of an earlier --json"
    )


def run(args, extra: list[str]) -> int:
    if args.table:
        print(markdown(json.loads(args.table.read_text())))
        return 0
    outcome = drill(args.runs, args.slowdown, args.cases, args.json)
    print(json.dumps(outcome["summary"]))
    if args.json:
        args.json.write_text(json.dumps(outcome, indent=1))
    print(markdown(outcome))
    return 0
