"""The virtual environments the gate measures: the SDK of one commit with the suite's pinned
dependencies, on the Python the gate runs on, built once per commit and Python."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT, REPO

from ..git import archive
from ..pythons import running


def pinned_requirements() -> list[str]:
    conf = json.loads((REPO / "asv.conf.json").read_text())
    return [f"{name}=={version}" for name, version in conf["matrix"]["req"].items()]


def environment(commit: str) -> Path:
    """The Python of an environment with the SDK of ``commit`` (built if missing)."""
    venv = LAYOUT.gate_environments / f"{commit[:12]}-py{running()}"
    python = venv / "bin" / "python"
    if (venv / ".ready").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, *pinned_requirements()], check=True)
    with tempfile.TemporaryDirectory() as src:
        subprocess.run(["tar", "-x", "-C", src], input=archive(commit), check=True)
        subprocess.run([*pip, "--no-deps", "--no-build-isolation", src], check=True)
    (venv / ".ready").write_text(commit)
    return python
