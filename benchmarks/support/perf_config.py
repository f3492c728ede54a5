"""perf.toml, the performance record's configuration (baseline, Python, workloads, speed
targets): the one place that reads it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .asv_layout import REPO

PERF_TOML = REPO / "perf.toml"


def load(path: Path = PERF_TOML) -> dict:
    return tomllib.loads(path.read_text())


def baseline_revision() -> str:
    """The baseline commit as perf.toml names it (a short hash)."""
    return load()["baseline"]["commit"]


def record_python() -> str:
    """The Python (X.Y) the published record is measured on."""
    return load()["record"]["python"]
