"""The commits ``./dev history`` measures: every first-parent commit from the baseline
(perf.toml) to HEAD without results on this machine for this Python, newest first.

    python -m tools.history_commits --machine NAME --python X.Y    (one hash a line)

asv's own ``--skip-existing-commits`` skips a commit with results of any Python, so a
history on a second Python would measure nothing. Exit status 2 when the baseline is not on
the first-parent history of HEAD.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from .asv_results import commits_with_results
from .perf_config import baseline_commit
from .repo import git


def pending(first_parents: list[str], base: str, measured: set[str]) -> list[str]:
    """``first_parents`` (newest first) down to ``base``, without the ``measured`` ones."""
    if base not in first_parents:
        raise LookupError(f"baseline {base[:8]} is not on the first-parent history of HEAD")
    return [c for c in first_parents[: first_parents.index(base) + 1] if c not in measured]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--python", required=True)
    args = parser.parse_args(argv)
    try:
        commits = pending(
            git("rev-list", "--first-parent", "HEAD").split(),
            baseline_commit(),
            commits_with_results(args.machine, python=args.python),
        )
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 2
    except subprocess.CalledProcessError:
        print("the baseline (perf.toml) is not in this clone: fetch its history", file=sys.stderr)
        return 2
    for commit in commits:
        print(commit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
