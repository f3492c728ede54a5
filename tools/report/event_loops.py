"""The report's event-loop section: the headline figures on asyncio and on uvloop."""

from __future__ import annotations

from .. import markdown
from ..presentation import in_ms, number, ratio
from .results import Results


def event_loops_section(res: Results) -> list[str]:
    rows = []
    for loop in ("asyncio", "uvloop"):
        name = "event_loops.HeadlineByLoop.track_"
        rows.append(
            [
                loop,
                in_ms(res.value(name + "rpc_p50", loop)),
                ratio(res.value(name + "rpc_p50_vs_raw", loop)),
                number(res.rate(name + "rpc_time_per_request", loop)),
                ratio(res.value(name + "rpc_raw_over_sdk_rate", loop)),
                number(res.rate(name + "event_time_per_event", loop)),
                ratio(res.value(name + "event_raw_over_sdk_rate", loop)),
            ]
        )
    return [
        "## Event loops: asyncio and uvloop",
        "",
        "Client and service on the same loop, each figure against raw nats-py on that loop "
        "in the same run:",
        "",
        markdown.table(
            [
                "loop",
                "RPC p50 ms",
                "vs raw",
                "RPC requests/s",
                "raw/SDK",
                "events/s batched",
                "raw async/SDK",
            ],
            rows,
        ),
    ]
