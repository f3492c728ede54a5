"""The results of two commits as a Markdown table ready for a pull request.

Like ``asv compare A B`` (both must have results on the machine: ``./dev bench`` or
``./dev history``), with the report's verdicts: a change is worse or better only beyond 10%
and beyond what the same commit does between runs (docs/noise.json). Lower is better for
every benchmark; throughput is stored as time per operation and shown as a rate too.
Both are read for one Python: the record's (perf.toml) when both have results for it, else
this one, or ``--python``.
Exit status 0 whatever the verdicts (the gate is ``./dev gate``); 2 without results.
"""

from __future__ import annotations

from pathlib import Path

from ..asv_results import load
from ..git import commit_hash
from ..pythons import for_results
from ..verdicts import changes, noise_spread, table, verdict
from .common import CommandFailed, add_machine, add_python

NAME = "compare"
SYNOPSIS = "A B [--python X.Y] [--only-changed]"
SUMMARY = "two commits' results as a Markdown table, with noise-aware verdicts"


def add_arguments(parser):
    parser.add_argument("before")
    parser.add_argument("after")
    add_machine(parser)
    add_python(parser, help="X.Y (default: see above)")
    parser.add_argument("--only-changed", action="store_true", help="only worse and better")


def run(args, extra: list[str]) -> int:
    before, after = commit_hash(args.before), commit_hash(args.after)
    try:
        python = args.python or for_results(args.machine, before, after)
    except LookupError as exc:
        raise CommandFailed(str(exc)) from None
    print(render(before, after, args.machine, python, args.only_changed))
    return 0


def render(
    before: str,
    after: str,
    machine: str,
    python: str,
    only_changed: bool = False,
    root: Path | None = None,
) -> str:
    """The table and its heading; CommandFailed when a commit has no results."""
    base = load(machine, before, python=python, root=root)
    head = load(machine, after, python=python, root=root)
    for commit, results in ((before, base), (after, head)):
        if not results:
            raise CommandFailed(
                f"no results for {commit[:8]} on machine {machine!r}, Python {python}"
            )
    spread = noise_spread()
    diffs = changes(head, base)
    if only_changed:
        diffs = [d for d in diffs if verdict(d[1], d[2], spread) in ("worse", "better")]
    verdicts = [verdict(r, q, spread) for _, r, q in diffs]
    summary = ", ".join(
        f"{verdicts.count(v)} {v}" for v in ("worse", "better", "within noise", "same")
    )
    return "\n".join(
        [
            f"### `{before[:8]}` -> `{after[:8]}` on `{machine}`, Python {python}",
            "",
            f"{len(diffs)} benchmarks: {summary}. Ratio = after / before; lower is better "
            "for every benchmark. Worse or better only beyond 10% and beyond the "
            "benchmark's own run-to-run spread (noise max/min, docs/noise.json).",
            "",
            table(diffs, spread, labels=(f"`{before[:8]}`", f"`{after[:8]}`")),
        ]
    )
