"""The report's RPC section: serial latency and CPU, throughput, the queue group, overload."""

from __future__ import annotations

from .. import markdown
from ..presentation import in_ms, in_us, number, ratio
from .results import Results


def rpc_section(res: Results) -> list[str]:
    rows = []
    for ser in ("msgpack", "json"):
        for size in ("small", "1KiB", "64KiB"):
            rows.append(
                [ser, size]
                + [
                    in_ms(res.value(f"rpc.RPCLatency.track_{q}", ser, size))
                    for q in ("p50", "p95", "p99", "p99_9")
                ]
                + [
                    in_us(res.value("rpc.RPCCPUPerCall.track_client", ser, size)),
                    in_us(res.value("rpc.RPCCPUPerCall.track_service", ser, size)),
                ]
            )
    tp = [
        [
            str(pool),
            number(res.rate("rpc.RPCThroughput.track_time_per_request", pool)),
            ratio(res.value("rpc.RPCThroughput.track_raw_over_sdk_rate", pool)),
        ]
        for pool in (1, 3)
    ]
    return [
        "## RPC (request/reply, service in its own process)",
        "",
        "Serial round trips through `Service.call_rpc` (a closed loop: the next call waits for "
        "the reply), latency in ms (p50/p95/p99: median of the rounds; p99.9 over all rounds "
        "pooled), CPU in us per call:",
        "",
        markdown.table(
            ["serializer", "payload", "p50", "p95", "p99", "p99.9", "client CPU", "service CPU"],
            rows,
        ),
        "",
        "Against raw nats-py request/reply measured in the same run (msgpack, small): "
        f"p50 {ratio(res.value('rpc.RPCLatencyVsRaw.track_p50_ratio'))}, "
        f"p99 {ratio(res.value('rpc.RPCLatencyVsRaw.track_p99_ratio'))} "
        f"(raw p50 {in_ms(res.value('rpc.RPCLatencyVsRaw.track_raw_p50'))} ms, "
        f"raw p99 {in_ms(res.value('rpc.RPCLatencyVsRaw.track_raw_p99'))} ms).",
        "",
        "Maximum throughput, 100 calls in flight:",
        "",
        markdown.table(["pool size", "requests/s", "raw nats-py rate / SDK rate"], tp),
        "",
        "Queue group of 3 instances: busiest instance took "
        f"{ratio(res.value('rpc.RPCQueueGroup.track_busiest_over_fair_share'))} "
        "its fair share (1.00x = perfectly even).",
        "",
        "Overload: while 100,000 requests flood a slow method (10 ms a call), another method "
        "of the same service, called every 10 ms, answers in "
        f"p50 {in_ms(res.value('overload.OtherMethodDuringFlood.track_p50'))} ms, "
        f"p99 {in_ms(res.value('overload.OtherMethodDuringFlood.track_p99'))} ms, "
        f"max {in_ms(res.value('overload.OtherMethodDuringFlood.track_max'))} ms; flood "
        "requests left without a reply: "
        f"{number(res.value('overload.OtherMethodDuringFlood.track_unanswered'))}.",
    ]
