"""One round of the pull-request gate's measurements, for the SDK installed in this Python.

    python -m benchmarks.gate_probe [--only NAME ...]   -> one JSON object on stdout

Not an asv benchmark: the gate (tools/gate.py) runs it alternately in a virtual environment
with the base commit's SDK and one with the head commit's, on the same machine, and
compares the rounds pairwise. It favours signals that are cheap and steady here: CPU time
per operation, medians of many operations and short throughput bursts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from . import common, loads
from .common import Timer, median, nats_target, peers, percentile

SERVICE = "gate-rpc"
SUB_ROUNDS = 5
BATCH = 3000
# name -> (unit, what it measures); lower is better for all
METRICS = {
    "rpc_p50": ("ms", "serial RPC round trip, p50 of 300 calls, median of 5"),
    "rpc_client_cpu": ("us CPU/call", "client CPU per serial RPC"),
    "rpc_service_cpu": ("us CPU/call", "service CPU per serial RPC"),
    "rpc_us_per_request": ("us/request", "100 calls in flight: 1e6 / requests per s"),
    "event_p50": ("ms", "publish_event awaiting its ack, p50 of 100, median of 5"),
    "event_batch_us_per_event": (
        "us/event",
        "publish_events of 3,000, median of 5: 1e6 / events/s",
    ),
    "event_batch_cpu": ("us CPU/event", "publisher CPU per event in publish_events"),
}
GROUPS = {
    "rpc": ["rpc_p50", "rpc_client_cpu", "rpc_service_cpu", "rpc_us_per_request"],
    "events": ["event_p50", "event_batch_us_per_event", "event_batch_cpu"],
}


async def _rpc(url: str, peer) -> dict:
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter()
    await bus.connect(url, **common.connect_options())
    call = loads.sdk_rpc_call(Service("gate-client", bus), SERVICE, "echo", {"data": "x" * 80})
    await loads.until_served(call)
    await loads.serial_latencies(call, 300)
    common.quiesce()
    p50, client, service = [], [], []
    for _ in range(SUB_ROUNDS):  # medians of sub-rounds shrug off a burst of host noise
        service0 = peer.cpu_seconds()
        with Timer() as t:
            samples = sorted(await loads.serial_latencies(call, 300))
        p50.append(percentile(samples, 50) * 1e3)
        client.append(t.cpu / 300 * 1e6)
        service.append((peer.cpu_seconds() - service0) / 300 * 1e6)
    rates = [await loads.closed_loop_rate(call, 2000, 100) for _ in range(3)]
    await bus.disconnect()
    return {
        "rpc_p50": median(p50),
        "rpc_client_cpu": median(client),
        "rpc_service_cpu": median(service),
        "rpc_us_per_request": 1e6 / median(rates),
    }


async def _events(url: str) -> dict:
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter()
    await bus.connect(url, **common.connect_options())
    publisher = Service("gate-publisher", bus)
    payload = {"data": "x" * 80}
    await publisher.publish_event("gate", "warmup", payload)
    await loads.serial_latencies(lambda: publisher.publish_event("gate", "serial", payload), 200)
    common.quiesce()
    p50 = []
    for _ in range(SUB_ROUNDS):
        samples = sorted(
            await loads.serial_latencies(
                lambda: publisher.publish_event("gate", "serial", payload), 100
            )
        )
        p50.append(percentile(samples, 50) * 1e3)
    rates, cpu = [], []
    for _ in range(SUB_ROUNDS):
        with Timer() as t:
            await publisher.publish_events("gate", "batch", [payload] * BATCH)
        rates.append(BATCH / t.wall)
        cpu.append(t.cpu / BATCH * 1e6)
    await bus.disconnect()
    return {
        "event_p50": median(p50),
        "event_batch_us_per_event": 1e6 / median(rates),
        "event_batch_cpu": median(cpu),
    }


def measure(groups: list[str]) -> dict:
    results: dict = {}
    with nats_target() as url:
        if "rpc" in groups:
            with peers(url, ("sdk-rpc", {"name": SERVICE})) as (peer,):
                results.update(asyncio.run(_rpc(url, peer)))
        if "events" in groups:
            results.update(asyncio.run(_events(url)))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(GROUPS), default=list(GROUPS))
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    results = measure(args.only)
    results["_seconds"] = time.perf_counter() - t0
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
