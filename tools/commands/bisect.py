"""Which commit moved a metric: ``git bisect`` between GOOD and BAD with the paired
measurement as judge (``tools/bisection.py``). The ends are measured side by side first;
the metric (``--metric``, else the one that moved most) and its step are taken from that.
Prints the table that decided each step, then the first commit that moved the metric."""

from __future__ import annotations

from .. import bisection
from ..git import commit_hash
from .common import CommandFailed

NAME = "bisect"
SYNOPSIS = "GOOD BAD [--metric NAME] [--pairs N] [--rounds N]"
SUMMARY = "find the commit between GOOD and BAD that moved a metric (git bisect, paired judge)"


def add_arguments(parser):
    parser.add_argument("good")
    parser.add_argument("bad")
    parser.add_argument("--metric", default=None, help="a gate metric, e.g. rpc_p50")
    parser.add_argument("--pairs", type=int, default=bisection.PAIRS)
    parser.add_argument("--rounds", type=int, default=bisection.ROUNDS)


def run(args, extra: list[str]) -> int:
    good, bad = commit_hash(args.good), commit_hash(args.bad)
    print(f"bisect: measuring {bad[:8]} (BAD) against {good[:8]} (GOOD)", flush=True)
    point = bisection.measure(good, bad, args.pairs, args.rounds)
    found = bisection.readings(point)
    print(bisection.table(found), flush=True)
    try:
        chosen = bisection.pick(found, args.metric)
    except LookupError as exc:
        raise CommandFailed(f"bisect: {exc}", status=2) from None
    print(f"\nbisect: {chosen.metric} moved to {chosen.ratio:.3f} x GOOD; looking for the commit\n")
    judge = bisection.python_command(
        "bisect-step", good, "--metric", chosen.metric, "--step", f"{chosen.ratio:.6f}",
        "--pairs", str(args.pairs), "--rounds", str(args.rounds),
    )  # fmt: skip
    first = bisection.run_git_bisect(good, bad, judge)
    if first is None:
        raise CommandFailed("bisect: git bisect did not name a commit (see above)", status=1)
    print(f"bisect: first commit that moved {chosen.metric}: {first}")
    return 0
