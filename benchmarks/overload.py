"""A service under a flood: how long another method of the same service waits while one
of its methods gets far more requests than it can serve.

A plain nats-py client in its own process sends 100,000 requests to a slow method (10 ms
a call) as fast as it can, without waiting for replies; meanwhile this process calls the
service's fast method every 10 ms on a fixed schedule (open loop: latency counted from each
call's intended start, so a stall counts for every call it holds up). Three floods.

Times in seconds; lower is better. Targets (``perf.toml``): the other method's p99 within
50 ms and its maximum within 100 ms.
"""

from __future__ import annotations

import asyncio
import time

from .support.connections import sdk_bus
from .support.peers import peers
from .support.percentiles import percentile
from .support.run_sizes import QUICK, SETUP_CACHE_TIMEOUT
from .support.server_under_test import server_under_test

SERVICE = "bench-fair"
FLOOD = 100_000
PING_EVERY = 0.01  # seconds


async def _pings_during(flood, call) -> tuple[list[float], dict]:
    """Call on a fixed schedule until the flood's command returns; latencies from each
    call's intended start."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    pending: set[asyncio.Task] = set()
    flooding = asyncio.ensure_future(asyncio.to_thread(flood.command, f"flood {_size()}", 120))

    async def ping(due: float) -> None:
        await call()
        latencies.append(loop.time() - due)

    due = loop.time()
    while not flooding.done():
        task = asyncio.ensure_future(ping(due))
        pending.add(task)
        task.add_done_callback(pending.discard)
        due += PING_EVERY
        await asyncio.sleep(max(due - loop.time(), 0))
    await asyncio.gather(*pending)
    return latencies, flooding.result()


def _size() -> int:
    return 5_000 if QUICK else FLOOD


async def _measure(url, flood) -> dict:
    from aegis_sdk import Service

    latencies, outcomes = [], []
    async with sdk_bus(url) as bus:
        client = Service("bench-pinger", bus)

        def call():
            return client.call_rpc(SERVICE, "ping", {}, timeout=10)

        for _ in range(1 if QUICK else 3):
            await call()
            samples, outcome = await _pings_during(flood, call)
            latencies += samples
            outcomes.append(outcome)
            await asyncio.sleep(0.5)  # the slow method's queue empties
    latencies.sort()
    answered = [sum(o.get(k, 0) for k in ("ok", "overloaded", "error")) for o in outcomes]
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": latencies[-1],
        "pings": len(latencies),
        "unanswered": sum(_size() - a for a in answered),
        "flood_send_seconds": [o["sent_seconds"] for o in outcomes],
        "flood_seconds": [o["seconds"] for o in outcomes],
        "served": [o.get("ok", 0) for o in outcomes],
    }


class OtherMethodDuringFlood:
    """The fast method's latency while the slow one is flooded (pooled over 3 floods of
    100,000 requests), and the flood's requests left without any reply (must be 0: each
    gets its result or ``ServiceOverloadedError``)."""

    version = "1"
    unit = "seconds"

    def setup_cache(self):
        with server_under_test() as url:
            specs = [
                ("sdk-fair", {"name": SERVICE}),
                ("flood", {"name": SERVICE, "method": "slow"}),
            ]
            with peers(url, *specs) as (_, flood):
                started = time.perf_counter()
                result = asyncio.run(_measure(url, flood))
                result["seconds"] = time.perf_counter() - started
                return result

    setup_cache.timeout = SETUP_CACHE_TIMEOUT

    def track_p50(self, cache):
        return cache["p50"]

    def track_p99(self, cache):
        return cache["p99"]

    def track_max(self, cache):
        return cache["max"]

    def track_unanswered(self, cache):
        return cache["unanswered"]

    track_unanswered.unit = "requests"
