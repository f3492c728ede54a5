"""Delivery of events to durable subscribers in other processes: end-to-end latency with a
live subscriber, every event counted, and the rate at which a subscriber drains a stored
backlog, against a raw nats-py push consumer doing the least a consumer can (decode, ack).

Times in seconds; the drain rate as seconds per event (1 / events per second): lower is better.
"""

from __future__ import annotations

import asyncio
import secrets

from .support.connections import sdk_bus
from .support.events_stream import ensure_events_stream, forget_consumers
from .support.peers import peers
from .support.percentiles import latency_summary, median, significant
from .support.run_sizes import QUICK, SETUP_CACHE_TIMEOUT, Sizes, payload_params
from .support.server_under_test import server_under_test

DOMAIN = "benchdelivery"
DRAIN_DOMAIN = "benchdrain"
PUBLISHER = "bench-publisher"


async def _live(publisher, peer) -> dict:
    """Events published one at a time to a live durable subscriber: end-to-end latency,
    and published minus distinctly delivered."""
    payload = payload_params("small")
    sizes = Sizes.pick(rounds=5, calls=600)
    latencies, published, delivered = [], 0, 0
    for _ in range(sizes.rounds):
        peer.command("reset")
        for _ in range(sizes.calls):
            await publisher.publish_event(DOMAIN, "serial", payload)
        published += sizes.calls
        stats = await peer.wait_delivered(sizes.calls, timeout=60.0, poll=0.01)
        delivered += stats["unique"]
        latencies.append(stats["latencies"])
    return {"e2e": latency_summary(latencies), "lost": published - delivered}


async def _drain(publisher, drainers: dict) -> dict:
    """Per round and subscriber: publish a backlog while it is detached, then time how long
    it takes to handle all of it once attached, and the CPU that costs it."""
    payload = payload_params("small")
    backlog = 300 if QUICK else 10_000
    rounds = 1 if QUICK else 5
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
    from aegis_sdk import Service

    async with sdk_bus(url) as bus:
        publisher = Service(PUBLISHER, bus)
        rest_rss = live.rss_bytes()
        result = await _live(publisher, live)
        result.update(await _drain(publisher, drainers))
        result["rss_rest"] = rest_rss
        result["rss_peak"] = live.peak_rss_bytes()
    await forget_consumers(url, durables)
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
        with server_under_test() as url:
            # the raw consumer needs the events stream before any event is published
            asyncio.run(ensure_events_stream(url, PUBLISHER, DOMAIN))
            with peers(url, *specs) as (live_peer, sdk_drain, raw_drain):
                drainers = {"sdk": sdk_drain, "raw": raw_drain}
                return asyncio.run(_measure(url, live_peer, drainers, [live, *drain.values()]))

    setup_cache.timeout = SETUP_CACHE_TIMEOUT


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
    from aegis_sdk import Service

    payload = payload_params("small")
    fill = 5_000 if QUICK else 50_000
    backlog = 300 if QUICK else 5_000
    rounds = 1 if QUICK else 10
    per_event, slowest = [], []
    async with sdk_bus(url) as bus:
        publisher = Service(PUBLISHER, bus)
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
    await forget_consumers(url, [durable])
    return {"time_per_event": median(per_event), "slowest_wait": max(slowest)}


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
        with server_under_test() as url:
            asyncio.run(ensure_events_stream(url, PUBLISHER, DOMAIN))
            with peers(url, spec) as (peer,):
                return asyncio.run(_drain_after_restart(url, peer, durable))

    setup_cache.timeout = 2 * SETUP_CACHE_TIMEOUT  # each straggler costs 30 s

    def track_time_per_event(self, cache):
        return cache["time_per_event"]

    def track_slowest_wait(self, cache):
        return cache["slowest_wait"]
