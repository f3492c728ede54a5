"""A worker for the pull-request gate, measuring the SDK installed in this Python.

    python -m benchmarks.gate_probe LABEL      (LABEL names its RPC service: gate-rpc-LABEL)

Not an asv benchmark. The gate (tools/gate.py) starts one worker with the base commit's SDK
and one with the head's, then asks them in turn for short measurements (a fraction of a
second each), so whatever this shared machine does at that moment hits both alike; it
compares the answers pairwise. Both workers use the server at ``AEGIS_NATS_URL`` (the gate
starts one; a worker run alone starts its own), and each has its own RPC service process
running its SDK.

Protocol: one JSON line when ready; then for each measurement name read from stdin, one
JSON line of metrics; EOF stops the worker.
"""

from __future__ import annotations

import asyncio
import json
import sys

from . import common, loads
from .common import Timer, nats_target, peers, percentile

PAYLOAD = {"data": "x" * 80}
SERIAL_CALLS = 200
BURST_CALLS, IN_FLIGHT = 2000, 100
SERIAL_EVENTS = 200
BATCH = 2000

# measurement -> metric -> (unit, what it measures); lower is better for all
MEASUREMENTS = {
    "rpc_serial": {
        "rpc_p50": ("ms", f"serial RPC round trip, p50 of {SERIAL_CALLS}"),
        "rpc_client_cpu": ("us CPU/call", "client CPU per serial RPC"),
        "rpc_service_cpu": ("us CPU/call", "service CPU per serial RPC"),
    },
    "rpc_burst": {
        "rpc_us_per_request": ("us/request", f"{IN_FLIGHT} calls in flight: 1e6 / requests/s"),
    },
    "event_serial": {
        "event_p50": ("ms", f"publish_event awaiting its ack, p50 of {SERIAL_EVENTS}"),
    },
    "event_batch": {
        "event_batch_us_per_event": ("us/event", f"publish_events of {BATCH}: 1e6 / events/s"),
        "event_batch_cpu": ("us CPU/event", "publisher CPU per event in publish_events"),
    },
}
METRICS = {metric: spec for specs in MEASUREMENTS.values() for metric, spec in specs.items()}


class Probe:
    def __init__(self, service, call, rpc_peer) -> None:
        self.service = service
        self.call = call
        self.rpc_peer = rpc_peer

    async def rpc_serial(self) -> dict:
        service0 = self.rpc_peer.cpu_seconds()
        with Timer() as t:
            samples = sorted(await loads.serial_latencies(self.call, SERIAL_CALLS))
        service = self.rpc_peer.cpu_seconds() - service0
        return {
            "rpc_p50": percentile(samples, 50) * 1e3,
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


async def serve(url: str, service_name: str, rpc_peer) -> None:
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter()
    await bus.connect(url, **common.connect_options())
    service = Service("gate-client", bus)
    call = loads.sdk_rpc_call(service, service_name, "echo", PAYLOAD)
    await loads.until_served(call)
    probe = Probe(service, call, rpc_peer)
    for name in MEASUREMENTS:  # warm-up: connections, stream, caches
        await getattr(probe, name)()
    common.quiesce()
    _reply({"ready": True})
    while line := (await asyncio.to_thread(sys.stdin.readline)).strip():
        if line not in MEASUREMENTS:
            _reply({"error": f"unknown measurement {line!r}"})
            continue
        _reply(await getattr(probe, line)())
    await bus.disconnect()


def _reply(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> None:
    name = f"gate-rpc-{sys.argv[1]}"  # base and head may share one external server
    with nats_target() as url, peers(url, ("sdk-rpc", {"name": name})) as (rpc_peer,):
        asyncio.run(serve(url, name, rpc_peer))


if __name__ == "__main__":
    main()
