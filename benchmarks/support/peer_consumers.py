"""Peer modes that drain a stored backlog: an SDK durable subscriber and a raw nats-py push
consumer that decodes and acks each event, attached only while they drain."""

from __future__ import annotations

import asyncio
import contextlib
import time

from .connections import raw_connect, sdk_bus
from .server_facts import EVENTS_STREAM


class Drain:
    """Attach a consumer, count events until ``n`` were handled, detach: time and CPU."""

    def __init__(self, attach, detach, publish=None) -> None:
        self.attach, self.detach, self.publish = attach, detach, publish
        self.count, self.wanted, self.bulk = 0, 0, 0
        self.bulk_at = 0.0
        self.done: asyncio.Future | None = None

    def handled(self) -> None:
        self.count += 1
        if self.count == self.bulk:
            self.bulk_at = time.perf_counter()
        if self.count >= self.wanted and self.done is not None and not self.done.done():
            self.done.set_result(None)

    async def run(self, n: int) -> dict:
        self.count, self.wanted, self.bulk = 0, n, max(n * 99 // 100, 1)
        self.done = asyncio.get_running_loop().create_future()
        cpu0, t0 = time.process_time(), time.perf_counter()
        await self.attach()
        try:
            await asyncio.wait_for(self.done, 120)
        finally:
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            await self.detach()
        return {
            "seconds": seconds,
            "cpu": cpu,
            "count": self.count,
            "bulk": self.bulk,
            "bulk_seconds": self.bulk_at - t0,
        }

    async def bounce(self, n: int, times: int = 4, first: int = 25) -> dict:
        """Attach and detach ``times`` times, each time publishing ``first`` events right
        after detaching (events keep coming while a deployment restarts), then the rest
        of ``n``; answer how many events were handled meanwhile."""
        self.count, self.wanted = 0, n + 1
        for _ in range(times):
            await self.attach()
            await self.detach()
            await self.publish(min(first, n))
            n -= min(first, n)
        await self.publish(n)
        return {"handled": self.count}


async def sdk_drain(url: str, opts: dict, state: dict):
    from aegis_sdk import Service

    stack = contextlib.AsyncExitStack()
    bus = await stack.enter_async_context(sdk_bus(url))
    service = Service(opts["name"], bus)

    @service.subscribe(opts["pattern"], durable=opts["durable"])
    async def on_event(event):
        drain.handled()

    # a connection of its own, as another service would be
    publisher_bus = await stack.enter_async_context(sdk_bus(url))
    publisher = Service(f"{opts['name']}-publisher", publisher_bus)

    async def publish(n: int) -> None:
        await publisher.publish_events(opts["backlog"], "e", [{"data": "x" * 80}] * n)

    drain = Drain(service.start, service.stop, publish)
    await service.start()  # creates the durable consumer; the backlog comes after
    await service.stop()
    state["drain"], state["instance"] = drain, service.instance_id
    return stack.aclose


async def raw_drain(url: str, opts: dict, state: dict):
    import msgpack
    from nats.js import api

    nc = await raw_connect(url)
    deliver = f"_RAW.deliver.{opts['durable']}"
    await nc.jetstream().add_consumer(
        EVENTS_STREAM,
        config=api.ConsumerConfig(
            durable_name=opts["durable"],
            deliver_subject=deliver,
            deliver_group=opts["durable"],
            deliver_policy=api.DeliverPolicy.NEW,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=30,
            max_ack_pending=1000,
            filter_subject=opts["pattern"],
        ),
    )
    unpackb = msgpack.unpackb
    subscription = None

    async def on_msg(msg):
        unpackb(msg.data)
        await msg.ack()
        drain.handled()

    async def attach():
        nonlocal subscription
        subscription = await nc.subscribe(deliver, queue=opts["durable"], cb=on_msg)

    async def detach():
        await subscription.unsubscribe()

    drain = Drain(attach, detach)
    state["drain"], state["instance"] = drain, "raw"
    return nc.drain
