"""One step of ``./dev bisect``, as ``git bisect run`` calls it: the commit git picked
(BISECT_HEAD) measured side by side with GOOD as the ends were; exit 1 when its ratio is
nearer BAD's step than 1.00 ("bad"), 0 otherwise, 125 (skip) when it cannot be measured."""

from __future__ import annotations

from .. import bisection
from ..git import commit_hash

NAME = "bisect-step"
SYNOPSIS = "GOOD --metric NAME --step RATIO [--pairs N] [--rounds N]"
SUMMARY = "one step of ./dev bisect (git bisect run calls it)"
SKIP = 125


def add_arguments(parser):
    parser.add_argument("good")
    parser.add_argument("--metric", required=True)
    parser.add_argument("--step", type=float, required=True)
    parser.add_argument("--pairs", type=int, default=bisection.PAIRS)
    parser.add_argument("--rounds", type=int, default=bisection.ROUNDS)


def run(args, extra: list[str]) -> int:
    commit = commit_hash("BISECT_HEAD")
    try:
        point = bisection.measure(args.good, commit, args.pairs, args.rounds)
    except Exception as exc:  # a commit that cannot be built or run: git skips it
        print(f"step {commit[:8]}: cannot be measured ({exc}); skipped", flush=True)
        return SKIP
    reading = next(r for r in bisection.readings(point) if r.metric == args.metric)
    bad = bisection.is_bad(reading.ratio, args.step)
    print(f"\nstep {commit[:8]}: {args.metric} {reading.ratio:.3f} x GOOD (BAD: {args.step:.3f})"
          f" -> {'bad: moved' if bad else 'good: not moved'}")  # fmt: skip
    print(bisection.table(bisection.readings(point)), flush=True)
    return 1 if bad else 0
