"""The gate's verdicts as the Markdown table posted on the pull request."""

from __future__ import annotations

from benchmarks.support.gate_worker import METRICS
from benchmarks.support.percentiles import median

from .. import markdown
from ..pythons import running
from .judgement import ALPHA, Judgement

MARKS = {"regression": ":x: regression", "improvement": ":white_check_mark: improvement"}


def render(
    base: str, head: str, judgements: list[Judgement], rounds: int, remeasured: list[str]
) -> str:
    regressions = [j for j in judgements if j.verdict == "regression"]
    title = "Performance gate: " + (
        f"**{len(regressions)} regression(s)**" if regressions else "no regression"
    )
    rows = []
    for j in judgements:
        spec = METRICS[j.metric]
        before, after = (_cell(median(v), spec.unit) for v in (j.base, j.head))
        verdict = MARKS.get(j.verdict, "no change")
        if j.fresh is not None:
            verdict += f" (fresh rounds alone: {j.fresh.ratio:.3f})"
        rows.append(
            [
                f"{j.metric} ({spec.what})",
                spec.unit,
                before,
                after,
                f"{j.ratio:.3f}",
                f"{spec.min_effect:.0%}",
                verdict,
            ]
        )
    header = ["benchmark", "unit", "before", "after", "ratio", "threshold", "verdict"]
    return "\n".join(
        [
            f"### {title}",
            "",
            f"`{base[:8]}` (base) vs `{head[:8]}` (head) on Python {running()}; lower is "
            "better for every metric. Verdict: a change of the median of per-round ratios "
            "beyond the metric's threshold (5% for medians, CPU and throughput, 20% for "
            f"tails), confirmed by a sign test at {ALPHA:g}; a metric measured again must also "
            "show the change in its fresh rounds alone.",
            "",
            markdown.table(header, rows, aligned=False),
            "",
            f"{rounds} interleaved rounds per side; measured again with fresh processes: "
            f"{', '.join(remeasured) or 'nothing'}.",
        ]
    )


def _cell(value: float, unit: str) -> str:
    """A time per operation also as the rate it stands for: ``66.5 (15,038/s)``."""
    if unit in ("us/request", "us/event"):
        return f"{value:.4g} ({1e6 / value:,.0f}/s)"
    return f"{value:.4g}"
