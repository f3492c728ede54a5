"""Print one commit's benchmark results as a table, with the speed targets.

python -m tools.bench_table [--machine NAME] [--python X.Y] [--commit HASH] [--profile local]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

from .asv_results import load
from .presentation import fmt_value
from .pythons import running
from .repo import commit_hash
from .targets import check, load_targets


def default_machine() -> str:
    """The name ``./dev bench`` and ``./dev history`` record results under."""
    return os.environ.get("AEGIS_ASV_MACHINE") or socket.gethostname()


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule] + [line(r) for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", default=None)
    parser.add_argument("--python", default=running(), help="X.Y; default: this Python")
    parser.add_argument("--commit", default=None)
    parser.add_argument("--profile", default="local")
    args = parser.parse_args(argv)
    machine = args.machine or default_machine()
    commit = commit_hash(args.commit or "HEAD")
    results = load(machine, commit, python=args.python)
    if not results:
        print(
            f"no results for {commit[:8]} on machine {machine!r} with Python {args.python}",
            file=sys.stderr,
        )
        return 1
    rows = [[r.label, fmt_value(r)] for r in sorted(results, key=lambda r: r.key)]
    print(f"## Benchmarks of {commit[:8]} on {machine}, Python {args.python}\n")
    print(markdown_table(["benchmark [parameters]", "value"], rows))
    checks = check(load_targets(args.profile), results)
    print(f"\n## Speed targets ({args.profile})\n")
    print(
        markdown_table(
            ["target", "limit", "measured", "verdict", "source"],
            [
                [c.target.title, c.limit_text(), c.measured_text(), c.verdict, c.target.source]
                for c in checks
            ],
        )
    )
    failed = sum(1 for r in results if r.value is None)
    if failed:
        print(f"\n{failed} results are n/a (failed or skipped on this commit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
