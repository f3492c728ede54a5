"""The server comes back without its JetStream store (a new node, a lost volume): the SDK
creates the stream and the durable consumers again by itself."""

from __future__ import annotations

import asyncio
import shutil

import nats

from aegis_sdk import STREAM_NAME, Service

from .conftest import eventually, wait_until


async def test_stream_and_durables_are_recreated(server, adapters, figures, unique):
    loop = asyncio.get_running_loop()
    subscriber_bus = await adapters(server.url)
    publisher_bus = await adapters(server.url)
    durable = f"{unique}-d"
    received: list[str] = []
    subscriber = Service(f"{unique}-sub", subscriber_bus)
    subscriber.subscribe(f"events.{unique}.*", durable=durable)(
        lambda e: received.append(e.message_id)
    )
    ephemeral: list[str] = []
    subscriber.subscribe(f"events.{unique}.*")(lambda e: ephemeral.append(e.message_id))
    await subscriber.start()
    publisher = Service(f"{unique}-pub", publisher_bus)
    before = await publisher.publish_events(unique, "tick", [{"n": n} for n in range(50)])
    await wait_until(lambda: len(received) == 50, 10, "delivery before the loss")

    server.kill()
    shutil.rmtree(server.store_dir / "jetstream")
    server.start()
    restarted_at = loop.time()

    after = await publisher.publish_events(unique, "tick", [{"n": n} for n in range(50, 150)])
    published_in = loop.time() - restarted_at
    want = {e.message_id for e in before + after}
    await wait_until(lambda: want <= set(received), 30, "delivery after the loss")
    delivered_in = loop.time() - restarted_at
    await wait_until(lambda: {e.message_id for e in after} <= set(ephemeral), 30, "ephemeral")

    nc = await nats.connect(server.url)
    try:
        js = nc.jetstream()

        async def consumer_back() -> bool:
            infos = await js.consumers_info(STREAM_NAME)
            return durable in {c.name for c in infos}

        await eventually(consumer_back, 10, "durable consumer re-created")
        stream = await js.stream_info(STREAM_NAME)
    finally:
        await nc.close()

    figures.record(
        "server_store_lost",
        events_before=len(before),
        events_after=len(after),
        events_stored_after=stream.state.messages,
        durable_received_unique=len(set(received)),
        durable_received_total=len(received),
        ephemeral_received_after=len({e.message_id for e in after} & set(ephemeral)),
        publish_after_restart_s=round(published_in, 3),
        delivered_after_restart_s=round(delivered_in, 3),
    )
    assert stream.state.messages == len(after)
