"""One commit's benchmark results as a table, with the speed targets: what ``./dev bench``
prints after a run, and ``./dev table`` at any time."""

from __future__ import annotations

import sys

from . import markdown, targets
from .asv_results import load
from .presentation import fmt_value


def print_results(commit: str, machine: str, python: str, profile: str = "local") -> int:
    """Print the tables; 1, saying so on stderr, when the commit has no results."""
    results = load(machine, commit, python=python)
    if not results:
        print(
            f"no results for {commit[:8]} on machine {machine!r} with Python {python}",
            file=sys.stderr,
        )
        return 1
    rows = [[r.label, fmt_value(r)] for r in sorted(results, key=lambda r: r.key)]
    print(f"## Benchmarks of {commit[:8]} on {machine}, Python {python}\n")
    print(markdown.table(["benchmark [parameters]", "value"], rows))
    print(f"\n## Speed targets ({profile})\n")
    print(targets.table(targets.check(targets.load_targets(profile), results)))
    failed = sum(1 for r in results if r.value is None)
    if failed:
        print(f"\n{failed} results are n/a (failed or skipped on this commit)")
    return 0
