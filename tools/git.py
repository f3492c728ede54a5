"""Git in this repository (or a clone of it): the one place that runs it for the tools."""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks.support.asv_layout import REPO


def git(*args: str, repo: Path = REPO) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def commit_hash(rev: str = "HEAD") -> str:
    """The full hash of a revision (a branch, tag, short hash, HEAD~2, ...)."""
    return git("rev-parse", "--verify", f"{rev}^{{commit}}")


def archive(commit: str) -> bytes:
    """The tree of ``commit`` as a tar archive."""
    return subprocess.run(
        ["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True
    ).stdout
