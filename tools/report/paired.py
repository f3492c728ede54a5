"""The report's lead: the commit against the baseline, measured side by side, and where
the record moved."""

from __future__ import annotations

from benchmarks.support.gate_worker import METRICS

from .. import markdown
from ..git import git
from ..record_series import PAIRED, steps
from .results import Results


def paired_section(res: Results) -> list[str]:
    rows = [
        [metric, spec.what, f"{res.value(PAIRED + metric):.3f}"]
        for metric, spec in METRICS.items()
        if res.value(PAIRED + metric) is not None
    ]
    if not rows:
        return [
            "## Against the baseline, side by side",
            "",
            "No paired measurement for this commit (`./dev history` makes one).",
        ]
    return [
        "## Against the baseline, side by side",
        "",
        "Each gate metric of this commit over the baseline's (perf.toml), both SDKs measured "
        "in the same run, round by round, in 20 runs of fresh processes (the median of the "
        "runs' median ratios). 1.000 is the baseline's speed; lower is better. A faster or "
        "slower machine moves neither side alone, so these are the figures to compare "
        "across machines and days.",
        "",
        markdown.table(["metric", "what", "commit / baseline"], rows),
    ]


def changes_section(machine: str, python: str) -> list[str]:
    lines = ["## Where the record moved", ""]
    try:
        found = [step for _, step in steps(machine, python)]
    except LookupError as exc:  # no baseline in this clone
        return lines + [f"No history to look at: {exc}."]
    if not found:
        return lines + ["No change points in the series of this machine and Python."]
    rows = [
        [
            step.series,
            f"`{step.commit[:8]}` {_subject(step.commit)}",
            f"{step.before:.4g} -> {step.after:.4g}",
            f"{step.change:+.1%}",
            f"{step.pvalue:.1e}",
        ]
        for step in found
    ]
    return lines + [
        "Change points found by Apache Otava in every series of this machine and Python, "
        "the ratios to the baseline first (`./dev changes`):",
        "",
        markdown.table(["series", "commit", "before -> after", "step", "p-value"], rows),
    ]


def _subject(commit: str) -> str:
    try:
        return git("log", "-1", "--format=%s", commit)[:50]
    except Exception:  # a commit this clone does not have
        return ""
