"""The report's memory section: resident memory of a service at rest and under load."""

from __future__ import annotations

from .. import markdown
from ..presentation import in_mb
from .results import Results


def memory_section(res: Results) -> list[str]:
    rows = [
        [
            who,
            in_mb(res.value(f"memory.{cls}.track_rss_at_rest")),
            in_mb(res.value(f"memory.{cls}.track_peak_rss_under_load")),
        ]
        for who, cls in (
            ("RPC service", "RPCServiceMemory"),
            ("event subscriber", "SubscriberMemory"),
        )
    ]
    return [
        "## Memory (resident, MB)",
        "",
        markdown.table(["process", "at rest", "peak under load"], rows),
    ]
