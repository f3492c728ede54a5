"""nats-server SIGKILLed and restarted on its port and store, under load.

A publisher sends thousands of events and a client calls RPCs all along. Afterwards every
event whose publish returned is in the stream once and reached the durable subscriber at
least once; RPC works again within seconds; every pooled connection came back by itself.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from aegis_sdk import (
    BusConnectionError,
    Event,
    PublishError,
    RPCTimeoutError,
    Service,
    ServiceUnavailableError,
)

from .conftest import stored_message_ids, wait_until

EVENTS = 3000
PUBLISHERS = 4
OUTAGE = 1.0  # seconds the server stays dead
RPC_TIMEOUT = 1.0


class Load:
    """Publishers and an RPC caller running until told to stop."""

    def __init__(self, bus, target: str, domain: str) -> None:
        self.bus = bus
        self.target = target
        self.domain = domain
        self.acked: list[str] = []
        self.failed: list[str] = []
        self.publish_seconds: list[float] = []
        self.calls: list[tuple[float, float, str]] = []  # start, end, outcome
        self.stop = asyncio.Event()

    async def publish(self, worker: int) -> None:
        loop = asyncio.get_running_loop()
        for i in range(worker, EVENTS, PUBLISHERS):
            event = Event(self.domain, "tick", {"i": i}, source="publisher")
            began = loop.time()
            try:
                await self.bus.publish_event(event)
                self.acked.append(event.message_id)
            except PublishError:
                self.failed.append(event.message_id)
            self.publish_seconds.append(loop.time() - began)

    async def call(self) -> None:
        loop = asyncio.get_running_loop()
        client = Service("caller", self.bus)
        while not self.stop.is_set():
            began = loop.time()
            try:
                await client.call_rpc(self.target, "echo", {"n": 1}, timeout=RPC_TIMEOUT)
                outcome = "ok"
            except (RPCTimeoutError, ServiceUnavailableError, BusConnectionError) as exc:
                outcome = type(exc).__name__
            self.calls.append((began, loop.time(), outcome))
            await asyncio.sleep(0.02)

    def first_ok_after(self, moment: float) -> float | None:
        ends = [end for began, end, outcome in self.calls if outcome == "ok" and began >= moment]
        return min(ends) if ends else None


async def test_sigkill_and_restart_under_load(server, adapters, figures, unique):
    loop = asyncio.get_running_loop()
    service_bus = await adapters(server.url)
    subscriber_bus = await adapters(server.url)
    client_bus = await adapters(server.url, pool_size=3)

    service = Service(unique, service_bus)

    @service.rpc("echo")
    async def echo(params):
        return params

    delivered: Counter[str] = Counter()
    subscriber = Service(f"{unique}-sub", subscriber_bus)

    @subscriber.subscribe(f"events.{unique}.*", durable=f"{unique}-d")
    async def on_event(event):
        delivered[event.message_id] += 1

    await service.start()
    await subscriber.start()

    load = Load(client_bus, unique, unique)
    publishers = [asyncio.ensure_future(load.publish(w)) for w in range(PUBLISHERS)]
    caller = asyncio.ensure_future(load.call())
    await wait_until(lambda: len(load.acked) >= EVENTS // 3, 60, "a third published")

    acked_before_kill = len(load.acked)
    killed_at = loop.time()
    server.kill()
    await asyncio.sleep(OUTAGE)
    server.start()
    started_at = loop.time()

    await wait_until(lambda: load.first_ok_after(started_at) is not None, 15, "RPC recovery")
    rpc_recovered = load.first_ok_after(started_at) - started_at
    await wait_until(lambda: all(nc.is_connected for nc in client_bus._conns), 15, "pool")
    pool_reconnected = loop.time() - started_at

    await asyncio.gather(*publishers)
    load.stop.set()
    await caller

    # every acknowledged event reaches the durable subscriber
    acked = set(load.acked)
    await wait_until(lambda: acked <= delivered.keys(), 60, "delivery of acked events")
    stored = await stored_message_ids(server.url, f"events.{unique}.tick")

    # a durable created after the restart works too, without anything done by hand
    late: list[str] = []
    latecomer = Service(f"{unique}-late", subscriber_bus)
    latecomer.subscribe(f"events.{unique}.late", durable=f"{unique}-late")(
        lambda e: late.append(e.message_id)
    )
    await latecomer.start()
    sent = await Service(f"{unique}-pub", client_bus).publish_event(unique, "late")
    await wait_until(lambda: late == [sent.message_id], 10, "delivery to a new durable")

    outage_calls = [c for c in load.calls if c[0] < started_at and c[1] > killed_at]
    figures.record(
        "server_killed",
        events_sent=EVENTS,
        events_acknowledged=len(load.acked),
        events_acknowledged_before_kill=acked_before_kill,
        publish_errors=len(load.failed),
        events_stored=len(stored),
        events_stored_unique=len(set(stored)),
        stored_duplicates=len(stored) - len(set(stored)),
        acked_missing_from_stream=len(acked - set(stored)),
        events_delivered_unique=len(delivered),
        deliveries_total=sum(delivered.values()),
        delivered_duplicates=sum(n - 1 for n in delivered.values()),
        slowest_publish_s=round(max(load.publish_seconds), 3),
        outage_s=OUTAGE,
        rpc_recovery_after_restart_s=round(rpc_recovered, 3),
        rpc_recovery_after_kill_s=round(load.first_ok_after(started_at) - killed_at, 3),
        pool_reconnected_after_restart_s=round(pool_reconnected, 3),
        rpc_calls=len(load.calls),
        rpc_calls_failed=Counter(o for _, _, o in load.calls if o != "ok"),
        rpc_slowest_call_s=round(max(end - began for began, end, _ in load.calls), 3),
        rpc_calls_during_outage=len(outage_calls),
    )

    assert not load.failed, "a 1 s outage is shorter than the publish timeout"
    assert acked <= set(stored), "an acknowledged event is missing from the stream"
    assert len(stored) == len(set(stored)), "the stream holds an event twice"
    assert set(stored) == acked
    assert acked <= delivered.keys()
    assert rpc_recovered < 15
    assert all(nc.is_connected for nc in client_bus._conns)
    # every call ended within its own deadline (plus scheduling slack), outage or not
    assert max(end - began for began, end, _ in load.calls) < RPC_TIMEOUT + 1.5
