"""Virtual environments with the SDK of one commit and the suite's pinned dependencies, on
the Python that asks, built once per commit and Python: the gate measures two of them side
by side, and each history point pairs the commit's with the baseline's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .asv_layout import LAYOUT, REPO


def pinned_requirements() -> list[str]:
    conf = json.loads((REPO / "asv.conf.json").read_text())
    return [f"{name}=={version}" for name, version in conf["matrix"]["req"].items()]


def full_hash(revision: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def environment(commit: str) -> Path:
    """The Python of an environment with the SDK of ``commit`` (built if missing)."""
    commit = full_hash(commit)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    venv = LAYOUT.gate_environments / f"{commit[:12]}-py{version}"
    python = venv / "bin" / "python"
    if (venv / ".ready").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, *pinned_requirements()], check=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory() as src:
        subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
        subprocess.run([*pip, "--no-deps", "--no-build-isolation", src], check=True)
    (venv / ".ready").write_text(commit)
    return python
