"""Delivery of events to durable subscribers in other processes: end-to-end latency with a
live subscriber, every event counted, and the rate at which a subscriber drains a stored
backlog, against a raw nats-py push consumer doing the least a consumer can (decode, ack).

Times in seconds; the drain rate as seconds per event (1 / events per second): lower is better.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time

from . import common
from .common import Sizes, latency_summary, median, nats_target, peers, significant

DOMAIN = "benchdelivery"
DRAIN_DOMAIN = "benchdrain"


async def _wait_delivered(peer, expected: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stats = peer.command("stats")
        if stats["count"] >= expected or time.monotonic() > deadline:
            return stats
        await asyncio.sleep(0.01)


async def _live(publisher, peer) -> dict:
    """Events published one at a time to a live durable subscriber: end-to-end latency,
    and published minus distinctly delivered."""
    payload = common.payload_params("small")
    sizes = Sizes.pick(rounds=5, calls=600)
    latencies, published, delivered = [], 0, 0
    for _ in range(sizes.rounds):
        peer.command("reset")
        for _ in range(sizes.calls):
            await publisher.publish_event(DOMAIN, "serial", payload)
        published += sizes.calls
        stats = await _wait_delivered(peer, sizes.calls)
        delivered += stats["unique"]
        latencies.append(stats["latencies"])
    return {"e2e": latency_summary(latencies), "lost": published - delivered}


async def _drain(publisher, drainers: dict) -> dict:
    """Per round and subscriber: publish a backlog while it is detached, then time how long
    it takes to handle all of it once attached, and the CPU that costs it."""
    payload = common.payload_params("small")
    backlog = 300 if common.QUICK else 10_000
    rounds = 1 if common.QUICK else 5
    seconds: dict = {name: [] for name in drainers}
    cpu: dict = {name: [] for name in drainers}
    order = list(drainers)
    for r in range(rounds):
        for name in order[r % 2 :] + order[: r % 2]:
            await publisher.publish_events(DRAIN_DOMAIN, name, [payload] * backlog)
            result = drainers[name].command(f"drain {backlog}", timeout=180)
            if result["count"] < backlog:
                raise RuntimeError(f"{name} drained {result['count']} of {backlog} events")
            seconds[name].append(result["seconds"] / backlog)
            cpu[name].append(result["cpu"] / backlog)
    return {
        "time_per_event": {name: median(v) for name, v in seconds.items()},
        "cpu_per_event": {name: median(v) for name, v in cpu.items()},
    }


async def _measure(url: str, live, drainers: dict, durables: list[str]) -> dict:
    from aegis_sdk import NATSAdapter, Service

    options = common.connect_options()
    bus = NATSAdapter()
    await bus.connect(url, **options)
    publisher = Service("bench-publisher", bus)
    rest_rss = live.rss_bytes()
    try:
        result = await _live(publisher, live)
        result.update(await _drain(publisher, drainers))
        result["rss_rest"] = rest_rss
        result["rss_peak"] = live.peak_rss_bytes()
    finally:
        await bus.disconnect()
    if options or url:  # on a shared server, leave no consumers behind
        nc = await common.raw_connect(url)
        for durable in durables:
            # already gone, or an older SDK named its stream differently: nothing to clean
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_consumer("AEGIS_EVENTS", durable)
        await nc.close()
    return result


class _EventDelivery:
    version = "2"

    def setup_cache(self):
        token = secrets.token_hex(4)
        live = f"bench-{token}"
        drain = {"sdk": f"bench-drain-{token}", "raw": f"bench-raw-drain-{token}"}
        specs = [
            ("sdk-events", {"name": "bench-sub", "pattern": f"events.{DOMAIN}.*", "durable": live}),
            *(
                (
                    f"{name}-drain",
                    {
                        "name": "bench-drain",
                        "pattern": f"events.{DRAIN_DOMAIN}.{name}",
                        "durable": d,
                    },
                )
                for name, d in drain.items()
            ),
        ]
        with nats_target() as url:
            common.run(_create_stream(url))
            with peers(url, *specs) as (live_peer, sdk_drain, raw_drain):
                drainers = {"sdk": sdk_drain, "raw": raw_drain}
                return common.run(_measure(url, live_peer, drainers, [live, *drain.values()]))

    setup_cache.timeout = common.SETUP_CACHE_TIMEOUT


async def _create_stream(url: str) -> None:
    """The raw consumer needs the events stream before any event is published: the SDK
    creates it on first use, so publish one event."""
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter()
    await bus.connect(url, **common.connect_options())
    try:
        await Service("bench-publisher", bus).publish_event(DOMAIN, "setup", {})
    finally:
        await bus.disconnect()


class EventDelivery(_EventDelivery):
    """A durable wildcard subscriber in another process; every published event is counted.

    End-to-end latency: handler start minus the event's creation timestamp, for events
    published one at a time (5 rounds of 600).
    """

    def track_lost_events(self, cache):
        """Published events never delivered (must be 0: at-least-once)."""
        return cache["lost"]

    track_lost_events.unit = "events"

    def track_e2e_p50(self, cache):
        return cache["e2e"]["p50"]

    track_e2e_p50.unit = "seconds"

    def track_e2e_p99(self, cache):
        return cache["e2e"]["p99"]

    track_e2e_p99.unit = "seconds"


class EventDrain(_EventDelivery):
    """A durable subscriber (``Service.subscribe``) in its own process, detached while a
    backlog of 10,000 events is stored, then attached: time and its CPU per handled event
    until all are handled, median of 5 rounds; against a raw nats-py push consumer with the
    same consumer settings that decodes and acks each event, in alternation."""

    unit = "seconds"

    def track_time_per_event(self, cache):
        return cache["time_per_event"]["sdk"]

    def track_subscriber_cpu(self, cache):
        return cache["cpu_per_event"]["sdk"]

    def track_raw_over_sdk_rate(self, cache):
        """raw drain rate over the SDK's: <= 1 means the SDK drains at least as fast."""
        return significant(cache["time_per_event"]["sdk"] / cache["time_per_event"]["raw"])

    track_raw_over_sdk_rate.unit = "ratio raw/SDK rate"


RESTART_DOMAIN = "benchrestart"
FILL_DOMAIN = "benchfill"


async def _drain_after_restart(url: str, peer, durable: str) -> dict:
    """Per round: the subscriber starts and stops at once four times (deployments that
    stopped right away), its process publishing some of a backlog right after each stop,
    and the rest after the last; then the subscriber starts again and drains it, behind a
    stream that already holds other events."""
    from aegis_sdk import NATSAdapter, Service

    payload = common.payload_params("small")
    fill = 5_000 if common.QUICK else 50_000
    backlog = 300 if common.QUICK else 5_000
    rounds = 1 if common.QUICK else 10
    bus = NATSAdapter()
    await bus.connect(url, **common.connect_options())
    publisher = Service("bench-publisher", bus)
    per_event, slowest = [], []
    try:
        for done in range(0, fill, 10_000):
            await publisher.publish_events(FILL_DOMAIN, "old", [payload] * min(10_000, fill - done))
        for _ in range(rounds):
            left = backlog - peer.command(f"bounce {backlog}", timeout=60)["handled"]
            result = peer.command(f"drain {left}", timeout=180)
            if result["count"] < left:
                raise RuntimeError(f"drained {result['count']} of {left} events")
            if "bulk" not in result:
                raise NotImplementedError("the peer does not time the bulk of a drain")
            per_event.append(result["bulk_seconds"] / result["bulk"])
            slowest.append(result["seconds"])
    finally:
        await bus.disconnect()
    await _forget_consumers(url, [durable])
    return {"time_per_event": median(per_event), "slowest_wait": max(slowest)}


async def _forget_consumers(url: str, durables: list[str]) -> None:
    """On a shared server, leave no consumers behind."""
    if not (common.connect_options() or os.environ.get("AEGIS_NATS_URL")):
        return
    nc = await common.raw_connect(url)
    for durable in durables:
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_consumer("AEGIS_EVENTS", durable)
    await nc.close()


class EventDrainAfterRestart:
    """A durable subscriber (``Service.subscribe``) in its own process, restarted while a
    backlog of 5,000 events waits behind a stream that already holds 50,000 others: in each
    of 10 rounds it starts and stops at once four times, its process publishing some of
    the backlog right after each stop, then it starts again and handles all of it.

    ``track_time_per_event``: seconds per event until 99% of the backlog was handled
    (median of the rounds). ``track_slowest_wait``: seconds from the restart until the
    last event was handled, the slowest round: an event that the server pushed while
    nobody listened waits out the 30 s ack wait and shows here.
    """

    version = "1"
    unit = "seconds"

    def setup_cache(self):
        durable = f"bench-restart-{secrets.token_hex(4)}"
        spec = (
            "sdk-drain",
            {
                "name": "bench-restart",
                "pattern": f"events.{RESTART_DOMAIN}.*",
                "durable": durable,
                "backlog": RESTART_DOMAIN,
            },
        )
        with nats_target() as url:
            common.run(_create_stream(url))
            with peers(url, spec) as (peer,):
                return common.run(_drain_after_restart(url, peer, durable))

    setup_cache.timeout = 2 * common.SETUP_CACHE_TIMEOUT  # each straggler costs 30 s

    def track_time_per_event(self, cache):
        return cache["time_per_event"]

    def track_slowest_wait(self, cache):
        return cache["slowest_wait"]
