"""The commits ``./dev history`` measures: the first-parent commits from the baseline
(perf.toml) to HEAD that change the SDK, without results on this machine for this Python,
newest first. The baseline and HEAD are always among them.

The benchmarks always come from the working tree and asv builds the package of each
commit, so a commit that changes neither ``aegis_sdk/`` nor its packaging measures the same
code as its parent: measuring it again would cost minutes and add only noise (``--all``
measures it anyway).

asv's own ``--skip-existing-commits`` skips a commit with results of any Python, so a
history on a second Python would measure nothing.
"""

from __future__ import annotations

import subprocess

from benchmarks.support.perf_config import baseline_revision

from .asv_results import commits_with_results
from .git import commit_hash, git

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


MISSING = "the baseline (perf.toml) is not in this clone: fetch its history"


def baseline_commit() -> str:
    """The full hash of the baseline declared in perf.toml; LookupError when this clone
    does not have it."""
    try:
        return commit_hash(baseline_revision())
    except subprocess.CalledProcessError:
        raise LookupError(MISSING) from None


def commits_to_measure(machine: str, python: str, every: bool = False) -> list[str]:
    """What ``./dev history`` measures, newest first (``every``: also the commits that leave
    the SDK alone); LookupError saying why there is no such list."""
    base = baseline_commit()
    try:
        history = pending(git("rev-list", "--first-parent", "HEAD").split(), base, set())
        if not every:
            changed = set(git("rev-list", "--first-parent", "HEAD", "--", *SDK_PATHS).split())
            history = sdk_changes(history, changed)
    except subprocess.CalledProcessError:
        raise LookupError(MISSING) from None
    measured = commits_with_results(machine, python=python)
    return [c for c in history if c not in measured]
