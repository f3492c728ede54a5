"""The report's serialization section: JSON against msgpack, latency and service CPU."""

from __future__ import annotations

from .. import markdown
from ..presentation import in_ms, ratio
from .results import Results


def serialization_section(res: Results) -> list[str]:
    rows = []
    for size in ("small", "1KiB", "64KiB"):
        m = res.value("rpc.RPCLatency.track_p50", "msgpack", size)
        j = res.value("rpc.RPCLatency.track_p50", "json", size)
        mc = res.value("rpc.RPCCPUPerCall.track_service", "msgpack", size)
        jc = res.value("rpc.RPCCPUPerCall.track_service", "json", size)
        rows.append(
            [
                size,
                in_ms(m),
                in_ms(j),
                ratio(j / m if m and j else None),
                ratio(jc / mc if mc and jc else None),
            ]
        )
    return [
        "## Serialization impact (RPC p50, ms)",
        "",
        markdown.table(
            ["payload", "msgpack", "json", "json/msgpack latency", "json/msgpack service CPU"], rows
        ),
    ]
