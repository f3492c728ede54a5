"""perf.toml: the baseline commit of the performance record and the Python it is measured on."""

from __future__ import annotations

import sys
import tomllib

from .asv_results import REPO
from .repo import commit_hash

CONFIG = REPO / "perf.toml"


def baseline_commit() -> str:
    """The full hash of the baseline declared in perf.toml."""
    short = tomllib.loads(CONFIG.read_text())["baseline"]["commit"]
    return commit_hash(short)


def record_python() -> str:
    """The Python (X.Y) the published record is measured on."""
    return tomllib.loads(CONFIG.read_text())["record"]["python"]


if __name__ == "__main__":  # `python -m tools.perf_config baseline`
    if sys.argv[1:] != ["baseline"]:
        sys.exit("usage: python -m tools.perf_config baseline")
    print(baseline_commit())
