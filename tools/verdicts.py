"""Is a change between two commits real? Compared with each benchmark's own run-to-run
spread on one commit (``./dev noise``, docs/noise.json), not with a fixed factor."""

from __future__ import annotations

import json

from benchmarks.support.asv_layout import REPO

from . import markdown
from .asv_results import Result
from .presentation import fmt_value

MOVED = 0.10  # below this a change reads as "same" whatever the noise
NOISE_FILE = REPO / "docs" / "noise.json"


def noise_spread() -> dict[str, float]:
    """Run-to-run max/min of each benchmark on one commit (./dev noise --json)."""
    return json.loads(NOISE_FILE.read_text()) if NOISE_FILE.exists() else {}


def verdict(result: Result, ratio: float, spread: dict[str, float]) -> str:
    """worse/better only beyond both 10% and what the same commit does between runs."""
    limit = max(1 + MOVED, spread.get(result.label, 1 + MOVED))
    if ratio > limit:
        return "worse"
    if ratio < 1 / limit:
        return "better"
    return "same" if abs(ratio - 1) <= MOVED else "within noise"


Change = tuple[Result, Result, float]


def changes(after: list[Result], before: list[Result]) -> list[Change]:
    """(before, after, after/before) for every benchmark measured on both."""
    by_key = {(r.name, r.params): r for r in before}
    out = []
    for r in after:
        b = by_key.get((r.name, r.params))
        if b and b.value and r.value is not None and b.value > 0:
            out.append((b, r, r.value / b.value))
    return out


def table(diffs: list[Change], spread: dict[str, float], labels=("before", "after")) -> str:
    """Largest changes first: benchmark, both values, ratio, verdict, the noise it is
    judged against."""
    rows = [
        [
            b.label,
            fmt_value(b),
            fmt_value(r),
            f"{q:.3g}",
            verdict(r, q, spread),
            f"{spread[r.label]:.2f}" if r.label in spread else "?",
        ]
        for b, r, q in sorted(diffs, key=lambda d: -abs(d[2] - 1))
    ]
    return markdown.table(["benchmark", *labels, "ratio", "verdict", "noise max/min"], rows)
