"""The report's open-loop section: latency at fixed offered rates, the tail against raw
nats-py, the maximum sustainable throughput, and the latency pictures."""

from __future__ import annotations

from benchmarks.support.workloads import open_loop

from .. import markdown
from ..presentation import in_ms, number, ratio
from .results import Results


def open_loop_section(res: Results, pictures: list[tuple[str, str]]) -> list[str]:
    workload = open_loop()
    rows = []
    for path, cls, rates in (
        ("RPC round trip", "RPCOpenLoopLatency", workload.rpc_rates),
        ("event, publish to handler", "EventOpenLoopLatency", workload.event_rates),
        ("event, publish to ack", "EventOpenLoopPublish", workload.event_rates),
    ):
        for offered in rates:
            name = f"open_loop.{cls}.track_"
            rows.append(
                [path, f"{offered:,}/s"]
                + [in_ms(res.value(name + q, offered)) for q in ("p50", "p90", "p99", "p99_9")]
            )
    tail_vs_raw = res.value("open_loop.RPCOpenLoopTail.track_p99_vs_raw")
    raw_tail = res.value("open_loop.RPCOpenLoopTail.track_raw_p99")
    rpc_max = res.rate("open_loop.RPCMaxSustainable.track_time_per_request")
    event_max = res.rate("open_loop.EventMaxSustainable.track_time_per_event")
    lines = [
        "## Latency under load (open loop)",
        "",
        "Calls and events started on a fixed schedule at the offered rate, latency counted "
        "from each one's intended start (coordinated omission corrected, as wrk2 and "
        "OpenMessaging Benchmark measure); workloads from perf.toml. p50/p90/p99: median over "
        f"{workload.rounds} rounds of {workload.seconds:g} s; p99.9: all rounds pooled; ms.",
        "",
        markdown.table(["path", "offered", "p50", "p90", "p99", "p99.9"], rows),
        "",
        f"At {workload.tail_rate:,} requests/s the RPC p99 is {ratio(tail_vs_raw)} that of "
        f"raw nats-py request/reply offered the same rate in rounds paired with the SDK's "
        f"(raw p99 {in_ms(raw_tail)} ms): the machine's drift between runs cancels out of it.",
        "",
        f"Maximum sustainable throughput (achieved >= {workload.min_achieved:.0%} of offered, "
        f"p99 <= {workload.p99_limit * 1e3:g} ms, found by a search of "
        f"{workload.probe_seconds:g} s probes): RPC {number(rpc_max)} requests/s, events "
        f"{number(event_max)} events/s (end to end).",
    ]
    if pictures:
        lines += ["", *[f"![{title}]({path})" for title, path in pictures]]
    return lines
