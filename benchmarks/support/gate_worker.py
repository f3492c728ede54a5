"""A worker for the pull-request gate, measuring the SDK installed in this Python.

    python -m benchmarks.support.gate_worker LABEL   (LABEL names its RPC service: gate-rpc-LABEL)

Not an asv benchmark. The gate (tools/gate/) starts one worker with the base commit's SDK
and one with the head's, then asks them in turn for short measurements (a fraction of a
second each), so whatever this shared machine does at that moment hits both alike; it
compares the answers pairwise. Both workers use the server at ``AEGIS_NATS_URL`` (the gate
starts one; a worker run alone starts its own), and each has its own service processes
running its SDK: an RPC service, a live durable subscriber and a subscriber that drains a
stored backlog.

Protocol: one JSON line when ready; then for each measurement name read from stdin, one
JSON line of metrics; EOF stops the worker.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from dataclasses import dataclass

from . import load_generators as loads
from .connections import sdk_bus
from .events_stream import ensure_events_stream
from .json_lines import reply
from .measuring import Timer, quiesce
from .peers import peers
from .percentiles import percentile
from .server_under_test import server_under_test

PAYLOAD = {"data": "x" * 80}
SERIAL_CALLS = 200
BURST_CALLS, IN_FLIGHT = 2000, 100
SERIAL_EVENTS = 200
BATCH = 2000
BACKLOG = 5000
LIVE_EVENTS = 200
MEDIAN, TAIL = 0.05, 0.20  # the smallest change each kind of metric is judged a regression by


@dataclass(frozen=True)
class Metric:
    unit: str
    what: str
    min_effect: float = MEDIAN


# measurement -> metric -> Metric; lower is better for all
MEASUREMENTS = {
    "rpc_serial": {
        "rpc_p50": Metric("ms", f"serial RPC round trip, p50 of {SERIAL_CALLS}"),
        "rpc_p99": Metric("ms", f"serial RPC round trip, p99 of {SERIAL_CALLS}", TAIL),
        "rpc_client_cpu": Metric("us CPU/call", "client CPU per serial RPC"),
        "rpc_service_cpu": Metric("us CPU/call", "service CPU per serial RPC"),
    },
    "rpc_burst": {
        "rpc_us_per_request": Metric(
            "us/request", f"{IN_FLIGHT} calls in flight: 1e6 / requests/s"
        ),
    },
    "event_serial": {
        "event_p50": Metric("ms", f"publish_event awaiting its ack, p50 of {SERIAL_EVENTS}"),
    },
    "event_batch": {
        "event_batch_us_per_event": Metric(
            "us/event", f"publish_events of {BATCH}: 1e6 / events/s"
        ),
        "event_batch_cpu": Metric("us CPU/event", "publisher CPU per event in publish_events"),
    },
    "delivery_live": {
        "delivery_e2e_p50": Metric(
            "ms", f"publish to a live subscriber's handler, p50 of {LIVE_EVENTS}"
        ),
        "delivery_e2e_p99": Metric(
            "ms", f"publish to a live subscriber's handler, p99 of {LIVE_EVENTS}", TAIL
        ),
    },
    "delivery_drain": {
        "drain_us_per_event": Metric(
            "us/event", f"a durable subscriber drains a stored backlog of {BACKLOG}"
        ),
        "drain_cpu": Metric("us CPU/event", "subscriber CPU per drained event"),
    },
}
METRICS = {metric: spec for specs in MEASUREMENTS.values() for metric, spec in specs.items()}


class GateMeasurements:
    """The measurements a worker takes on request, each a fraction of a second."""

    def __init__(self, service, call, label: str, rpc_peer, live_peer, drain_peer) -> None:
        self.service = service
        self.call = call
        self.label = label
        self.rpc_peer = rpc_peer
        self.live_peer = live_peer
        self.drain_peer = drain_peer

    async def rpc_serial(self) -> dict:
        service0 = self.rpc_peer.cpu_seconds()
        with Timer() as t:
            samples = sorted(await loads.serial_latencies(self.call, SERIAL_CALLS))
        service = self.rpc_peer.cpu_seconds() - service0
        return {
            "rpc_p50": percentile(samples, 50) * 1e3,
            "rpc_p99": percentile(samples, 99) * 1e3,
            "rpc_client_cpu": t.cpu / SERIAL_CALLS * 1e6,
            "rpc_service_cpu": service / SERIAL_CALLS * 1e6,
        }

    async def rpc_burst(self) -> dict:
        rate = await loads.closed_loop_rate(self.call, BURST_CALLS, IN_FLIGHT)
        return {"rpc_us_per_request": 1e6 / rate}

    async def event_serial(self) -> dict:
        def publish():
            return self.service.publish_event("gate", "serial", PAYLOAD)

        samples = sorted(await loads.serial_latencies(publish, SERIAL_EVENTS))
        return {"event_p50": percentile(samples, 50) * 1e3}

    async def event_batch(self) -> dict:
        with Timer() as t:
            await self.service.publish_events("gate", "batch", [PAYLOAD] * BATCH)
        return {
            "event_batch_us_per_event": t.wall / BATCH * 1e6,
            "event_batch_cpu": t.cpu / BATCH * 1e6,
        }

    async def delivery_live(self) -> dict:
        self.live_peer.command("reset")
        for _ in range(LIVE_EVENTS):
            await self.service.publish_event(live_domain(self.label), "e", PAYLOAD)
        stats = await self.live_peer.wait_delivered(LIVE_EVENTS, timeout=30, poll=0.005)
        if stats["count"] < LIVE_EVENTS:
            raise RuntimeError(f"{stats['count']} of {LIVE_EVENTS} events delivered")
        latencies = sorted(stats["latencies"])
        return {
            "delivery_e2e_p50": percentile(latencies, 50) * 1e3,
            "delivery_e2e_p99": percentile(latencies, 99) * 1e3,
        }

    async def delivery_drain(self) -> dict:
        await self.service.publish_events(drain_domain(self.label), "e", [PAYLOAD] * BACKLOG)
        result = self.drain_peer.command(f"drain {BACKLOG}", timeout=120)
        if result["count"] < BACKLOG:
            raise RuntimeError(f"drained {result['count']} of {BACKLOG} events")
        return {
            "drain_us_per_event": result["seconds"] / BACKLOG * 1e6,
            "drain_cpu": result["cpu"] / BACKLOG * 1e6,
        }


def live_domain(label: str) -> str:
    return f"gatelive-{label}"


def drain_domain(label: str) -> str:
    return f"gatedrain-{label}"


async def serve(url: str, label: str, rpc_peer, live_peer, drain_peer) -> None:
    from aegis_sdk import Service

    async with sdk_bus(url) as bus:
        service = Service("gate-client", bus)
        call = loads.sdk_rpc_call(service, service_name(label), "echo", PAYLOAD)
        await loads.until_served(call)
        measurements = GateMeasurements(service, call, label, rpc_peer, live_peer, drain_peer)
        for name in MEASUREMENTS:  # warm-up: connections, stream, caches
            await getattr(measurements, name)()
        quiesce()
        reply({"ready": True})
        while line := (await asyncio.to_thread(sys.stdin.readline)).strip():
            if line not in MEASUREMENTS:
                reply({"error": f"unknown measurement {line!r}"})
                continue
            reply(await getattr(measurements, line)())


def service_name(label: str) -> str:
    return f"gate-rpc-{label}"  # base and head may share one external server


def main() -> None:
    label = sys.argv[1]
    token = secrets.token_hex(3)
    specs = [
        ("sdk-rpc", {"name": service_name(label)}),
        (
            "sdk-events",
            {
                "name": f"gate-live-{label}",
                "pattern": f"events.{live_domain(label)}.*",
                "durable": f"gate-live-{label}-{token}",
            },
        ),
        (
            "sdk-drain",
            {
                "name": f"gate-drain-{label}",
                "pattern": f"events.{drain_domain(label)}.*",
                "durable": f"gate-drain-{label}-{token}",
            },
        ),
    ]
    with server_under_test() as url:
        asyncio.run(ensure_events_stream(url, "gate-client", "gate"))
        with peers(url, *specs) as (rpc_peer, live_peer, drain_peer):
            asyncio.run(serve(url, label, rpc_peer, live_peer, drain_peer))


if __name__ == "__main__":
    main()
