"""A handler far slower than the publisher: nothing is lost, and what the subscriber holds
stays bounded by ``max_ack_pending`` however far behind it falls."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections import Counter

import nats

from aegis_sdk import STREAM_NAME, Service

from .conftest import eventually, wait_until

EVENTS = 1000
HANDLER_SECONDS = 0.003
MAX_ACK_PENDING = 100
PAYLOAD = {"blob": "x" * 2000}  # 2 KB each: 2 MB in all, were it all held at once


async def test_slow_handler_loses_nothing_and_holds_little(server, adapters, figures, unique):
    loop = asyncio.get_running_loop()
    subscriber_bus = await adapters(server.url)
    publisher_bus = await adapters(server.url)
    durable = f"{unique}-slow"
    handled: Counter[str] = Counter()
    subscriber = Service(f"{unique}-sub", subscriber_bus)

    @subscriber.subscribe(f"events.{unique}.*", durable=durable, max_ack_pending=MAX_ACK_PENDING)
    async def slow(event):
        await asyncio.sleep(HANDLER_SECONDS)
        handled[event.message_id] += 1

    await subscriber.start()
    monitor = await nats.connect(server.url)
    js = monitor.jetstream()
    ack_pending: list[int] = []
    client_queue: list[int] = []
    (deliver_sub,) = [
        s for s in subscriber_bus._conns[0]._subs.values() if s.subject.startswith("_AEGIS")
    ]

    async def sample() -> None:
        while True:
            info = await js.consumer_info(STREAM_NAME, durable)
            ack_pending.append(info.num_ack_pending)
            client_queue.append(deliver_sub.pending_msgs)
            await asyncio.sleep(0.05)

    gc.collect()
    tracemalloc.start()
    sampler = asyncio.ensure_future(sample())
    try:
        began = loop.time()
        sent = await Service(f"{unique}-pub", publisher_bus).publish_events(
            unique, "tick", [dict(PAYLOAD, i=i) for i in range(EVENTS)]
        )
        published_in = loop.time() - began
        handled_when_published = len(handled)
        sent_ids = {e.message_id for e in sent}
        del sent
        # from here on, what grows is what the subscriber holds while it catches up
        gc.collect()
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        await wait_until(lambda: len(handled) == EVENTS, 60, "all events handled")
        handled_in = loop.time() - began
        _, peak_bytes = tracemalloc.get_traced_memory()

    finally:
        tracemalloc.stop()
        sampler.cancel()

    async def settled() -> bool:  # the last ack goes out just after the last handler returns
        return (await js.consumer_info(STREAM_NAME, durable)).num_ack_pending == 0

    await eventually(settled, 5, "all events acknowledged")
    info = await js.consumer_info(STREAM_NAME, durable)
    await monitor.close()

    figures.record(
        "slow_subscriber",
        events=EVENTS,
        handler_ms=HANDLER_SECONDS * 1000,
        max_ack_pending=MAX_ACK_PENDING,
        published_in_s=round(published_in, 3),
        handled_in_s=round(handled_in, 3),
        slowdown_factor=round(handled_in / published_in, 1),
        handled_when_publishing_ended=handled_when_published,
        handled_unique=len(handled),
        handled_twice=sum(1 for n in handled.values() if n > 1),
        max_ack_pending_seen=max(ack_pending),
        max_client_queue_seen=max(client_queue),
        peak_memory_while_behind_mb=round((peak_bytes - baseline) / 2**20, 2),
        all_events_mb=round(EVENTS * len(PAYLOAD["blob"]) / 2**20, 2),
        consumer_redelivered=info.num_redelivered,
    )
    assert set(handled) == sent_ids
    assert peak_bytes - baseline < EVENTS * len(PAYLOAD["blob"]) / 2, "held most of the backlog"
    assert handled_when_published < 0.8 * EVENTS, "the handler should have fallen far behind"
    assert max(ack_pending) <= MAX_ACK_PENDING
    assert max(client_queue) <= MAX_ACK_PENDING
    assert info.num_ack_pending == 0 and info.num_pending == 0
