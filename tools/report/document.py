"""The whole report for one commit: every section, in order."""

from __future__ import annotations

import datetime

from benchmarks.support.server_notes import read_note

from ..asv_results import load
from ..server_summary import differences
from ..verdicts import changes
from .baseline import baseline_section
from .cluster import cluster_section
from .delivery import delivery_section
from .environment import environment_section
from .event_loops import event_loops_section
from .events import events_section
from .memory import memory_section
from .open_loop import open_loop_section
from .paired import changes_section, paired_section
from .recommendations import recommendations_section
from .results import Results
from .rpc import rpc_section
from .serialization import serialization_section
from .summary import summary_section


def render(
    commit: str,
    machine: str,
    profile: str,
    python: str,
    base_commit: str,
    pictures: list[tuple[str, str]] | None = None,
) -> str:
    """The report of ``commit``, compared with ``base_commit``; SystemExit without results."""
    results = load(machine, commit, python=python)
    if not results:
        raise SystemExit(
            f"no results for {commit[:8]} on machine {machine!r} with Python {python}: "
            "run ./dev bench"
        )
    res = Results(results)
    other_server = differences(read_note(machine, base_commit), read_note(machine, commit))
    base = [] if other_server else load(machine, base_commit, python=python)
    diffs = changes(results, base)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        [
            f"# Performance report: aegis-sdk at `{commit[:8]}`",
            "",
            f"Generated {now} by `./dev report` from the asv results of machine `{machine}` "
            f"with Python {python}. Every figure below is a measured benchmark result; see "
            "docs/benchmarks.md for how each is measured and how noisy it is.",
        ],
        paired_section(res),
        changes_section(machine, python),
        summary_section(res, profile),
        rpc_section(res),
        open_loop_section(res, pictures or []),
        events_section(res),
        delivery_section(res),
        event_loops_section(res),
        memory_section(res),
        serialization_section(res),
        cluster_section(commit, machine, python),
        baseline_section(diffs, base_commit, other_server),
        recommendations_section(res, profile, diffs),
        environment_section(commit, machine, python),
    ]
    return "\n\n".join("\n".join(p) for p in parts) + "\n"
