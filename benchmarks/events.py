"""Events on JetStream (file storage): publish latency, acknowledged throughput, the cost of
the JetStream ack, and delivery to a durable subscriber in another process.

Throughput is reported as microseconds per event (1e6 / events per second), so that, as
for every asv metric, lower is better and a drop in events/s is a regression.
"""

from __future__ import annotations

import asyncio
import collections
import secrets
import time

import msgpack

from . import common, loads
from .common import Sizes, Timer, latency_summary, median, nats_target, peers

DOMAIN = "bench"
RAW_SUBJECT = "events.bench.raw"
CORE_SUBJECT = "bench.core"
IN_FLIGHT = 100
THROUGHPUT_MODES = ["serial", "concurrent", "batch"]


def _skip_if_missing(value) -> None:
    if value is None:
        raise NotImplementedError("not available on this SDK commit")


async def _measure_publish(url: str) -> dict:
    import nats

    from aegis_sdk import Event, NATSAdapter, Service

    options = common.connect_options()
    bus = NATSAdapter()
    await bus.connect(url, **options)
    publisher = Service("bench-publisher", bus)
    nc = await nats.connect(url, **options)
    js = nc.jetstream()
    payload = common.payload_params("small")
    # the raw baseline sends an envelope of the same size, packed once
    raw_payload = msgpack.packb(Event(DOMAIN, "raw", payload).to_wire())
    sizes = Sizes.pick(rounds=9, calls=800)
    burst = 200 if common.QUICK else 5000

    def sdk_publish():
        return publisher.publish_event(DOMAIN, "latency", payload)

    def raw_publish():
        return js.publish(RAW_SUBJECT, raw_payload)

    def core_publish():
        return loads.core_publish_flush_latencies(nc, CORE_SUBJECT, raw_payload, 1)

    has_batch = hasattr(publisher, "publish_events")

    async def batch_rate(n: int) -> float:
        t0 = time.perf_counter()
        await publisher.publish_events(DOMAIN, "batch", [payload] * n)
        return n / (time.perf_counter() - t0)

    await loads.serial_latencies(sdk_publish, sizes.warmup)
    await loads.serial_latencies(raw_publish, sizes.warmup)
    await loads.core_publish_flush_latencies(nc, CORE_SUBJECT, raw_payload, sizes.warmup)
    common.quiesce()

    sdk_rounds, raw_rounds, core_rounds, cpu = [], [], [], []
    rates = collections.defaultdict(list)
    for r in range(sizes.rounds):
        with Timer() as t:
            sdk_rounds.append(await loads.serial_latencies(sdk_publish, sizes.calls))
        cpu.append(t.cpu / sizes.calls * 1e6)
        rates["serial"].append(sizes.calls / t.wall)
        raw_rounds.append(await loads.serial_latencies(raw_publish, sizes.calls))
        core_rounds.append(
            await loads.core_publish_flush_latencies(nc, CORE_SUBJECT, raw_payload, sizes.calls)
        )
        steps = [
            ("concurrent", lambda: loads.closed_loop_rate(sdk_publish, burst, IN_FLIGHT)),
            (
                "raw_async",
                lambda: loads.raw_publish_async_rate(js, RAW_SUBJECT, raw_payload, burst),
            ),
        ]
        if has_batch:
            steps.append(("batch", lambda: batch_rate(burst)))
        for name, step in steps[r % len(steps) :] + steps[: r % len(steps)]:
            rates[name].append(await step())
    with Timer() as t:
        if has_batch:
            await batch_rate(burst)
    batch_cpu = t.cpu / burst * 1e6 if has_batch else None

    await bus.disconnect()
    await nc.close()
    del core_publish
    return {
        "sdk": latency_summary(sdk_rounds),
        "raw": latency_summary(raw_rounds),
        "core": latency_summary(core_rounds),
        "rate": {name: median(values) for name, values in rates.items()},
        "cpu_serial": median(cpu),
        "cpu_batch": batch_cpu,
    }


class _EventPublish:
    version = "1"

    def setup_cache(self):
        with nats_target() as url:
            return common.run(_measure_publish(url))

    setup_cache.timeout = common.SETUP_CACHE_TIMEOUT


class EventPublishLatency(_EventPublish):
    """One ``Service.publish_event`` awaiting its JetStream ack; p50/p99 median of 9 rounds."""

    unit = "ms"

    def track_p50(self, cache):
        return cache["sdk"]["p50"]

    def track_p99(self, cache):
        return cache["sdk"]["p99"]

    def track_p50_vs_raw(self, cache):
        """SDK p50 / raw nats-py ``js.publish`` p50, same envelope size, same run."""
        return cache["sdk"]["p50"] / cache["raw"]["p50"]

    track_p50_vs_raw.unit = "ratio SDK/raw"

    def track_p99_vs_raw(self, cache):
        return cache["sdk"]["p99"] / cache["raw"]["p99"]

    track_p99_vs_raw.unit = "ratio SDK/raw"


class EventThroughput(_EventPublish):
    """Acknowledged events per second, as microseconds per event (lower is better).

    serial: ``publish_event`` one after another; concurrent: 100 ``publish_event`` in
    flight; batch: ``publish_events`` (pipelined, all acks awaited).
    """

    params = THROUGHPUT_MODES
    param_names = ["mode"]

    def setup(self, cache, mode):
        _skip_if_missing(cache["rate"].get(mode))

    def track_us_per_event(self, cache, mode):
        return 1e6 / cache["rate"][mode]

    track_us_per_event.unit = "us/event (lower is better; 1e6/events per s)"

    def track_raw_async_over_sdk_rate(self, cache, mode):
        """raw nats-py ``publish_async`` events/s over the SDK's: <= 1 means SDK at least raw."""
        return cache["rate"]["raw_async"] / cache["rate"][mode]

    track_raw_async_over_sdk_rate.unit = "ratio raw/SDK rate"


class JetStreamAckOverhead(_EventPublish):
    """Same payload, raw nats-py: core publish confirmed by flush vs JetStream publish + ack."""

    def track_core_publish_p50(self, cache):
        return cache["core"]["p50"]

    track_core_publish_p50.unit = "ms"

    def track_jetstream_publish_p50(self, cache):
        return cache["raw"]["p50"]

    track_jetstream_publish_p50.unit = "ms"

    def track_ack_overhead_ratio(self, cache):
        return cache["raw"]["p50"] / cache["core"]["p50"]

    track_ack_overhead_ratio.unit = "ratio JetStream/core"


class EventPublishCPU(_EventPublish):
    """Publisher CPU time per acknowledged event."""

    unit = "us CPU/event"

    def track_serial(self, cache):
        return cache["cpu_serial"]

    def track_batch(self, cache):
        _skip_if_missing(cache["cpu_batch"])
        return cache["cpu_batch"]


# -- delivery to a durable subscriber in another process --------------------------------------


async def _wait_delivered(peer, expected: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stats = peer.command("stats")
        if stats["count"] >= expected or time.monotonic() > deadline:
            return stats
        await asyncio.sleep(0.01)


async def _measure_delivery(url: str, peer, durable: str) -> dict:
    import nats

    from aegis_sdk import NATSAdapter, Service

    options = common.connect_options()
    bus = NATSAdapter()
    await bus.connect(url, **options)
    publisher = Service("bench-publisher", bus)
    payload = common.payload_params("small")
    sizes = Sizes.pick(rounds=5, calls=600)
    burst = 200 if common.QUICK else 5000
    rest_rss = peer.rss_mb()

    latencies, published, delivered = [], 0, 0
    for _ in range(sizes.rounds):
        peer.command("reset")
        for _ in range(sizes.calls):
            await publisher.publish_event("benchdelivery", "serial", payload)
        published += sizes.calls
        stats = await _wait_delivered(peer, sizes.calls)
        delivered += stats["unique"]
        latencies.append(stats["latencies"])

    peer.command("reset")
    cpu0 = peer.cpu_seconds()
    t0 = time.perf_counter()
    if hasattr(publisher, "publish_events"):
        await publisher.publish_events("benchdelivery", "burst", [payload] * burst)
    else:
        await loads.closed_loop_rate(
            lambda: publisher.publish_event("benchdelivery", "burst", payload), burst, IN_FLIGHT
        )
    stats = await _wait_delivered(peer, burst)
    burst_seconds = time.perf_counter() - t0
    published += burst
    delivered += stats["unique"]
    result = {
        "e2e": latency_summary(latencies),
        "published": published,
        "lost": published - delivered,
        "burst_rate": stats["unique"] / burst_seconds,
        "cpu_per_event": (peer.cpu_seconds() - cpu0) / max(stats["count"], 1) * 1e6,
        "rss_rest_mb": rest_rss,
        "rss_peak_mb": peer.peak_rss_mb(),
    }
    await bus.disconnect()
    if common.connect_options() or url:
        nc = await nats.connect(url, **options)
        try:
            from aegis_sdk import STREAM_NAME

            await nc.jetstream().delete_consumer(STREAM_NAME, durable)
        except Exception:  # an older SDK may name its stream differently; nothing to clean
            pass
        await nc.close()
    return result


class _EventDelivery:
    version = "1"

    def setup_cache(self):
        durable = f"bench-{secrets.token_hex(4)}"
        with nats_target() as url:
            spec = (
                "sdk-events",
                {"name": "bench-sub", "pattern": "events.benchdelivery.*", "durable": durable},
            )
            with peers(url, spec) as (peer,):
                return common.run(_measure_delivery(url, peer, durable))

    setup_cache.timeout = common.SETUP_CACHE_TIMEOUT


class EventDelivery(_EventDelivery):
    """A durable wildcard subscriber in another process; every published event is counted.

    End-to-end latency: handler start minus the event's creation timestamp, for events
    published one at a time (5 rounds of 600); then a burst of 5,000 through
    ``publish_events`` measures delivered events per second.
    """

    def track_lost_events(self, cache):
        """Published events never delivered (must be 0: at-least-once)."""
        return cache["lost"]

    track_lost_events.unit = "events"

    def track_e2e_p50(self, cache):
        return cache["e2e"]["p50"]

    track_e2e_p50.unit = "ms"

    def track_e2e_p99(self, cache):
        return cache["e2e"]["p99"]

    track_e2e_p99.unit = "ms"

    def track_us_per_delivered_event(self, cache):
        return 1e6 / cache["burst_rate"]

    track_us_per_delivered_event.unit = "us/event (lower is better; 1e6/events per s)"

    def track_subscriber_cpu(self, cache):
        return cache["cpu_per_event"]

    track_subscriber_cpu.unit = "us CPU/event"
