"""Does the history name the commit that moved a metric? Throwaway commits with injected
steps, measured and analysed as the history is (see ``tools.history_drill``)."""

from __future__ import annotations

import json
from pathlib import Path

from .. import history_drill as drill_package
from ..history_drill.drill import aa_points, history_drill, resume
from ..history_drill.tables import aa, drills

NAME = "history-drill"
SYNOPSIS = (
    "[--commits N] [--steps N] [--seed N] [--json FILE] | --resume FILE | --aa N [--json FILE]"
    " | --table FILE ..."
)
SUMMARY = "the history's rates: steps named at their commit, false change points (or --aa)"
DESCRIPTION = drill_package.__doc__


def add_arguments(parser):
    parser.add_argument("--commits", type=int, default=36)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--aa", type=int, default=0, metavar="N", help="N A/A points instead")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--resume", type=Path, default=None, help="a stopped drill's --json file")
    parser.add_argument("--table", type=Path, nargs="+", default=None, help="earlier --json files")


def run(args, extra: list[str]) -> int:
    if args.table:
        outcomes = [o for path in args.table for o in _outcomes(json.loads(path.read_text()))]
        drilled = [o for o in outcomes if "steps" in o]
        for outcome in outcomes:
            if "points" in outcome:
                print(aa(outcome), "\n")
        if drilled:
            print(drills(drilled))
        return 0
    if args.aa:
        print(aa(aa_points(args.aa, args.json)))
        return 0
    if args.resume:
        print(drills([resume(args.resume)]))
        return 0
    print(drills([history_drill(args.commits, args.steps, args.seed, args.json)]))
    return 0


def _outcomes(loaded: dict) -> list[dict]:
    """One drill's or A/A run's outcome, or the record's file that keeps them all
    (``docs/history_drill.json``: ``{"aa": ..., "drills": [...]}``)."""
    if "drills" in loaded or "aa" in loaded:
        return [loaded["aa"], *loaded["drills"]] if "aa" in loaded else loaded["drills"]
    return [loaded]
