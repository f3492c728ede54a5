"""perf.toml: the baseline commit of the performance record."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from .asv_results import REPO

CONFIG = REPO / "perf.toml"


def baseline_commit() -> str:
    """The full hash of the baseline declared in perf.toml."""
    short = tomllib.loads(CONFIG.read_text())["baseline"]["commit"]
    return subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{short}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


if __name__ == "__main__":  # `python -m tools.perf_config baseline`
    if sys.argv[1:] != ["baseline"]:
        sys.exit("usage: python -m tools.perf_config baseline")
    print(baseline_commit())
