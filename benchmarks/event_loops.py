"""The headline figures under both event loops, asyncio's own and uvloop, client and
service alike, each against raw nats-py on the same loop in the same run: serial RPC p50,
RPC throughput with 100 calls in flight, and batched acknowledged events/s.

Times in seconds; rates as seconds per operation (lower is better); ratios to 3 digits.
"""

from __future__ import annotations

import time

import msgpack

from .support import load_generators as loads
from .support.connections import sdk_and_raw
from .support.loop_choice import run_on
from .support.measuring import quiesce
from .support.peers import peers
from .support.percentiles import median, significant
from .support.run_sizes import QUICK, SETUP_CACHE_TIMEOUT, Sizes, payload_params
from .support.server_under_test import server_under_test

LOOPS = ["asyncio", "uvloop"]
SERVICE = "bench-loop"
IN_FLIGHT = 100


async def _measure(url: str) -> dict:
    """Each SDK figure and its raw counterpart, in rotating order, round after round."""
    from aegis_sdk import Event, Service

    async with sdk_and_raw(url) as (bus, nc):
        client = Service("bench-client", bus)
        js = nc.jetstream()
        params = payload_params("small")
        sdk = loads.sdk_rpc_call(client, SERVICE, "echo", params)
        raw = loads.raw_rpc_call(nc, f"raw.{SERVICE}.echo", params)
        raw_event = msgpack.packb(Event("benchloop", "raw", params).to_wire())
        serial = Sizes.pick(rounds=5, calls=1000)
        burst = 200 if QUICK else 4000
        events = 200 if QUICK else 5000

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
        for call in (sdk, raw):
            await loads.until_served(call)
            await loads.serial_latencies(call, serial.warmup)
        await batch_rate()
        quiesce()
        values: dict = {name: [] for name in steps}
        order = list(steps)
        for r in range(serial.rounds):
            for name in order[r % len(order) :] + order[: r % len(order)]:
                values[name].append(await steps[name]())
        return {name: median(v) for name, v in values.items()}


async def _p50(call, n: int) -> float:
    return median(await loads.serial_latencies(call, n))


class _ByLoop:
    version = "1"

    def setup_cache(self):
        results = {}
        with server_under_test() as url:
            for loop in LOOPS:
                specs = [
                    ("sdk-rpc", {"name": SERVICE, "loop": loop}),
                    ("raw-rpc", {"name": SERVICE, "loop": loop}),
                ]
                with peers(url, *specs):
                    results[loop] = run_on(loop, _measure(url))
        return results

    setup_cache.timeout = SETUP_CACHE_TIMEOUT


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
