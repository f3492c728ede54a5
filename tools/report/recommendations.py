"""The report's recommendations, computed from the numbers: what is slowest, what fails,
what moved."""

from __future__ import annotations

from .. import targets
from ..presentation import fmt_value, in_us, rate
from ..verdicts import MOVED, Change, noise_spread, verdict
from .results import Results

GAPS = [  # (benchmark, parameters, what): the SDK's overheads over raw nats-py
    ("rpc.RPCThroughput.track_raw_over_sdk_rate", (1,), "RPC throughput"),
    (
        "events.EventThroughput.track_raw_async_over_sdk_rate",
        ("batch",),
        "batched event throughput",
    ),
    ("rpc.RPCLatencyVsRaw.track_p50_ratio", (), "serial RPC p50"),
    ("rpc.RPCLatencyVsRaw.track_p99_ratio", (), "serial RPC p99"),
    ("events.EventPublishLatency.track_p50_vs_raw", (), "event publish p50"),
    ("delivery.EventDrain.track_raw_over_sdk_rate", (), "draining a backlog"),
]


def recommendations_section(res: Results, profile: str, diffs: list[Change]) -> list[str]:
    out = [*_largest_overhead(res), *_missed_targets(res, profile), *_uneven(res)]
    out += _moved(diffs)
    if not out:
        out.append("Every target is met and nothing moved by more than 10% since the baseline.")
    return ["## Recommendations", "", *[f"- {line}" for line in out]]


def _largest_overhead(res: Results) -> list[str]:
    gaps = []
    for name, params, what in GAPS:
        v = res.value(name, *params)
        if v is not None:
            gaps.append((v, what))
    if not gaps:
        return []
    worst, what = max(gaps)
    return [
        f"The SDK's largest overhead over raw nats-py is {what}: {worst:.2f}x. "
        + _overhead_hint(res, what)
    ]


def _overhead_hint(res: Results, what: str) -> str:
    service = res.value("rpc.RPCCPUPerCall.track_service", "msgpack", "small")
    client = res.value("rpc.RPCCPUPerCall.track_client", "msgpack", "small")
    if "RPC" in what and service and client:
        side = "service" if service > client else "client"
        return (
            f"Per serial call the client spends {in_us(client)} us CPU and the service "
            f"{in_us(service)} us; the {side} has the larger share."
        )
    cpu = res.value("events.EventPublishCPU.track_batch")
    if cpu:
        return f"The publisher spends {in_us(cpu)} us CPU per batched event."
    return ""


def _missed_targets(res: Results, profile: str) -> list[str]:
    out = []
    for c in targets.check(targets.load_targets(profile), list(res)):
        if c.passed is False and c.measured is not None:
            limit = c.target.min_rate or c.target.max or c.target.min
            factor = (
                (limit / c.measured)
                if c.target.min_rate
                else (c.measured / limit if limit else float("inf"))
            )
            out.append(
                f"Target not met, {c.target.title}: {c.measured_text()} against "
                f"{c.limit_text()} ({distance(factor)}; {c.target.source})."
            )
    return out


def distance(factor: float) -> str:
    """How far a missed target is: ``3% away`` when close, ``2.6x away`` when far."""
    return f"{factor - 1:.0%} away" if factor < 1.5 else f"{factor:.1f}x away"


def _uneven(res: Results) -> list[str]:
    """Where JSON is much slower than msgpack, and where a queue group shares unevenly."""
    out = []
    j64 = res.value("rpc.RPCLatency.track_p50", "json", "64KiB")
    m64 = res.value("rpc.RPCLatency.track_p50", "msgpack", "64KiB")
    if j64 and m64 and j64 / m64 > 1.2:
        out.append(
            f"JSON costs {j64 / m64:.2f}x msgpack's latency at 64 KiB: keep msgpack for "
            "large payloads."
        )
    share = res.value("rpc.RPCQueueGroup.track_busiest_over_fair_share")
    if share and share > 1.2:
        out.append(f"Queue-group load is uneven (busiest instance {share:.2f}x its share).")
    return out


def _moved(diffs: list[Change]) -> list[str]:
    """What moved since the baseline beyond noise, and how much moved only within it."""
    out = []
    spread = noise_spread()
    moved = [d for d in diffs if verdict(d[1], d[2], spread) in ("worse", "better")]
    noisy = [d for d in diffs if verdict(d[1], d[2], spread) == "within noise"]
    if noisy:
        worst = max(noisy, key=lambda d: abs(d[2] - 1))
        out.append(
            f"{len(noisy)} figures moved by more than {MOVED:.0%} but less than they vary "
            f"between runs of one commit (the most: {worst[1].label}, {worst[2]:.2f}x); they "
            "are not evidence of a change on their own."
        )
    for b, r, q in sorted(moved, key=lambda d: -d[2])[:6]:
        if rate(r) is not None:  # say it in operations per second
            change = f"{'fell' if q > 1 else 'rose'} {abs(1 / q - 1):.0%} in operations/s"
        else:
            change = f"{'rose' if q > 1 else 'fell'} {abs(q - 1):.0%}"
        out.append(
            f"Moved since the baseline: {r.label} {change} ({fmt_value(b)} -> {fmt_value(r)}); "
            + ("a regression to look into." if q > 1 else "an improvement.")
        )
    return out
