"""The commits ``./dev history`` measures: the first-parent commits from the baseline
(perf.toml) to HEAD that change the SDK, without results on this machine for this Python,
newest first. The baseline and HEAD are always among them.

    python -m tools.history_commits --machine NAME --python X.Y [--all]  (one hash a line)

The benchmarks always come from the working tree and asv builds the package of each
commit, so a commit that changes neither ``aegis_sdk/`` nor its packaging measures the same
code as its parent: measuring it again would cost minutes and add only noise (``--all``
measures it anyway).

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

SDK_PATHS = ("aegis_sdk", "pyproject.toml")


def pending(first_parents: list[str], base: str, measured: set[str]) -> list[str]:
    """``first_parents`` (newest first) down to ``base``, without the ``measured`` ones."""
    if base not in first_parents:
        raise LookupError(f"baseline {base[:8]} is not on the first-parent history of HEAD")
    return [c for c in first_parents[: first_parents.index(base) + 1] if c not in measured]


def sdk_changes(first_parents: list[str], changed: set[str]) -> list[str]:
    """The commits of ``first_parents`` (newest first) that ``changed`` the SDK, with the
    newest and the oldest kept whatever they changed."""
    last = len(first_parents) - 1
    return [c for i, c in enumerate(first_parents) if i in (0, last) or c in changed]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--all", action="store_true", help="also commits that leave the SDK")
    args = parser.parse_args(argv)
    try:
        base = baseline_commit()
        history = pending(git("rev-list", "--first-parent", "HEAD").split(), base, set())
        if not args.all:
            changed = set(git("rev-list", "--first-parent", "HEAD", "--", *SDK_PATHS).split())
            history = sdk_changes(history, changed)
        measured = commits_with_results(args.machine, python=args.python)
        commits = [c for c in history if c not in measured]
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
