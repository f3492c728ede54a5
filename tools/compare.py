"""Compare the results of two commits, as a Markdown table ready for a pull request.

    python -m tools.compare A B [--machine NAME] [--python X.Y] [--only-changed]

Like ``asv compare A B`` (both must have results on the machine: ``./dev bench`` or
``./dev history``), with the report's verdicts: a change is worse or better only beyond 10%
and beyond what the same commit does between runs (docs/noise.json). Lower is better for
every benchmark; throughput is stored as time per operation and shown as a rate too.
Both are read for one Python: the record's (perf.toml) when both have results for it, else
this one, or ``--python``.
Exit status 0 whatever the verdicts (the gate is ``./dev gate``); 2 without results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .asv_results import load
from .bench_table import default_machine
from .pythons import for_results
from .repo import commit_hash
from .verdicts import changes, noise_spread, table, verdict


def render(
    before: str,
    after: str,
    machine: str,
    python: str,
    only_changed: bool = False,
    root: Path | None = None,
) -> str:
    base = load(machine, before, python=python, root=root)
    head = load(machine, after, python=python, root=root)
    for commit, results in ((before, base), (after, head)):
        if not results:
            raise SystemExit(f"no results for {commit[:8]} on machine {machine!r}, Python {python}")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--machine", default=None)
    parser.add_argument("--python", default=None, help="X.Y (default: see above)")
    parser.add_argument("--only-changed", action="store_true", help="only worse and better")
    args = parser.parse_args(argv)
    before, after = commit_hash(args.before), commit_hash(args.after)
    machine = args.machine or default_machine()
    try:
        python = args.python or for_results(machine, before, after)
        text = render(before, after, machine, python, args.only_changed)
    except (SystemExit, LookupError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
