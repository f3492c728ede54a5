"""The headline figures under both event loops, asyncio's own and uvloop, client and
service alike, each against raw nats-py on the same loop in the same run: serial RPC p50,
RPC throughput with 100 calls in flight, and batched acknowledged events/s.

Times in seconds; rates as seconds per operation (lower is better); ratios to 3 digits.
"""

from __future__ import annotations

import asyncio
import time

import msgpack

from . import common, loads
from .common import Sizes, median, nats_target, peers, significant

LOOPS = ["asyncio", "uvloop"]
SERVICE = "bench-loop"
IN_FLIGHT = 100


def _run(coro, loop: str):
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coro)
    return asyncio.run(coro)


async def _measure(url: str) -> dict:
    from aegis_sdk import Event, NATSAdapter, Service

    options = common.connect_options()
    bus = NATSAdapter()
    await bus.connect(url, **options)
    client = Service("bench-client", bus)
    nc = await common.raw_connect(url)
    js = nc.jetstream()
    params = common.payload_params("small")
    sdk = loads.sdk_rpc_call(client, SERVICE, "echo", params)
    raw = loads.raw_rpc_call(nc, f"raw.{SERVICE}.echo", params)
    raw_event = msgpack.packb(Event("benchloop", "raw", params).to_wire())
    serial = Sizes.pick(rounds=5, calls=1000)
    burst = 200 if common.QUICK else 4000
    events = 200 if common.QUICK else 5000

    async def batch_rate() -> float:
        t0 = time.perf_counter()
        await client.publish_events("benchloop", "batch", [params] * events)
        return events / (time.perf_counter() - t0)

    steps = {
        "rpc_p50_sdk": lambda: _p50(sdk, serial.calls),
        "rpc_p50_raw": lambda: _p50(raw, serial.calls),
        "rpc_rate_sdk": lambda: loads.closed_loop_rate(sdk, burst, IN_FLIGHT),
        "rpc_rate_raw": lambda: loads.closed_loop_rate(raw, burst, IN_FLIGHT),
        "event_rate_sdk": batch_rate,
        "event_rate_raw": lambda: loads.raw_publish_async_rate(
            js, "events.benchloop.raw", raw_event, events
        ),
    }
    try:
        for call in (sdk, raw):
            await loads.until_served(call)
            await loads.serial_latencies(call, serial.warmup)
        await batch_rate()
        common.quiesce()
        values: dict = {name: [] for name in steps}
        order = list(steps)
        for r in range(serial.rounds):
            for name in order[r % len(order) :] + order[: r % len(order)]:
                values[name].append(await steps[name]())
    finally:
        await bus.disconnect()
        await nc.close()
    return {name: median(v) for name, v in values.items()}


async def _p50(call, n: int) -> float:
    return median(await loads.serial_latencies(call, n))


class _ByLoop:
    version = "1"

    def setup_cache(self):
        results = {}
        with nats_target() as url:
            for loop in LOOPS:
                specs = [
                    ("sdk-rpc", {"name": SERVICE, "loop": loop}),
                    ("raw-rpc", {"name": SERVICE, "loop": loop}),
                ]
                with peers(url, *specs):
                    results[loop] = _run(_measure(url), loop)
        return results

    setup_cache.timeout = common.SETUP_CACHE_TIMEOUT


class HeadlineByLoop(_ByLoop):
    """Client and service on the named event loop."""

    params = LOOPS
    param_names = ["loop"]
    unit = "seconds"

    def track_rpc_p50(self, cache, loop):
        """Serial ``Service.call_rpc`` round trip, p50 (median of 5 rounds of 1,000)."""
        return cache[loop]["rpc_p50_sdk"]

    def track_rpc_p50_vs_raw(self, cache, loop):
        return significant(cache[loop]["rpc_p50_sdk"] / cache[loop]["rpc_p50_raw"])

    track_rpc_p50_vs_raw.unit = "ratio SDK/raw"

    def track_rpc_time_per_request(self, cache, loop):
        """100 calls in flight: 1 / requests per second."""
        return 1 / cache[loop]["rpc_rate_sdk"]

    def track_rpc_raw_over_sdk_rate(self, cache, loop):
        return significant(cache[loop]["rpc_rate_raw"] / cache[loop]["rpc_rate_sdk"])

    track_rpc_raw_over_sdk_rate.unit = "ratio raw/SDK rate"

    def track_event_time_per_event(self, cache, loop):
        """``publish_events`` of 5,000, all acknowledged: 1 / events per second."""
        return 1 / cache[loop]["event_rate_sdk"]

    def track_event_raw_over_sdk_rate(self, cache, loop):
        """raw nats-py ``publish_async`` events/s over the SDK's batched rate."""
        return significant(cache[loop]["event_rate_raw"] / cache[loop]["event_rate_sdk"])

    track_event_raw_over_sdk_rate.unit = "ratio raw/SDK rate"
