"""The report's executive summary: the speed targets met and missed."""

from __future__ import annotations

from .. import targets
from .results import Results


def summary_section(res: Results, profile: str) -> list[str]:
    checks = targets.check(targets.load_targets(profile), list(res))
    passed = sum(1 for c in checks if c.passed)
    failed = [c for c in checks if c.passed is False]
    return [
        "## Executive summary",
        "",
        f"{passed} of {len(checks)} targets met ({profile} profile). "
        + ("Not met: " + "; ".join(c.target.title for c in failed) + "." if failed else ""),
        "",
        targets.table(checks),
    ]
