"""Ruff check, ruff format --check, yamllint and the workflows against GitHub's schema;
stops at the first that fails, with its status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.support.asv_layout import REPO

NAME = "lint"
SYNOPSIS = "[ruff check args]"
SUMMARY = "ruff check and format check, yamllint, the workflows' schema"
PASSES_ON = "ruff check"
PACKAGES = ["aegis_sdk", "tests", "benchmarks", "tools"]


def run(args, extra: list[str]) -> int:
    tools = Path(sys.executable).parent
    workflows = sorted(str(p.relative_to(REPO)) for p in (REPO / ".github/workflows").glob("*.yml"))
    steps = [
        [tools / "ruff", "check", *PACKAGES, *extra],
        [tools / "ruff", "format", "--check", *PACKAGES],
        [tools / "yamllint", "-s", ".github"],
        [tools / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows],
    ]
    for step in steps:
        status = subprocess.run(step, cwd=REPO).returncode
        if status:
            return status
    return 0
