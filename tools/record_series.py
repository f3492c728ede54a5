"""The record as series: each benchmark (and parameter combination) of one machine and
Python, value by commit, in the order of the first-parent history from the baseline."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from . import change_points
from .asv_results import commits_with_results, load
from .git import git
from .history_selection import baseline_commit

RATIO_MODULE = "against_baseline."  # the series paired with the baseline lead
PAIRED = RATIO_MODULE + "PairedRatios.track_"  # + a gate metric


@dataclass(frozen=True)
class Series:
    key: str  # benchmark(params)
    unit: str
    commits: list[str]
    values: list[float | None]

    @property
    def paired(self) -> bool:
        return self.key.startswith(RATIO_MODULE)


def first_parent_order(head: str = "HEAD") -> list[str]:
    """The commits from the baseline to ``head``, oldest first."""
    base = baseline_commit()
    return [base, *git("rev-list", "--first-parent", "--reverse", f"{base}..{head}").split()]


def collect(machine: str, python: str, order: list[str] | None = None) -> list[Series]:
    """Every series of ``machine`` and ``python``; those paired with the baseline first."""
    order = order or first_parent_order()
    measured = commits_with_results(machine, python=python)
    commits = [c for c in order if c in measured]
    values: dict[str, dict[str, float | None]] = defaultdict(dict)
    units: dict[str, str] = {}
    for commit in commits:
        for result in load(machine, commit, python=python):
            values[result.key][commit] = result.value
            units[result.key] = result.unit
    series = [
        Series(key, units[key], commits, [by_commit.get(c) for c in commits])
        for key, by_commit in values.items()
    ]
    return sorted(series, key=lambda s: (not s.paired, s.key))


def steps(
    machine: str, python: str, with_asv: bool = False
) -> list[tuple[str, change_points.Step]]:
    """(detector, step) for every step of every series, paired series first: Otava's, and
    with ``with_asv`` asv's own beside them."""
    found = []
    for series in collect(machine, python):
        for step in change_points.find_steps(series.key, series.commits, series.values):
            found.append(("otava", step))
        if with_asv:
            for step in change_points.asv_steps(series.key, series.commits, series.values):
                found.append(("asv", step))
    return found
