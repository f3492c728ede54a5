"""Git in this repository: the one place that runs it for the tools."""

from __future__ import annotations

import subprocess

from .asv_results import REPO


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def commit_hash(rev: str = "HEAD") -> str:
    """The full hash of a revision (a branch, tag, short hash, HEAD~2, ...)."""
    return git("rev-parse", "--verify", f"{rev}^{{commit}}")
