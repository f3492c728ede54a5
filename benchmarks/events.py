"""Publishing events on JetStream (file storage): publish latency, acknowledged throughput
and the cost of the JetStream ack. Delivery to subscribers is in ``delivery``.

Times are in seconds; throughput is reported as seconds per event (1 / events per second),
so that, as for every asv metric, lower is better and a drop in events/s is a regression.
"""

from __future__ import annotations

import asyncio
import collections
import time

import msgpack

from .support import load_generators as loads
from .support.connections import sdk_and_raw
from .support.measuring import Timer, quiesce
from .support.percentiles import latency_summary, median, significant
from .support.run_sizes import QUICK, SETUP_CACHE_TIMEOUT, Sizes, payload_params
from .support.server_under_test import server_under_test

DOMAIN = "bench"
RAW_SUBJECT = "events.bench.raw"
CORE_SUBJECT = "bench.core"
IN_FLIGHT = 100
THROUGHPUT_MODES = ["serial", "concurrent", "batch"]


def _skip_if_missing(value) -> None:
    if value is None:
        raise NotImplementedError("not available on this SDK commit")


async def _measure_publish(url: str) -> dict:
    """Rounds of serial publishing (SDK, raw JetStream, raw core NATS), then bursts."""
    from aegis_sdk import Event, Service

    async with sdk_and_raw(url) as (bus, nc):
        publisher = Service("bench-publisher", bus)
        js = nc.jetstream()
        payload = payload_params("small")
        # the raw baseline sends an envelope of the same size, packed once
        raw_payload = msgpack.packb(Event(DOMAIN, "raw", payload).to_wire())
        sizes = Sizes.pick(rounds=9, calls=800)
        burst = 200 if QUICK else 5000

        def sdk_publish():
            return publisher.publish_event(DOMAIN, "latency", payload)

        def raw_publish():
            return js.publish(RAW_SUBJECT, raw_payload)

        has_batch = hasattr(publisher, "publish_events")

        async def batch_rate(n: int) -> float:
            t0 = time.perf_counter()
            await publisher.publish_events(DOMAIN, "batch", [payload] * n)
            return n / (time.perf_counter() - t0)

        await loads.serial_latencies(sdk_publish, sizes.warmup)
        await loads.serial_latencies(raw_publish, sizes.warmup)
        await loads.core_publish_flush_latencies(nc, CORE_SUBJECT, raw_payload, sizes.warmup)
        quiesce()

        sdk_rounds, raw_rounds, core_rounds, cpu = [], [], [], []
        rates = collections.defaultdict(list)
        for r in range(sizes.rounds):
            with Timer() as t:
                sdk_rounds.append(await loads.serial_latencies(sdk_publish, sizes.calls))
            cpu.append(t.cpu / sizes.calls)
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
        batch_cpu = t.cpu / burst if has_batch else None

        return {
            "sdk": latency_summary(sdk_rounds),
            "raw": latency_summary(raw_rounds),
            "core": latency_summary(core_rounds),
            "rate": {name: median(values) for name, values in rates.items()},
            "cpu_serial": median(cpu),
            "cpu_batch": batch_cpu,
        }


class _EventPublish:
    version = "2"

    def setup_cache(self):
        with server_under_test() as url:
            return asyncio.run(_measure_publish(url))

    setup_cache.timeout = SETUP_CACHE_TIMEOUT


class EventPublishLatency(_EventPublish):
    """One ``Service.publish_event`` awaiting its JetStream ack; p50/p99 median of 9 rounds."""

    unit = "seconds"

    def track_p50(self, cache):
        return cache["sdk"]["p50"]

    def track_p99(self, cache):
        return cache["sdk"]["p99"]

    def track_p50_vs_raw(self, cache):
        """SDK p50 / raw nats-py ``js.publish`` p50, same envelope size, same run."""
        return significant(cache["sdk"]["p50"] / cache["raw"]["p50"])

    track_p50_vs_raw.unit = "ratio SDK/raw"

    def track_p99_vs_raw(self, cache):
        return significant(cache["sdk"]["p99"] / cache["raw"]["p99"])

    track_p99_vs_raw.unit = "ratio SDK/raw"


class EventThroughput(_EventPublish):
    """Acknowledged events per second, as seconds per event (lower is better).

    serial: ``publish_event`` one after another; concurrent: 100 ``publish_event`` in
    flight; batch: ``publish_events`` (pipelined, all acks awaited).
    """

    params = THROUGHPUT_MODES
    param_names = ["mode"]

    def setup(self, cache, mode):
        _skip_if_missing(cache["rate"].get(mode))

    def track_time_per_event(self, cache, mode):
        return 1 / cache["rate"][mode]

    track_time_per_event.unit = "seconds"

    def track_raw_async_over_sdk_rate(self, cache, mode):
        """raw nats-py ``publish_async`` events/s over the SDK's: <= 1 means SDK at least raw."""
        return significant(cache["rate"]["raw_async"] / cache["rate"][mode])

    track_raw_async_over_sdk_rate.unit = "ratio raw/SDK rate"


class JetStreamAckOverhead(_EventPublish):
    """Same payload, raw nats-py: core publish confirmed by flush vs JetStream publish + ack."""

    def track_core_publish_p50(self, cache):
        return cache["core"]["p50"]

    track_core_publish_p50.unit = "seconds"

    def track_jetstream_publish_p50(self, cache):
        return cache["raw"]["p50"]

    track_jetstream_publish_p50.unit = "seconds"

    def track_ack_overhead_ratio(self, cache):
        return significant(cache["raw"]["p50"] / cache["core"]["p50"])

    track_ack_overhead_ratio.unit = "ratio JetStream/core"


class EventPublishCPU(_EventPublish):
    """Publisher CPU time per acknowledged event (seconds of CPU per event)."""

    unit = "seconds"

    def track_serial(self, cache):
        return cache["cpu_serial"]

    def track_batch(self, cache):
        _skip_if_missing(cache["cpu_batch"])
        return cache["cpu_batch"]
