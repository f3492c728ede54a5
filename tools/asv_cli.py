"""asv's command line, run for the tools with the Python that measures on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.support.asv_layout import REPO

ASV = [sys.executable, "-m", "asv"]


def register_machine(machine: str) -> None:
    """Record ``machine`` for asv (its hardware facts), without asking."""
    subprocess.run(
        [*ASV, "machine", "--yes", "--machine", machine],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        check=False,
    )


def run(
    machine: str,
    python: str,
    python_dir: Path,
    revisions: str,
    extra: list[str] = (),
    env: dict[str, str] | None = None,
    show_stderr: bool = True,
) -> int:
    """``asv run`` of the suite on ``revisions`` (``HEAD^!``, ``HASHFILE:...``) with Python
    ``python`` (X.Y), found in ``python_dir``; ``extra`` goes to asv before the revisions.
    The benchmarks keep what asv cannot hold under the same machine name."""
    env = dict(env or os.environ, AEGIS_ASV_MACHINE=machine)
    env["PATH"] = f"{python_dir}{os.pathsep}{env.get('PATH', '')}"
    command = [*ASV, "run", *(["--show-stderr"] if show_stderr else [])]
    command += ["--machine", machine, "-E", f"virtualenv:{python}", *extra, revisions]
    return subprocess.run(command, cwd=REPO, env=env).returncode


def publish(html_dir: Path | None = None) -> int:
    """Build the site from every result (``asv publish``)."""
    extra = ["--html-dir", str(html_dir)] if html_dir else []
    return subprocess.run([*ASV, "publish", *extra], cwd=REPO).returncode
