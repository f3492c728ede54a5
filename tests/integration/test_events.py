"""Events on JetStream: acknowledged publish, durable subscriptions, at-least-once delivery."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from aegis_sdk import STREAM_NAME, Event, Service, ValidationError
from aegis_sdk.infrastructure.events.stream import MAX_DELIVER
from aegis_sdk.infrastructure.serialization import decode

from .conftest import wait_for


class Inbox:
    """Collects events and lets a test wait for a count without sleeping."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Event()

    async def __call__(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait(self, count: int, timeout: float = 5.0) -> list[Event]:
        async def until() -> None:
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"got {len(self.events)} of {count} events") from None
        return self.events

    def ids(self) -> list[str]:
        return [e.message_id for e in self.events]


async def consumer_info(nc, durable: str):
    return await nc.jetstream().consumer_info(STREAM_NAME, durable)


async def test_publish_returns_after_the_stream_stored_it(bus, nc, unique):
    publisher = Service(unique, bus)
    event = await publisher.publish_event(unique, "created", {"id": 1})
    assert isinstance(event, Event)
    assert (event.domain, event.event_type, event.payload) == (unique, "created", {"id": 1})
    assert event.source == publisher.instance_id

    # no waiting: once publish_event returned, the stream has it
    stored = await nc.jetstream().get_msg(STREAM_NAME, subject=f"events.{unique}.created")
    assert stored.subject == f"events.{unique}.created"
    wire, fmt = decode(stored.data)
    assert fmt == "msgpack"
    assert wire == event.to_wire()
    assert stored.headers["Nats-Msg-Id"] == event.message_id


async def test_adapter_publish_event(bus, nc, unique):
    event = Event(unique, "shipped", {"n": 2}, source="me")
    await bus.publish_event(event)
    stored = await nc.jetstream().get_msg(STREAM_NAME, subject=f"events.{unique}.shipped")
    assert decode(stored.data)[0]["message_id"] == event.message_id


async def test_stream_is_configured(bus, nc, unique):
    await Service(unique, bus).publish_event(unique, "created")
    info = await nc.jetstream().stream_info(STREAM_NAME)
    assert info.config.subjects == ["events.>"]
    assert getattr(info.config.storage, "value", info.config.storage) == "file"


async def test_republishing_the_same_message_id_is_deduplicated(bus, nc, unique):
    subject = f"events.{unique}.created"
    event = Event(unique, "created", {"id": 1})
    await bus.publish_event(event)
    await bus.publish_event(event)  # a retry after a lost ack, say
    await bus.publish_event(Event(unique, "created", {"id": 2}))
    info = await nc.jetstream().stream_info(STREAM_NAME, subjects_filter=subject)
    assert info.state.subjects == {subject: 2}


@pytest.mark.parametrize("message_id", ["", "a\r\nNats-Expected-Stream: other", "tab\there", 7])
async def test_an_event_id_that_cannot_be_its_header_is_refused_before_sending(
    bus, nc, unique, message_id
):
    await bus.publish_event(Event(unique, "created", {"n": 0}))  # the stream exists
    sent = bus._conns[0].stats["out_msgs"]
    bad = Event(unique, "created", {"n": 1})
    bad.message_id = message_id
    with pytest.raises(ValidationError, match="message_id"):
        await bus.publish_event(bad)
    good = [Event(unique, "created", {"n": n}) for n in range(2, 5)]
    with pytest.raises(ValidationError, match="message_id"):  # none of the batch goes out
        await bus.publish_events([*good, bad])
    assert bus._conns[0].stats["out_msgs"] == sent
    subject = f"events.{unique}.created"
    info = await nc.jetstream().stream_info(STREAM_NAME, subjects_filter=subject)
    assert info.state.subjects == {subject: 1}


@pytest.mark.parametrize(
    ("pattern", "match", "miss"),
    [
        ("events.{u}.created", ("{u}", "created"), [("{u}", "deleted"), ("{u}x", "created")]),
        ("events.{u}.*", ("{u}", "updated"), [("{u}x", "updated")]),
        ("events.{u}.>", ("{u}", "updated"), [("{u}x", "updated")]),
        ("events.*.{u}", ("{u}x", "{u}"), [("{u}x", "{u}x")]),
    ],
)
async def test_durable_subscription_receives_matching_events(
    bus, start, unique, pattern, match, miss
):
    def fill(pair):
        return tuple(part.format(u=unique) for part in pair)

    svc = Service(unique, bus)
    inbox = Inbox()
    svc.subscribe(pattern.format(u=unique), durable=f"{unique}-d")(inbox)
    await start(svc)

    publisher = Service(f"{unique}-pub", bus)
    for domain, etype in map(fill, miss):
        await publisher.publish_event(domain, etype, {"n": 0})
    domain, etype = fill(match)
    sent = await publisher.publish_event(domain, etype, {"n": 1})
    # delivery is in stream order: a wrongly matched event would arrive first
    (got,) = await inbox.wait(1)
    assert got == sent  # every field arrives intact


async def test_wildcard_receives_every_type_of_a_domain(bus, start, unique):
    svc = Service(unique, bus)
    inbox = Inbox()
    svc.subscribe(f"events.{unique}.*", durable=f"{unique}-d")(inbox)
    await start(svc)
    publisher = Service(f"{unique}-pub", bus)
    sent = [
        await publisher.publish_event(unique, etype, {"i": i})
        for i, etype in enumerate(["created", "updated", "deleted"])
    ]
    await inbox.wait(3)
    assert inbox.ids() == [e.message_id for e in sent]  # in order


async def test_ephemeral_subscription(bus, start, unique):
    svc = Service(unique, bus)
    inbox = Inbox()
    svc.subscribe(f"events.{unique}.created")(inbox)
    await start(svc)
    sent = await Service(f"{unique}-pub", bus).publish_event(unique, "created")
    await inbox.wait(1)
    assert inbox.ids() == [sent.message_id]


async def test_async_callable_object_handler_is_awaited(bus, nc, start, unique):
    # Inbox is an object with ``async def __call__``: inspect.iscoroutinefunction misses it,
    # and the event must still be handled (not acked with its coroutine never run)
    svc = Service(unique, bus)
    inbox = Inbox()
    assert not __import__("inspect").iscoroutinefunction(inbox)
    svc.subscribe(f"events.{unique}.created", durable=f"{unique}-d")(inbox)
    await start(svc)
    sent = await svc.publish_event(unique, "created")
    await inbox.wait(1)
    assert inbox.ids() == [sent.message_id]


async def test_sync_event_handler(bus, start, unique):
    svc = Service(unique, bus)
    seen: list[Event] = []
    svc.subscribe(f"events.{unique}.created", durable=f"{unique}-d")(seen.append)
    await start(svc)
    await svc.publish_event(unique, "created", {"x": 1})
    await wait_for(lambda: seen)
    assert seen[0].payload == {"x": 1}


async def test_failed_handler_gets_the_event_again(bus, nc, start, unique):
    svc = Service(unique, bus)
    attempts: list[str] = []
    handled = asyncio.Event()

    @svc.subscribe(f"events.{unique}.created", durable=f"{unique}-d")
    async def flaky(event):
        attempts.append(event.message_id)
        if len(attempts) == 1:
            raise RuntimeError("database down")
        handled.set()

    await start(svc)
    sent = await svc.publish_event(unique, "created", {"id": 9})
    await asyncio.wait_for(handled.wait(), 5)
    assert attempts == [sent.message_id, sent.message_id]

    async def settled():
        info = await consumer_info(nc, f"{unique}-d")
        return info.num_ack_pending == 0 and info.num_pending == 0

    for _ in range(100):
        if await settled():
            break
        await asyncio.sleep(0.02)
    assert await settled()
    assert attempts == [sent.message_id, sent.message_id]  # acked: no third delivery


async def test_always_failing_handler_is_called_a_bounded_number_of_times(bus, nc, start, unique):
    svc = Service(unique, bus)
    attempts: list[str] = []

    @svc.subscribe(f"events.{unique}.created", durable=f"{unique}-d")
    async def broken(event):
        attempts.append(event.message_id)
        raise RuntimeError("always")

    await start(svc)
    poison = await svc.publish_event(unique, "created", {"id": 1})
    # the redelivery delays add up to a few seconds
    await wait_for(lambda: len(attempts) >= MAX_DELIVER, timeout=10)

    # then the event is given up: terminated, nothing pending that could come back
    info = None
    for _ in range(200):
        info = await consumer_info(nc, f"{unique}-d")
        if info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.02)
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert info.config.max_deliver == MAX_DELIVER
    assert attempts == [poison.message_id] * MAX_DELIVER

    # and the subscription goes on with the next event
    good = await svc.publish_event(unique, "created", {"id": 2})
    await wait_for(lambda: good.message_id in attempts)
    assert attempts.count(poison.message_id) == MAX_DELIVER


async def test_publish_events_batch_delivers_all(bus, start, unique):
    svc = Service(unique, bus)
    inbox = Inbox()
    svc.subscribe(f"events.{unique}.created", durable=f"{unique}-d")(inbox)
    await start(svc)
    payloads = [{"i": i} for i in range(50)]
    sent = await Service(f"{unique}-pub", bus).publish_events(unique, "created", payloads)
    assert [e.payload for e in sent] == payloads
    await inbox.wait(50)
    assert sorted(inbox.ids()) == sorted(e.message_id for e in sent)
    assert len(set(inbox.ids())) == 50
    await bus.publish_events([])  # nothing to do is fine


async def test_batch_is_stored_before_publish_events_returns(bus, nc, unique):
    payloads = [{"i": i} for i in range(5)]
    sent = await Service(unique, bus).publish_events(unique, "created", payloads)
    last = await nc.jetstream().get_msg(STREAM_NAME, subject=f"events.{unique}.created")
    assert decode(last.data)[0]["message_id"] == sent[-1].message_id


@pytest.mark.parametrize(
    "garbage",
    [
        b"\xc1\xc1 undecodable",
        b"{not json",
        b"[1, 2]",
        b'{"domain": "x"}',
        b'{"domain": "a.b", "event_type": "c"}',
    ],
)
async def test_undecodable_event_does_not_stop_the_subscriber(bus, nc, start, unique, garbage):
    svc = Service(unique, bus)
    inbox = Inbox()
    svc.subscribe(f"events.{unique}.>", durable=f"{unique}-d")(inbox)
    await start(svc)
    await nc.jetstream().publish(f"events.{unique}.created", garbage)
    good = await svc.publish_event(unique, "created", {"ok": True})
    await inbox.wait(1)
    assert inbox.ids() == [good.message_id]

    info = None
    for _ in range(100):  # the bad one is settled at once, not left to be redelivered
        info = await consumer_info(nc, f"{unique}-d")
        if info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.02)
    assert info.num_ack_pending == 0 and info.num_redelivered == 0
    assert info.delivered.stream_seq == info.ack_floor.stream_seq


async def test_instances_sharing_a_durable_split_the_events(make_bus, bus, nc, start, unique):
    durable = f"{unique}-workers"
    handled: Counter[str] = Counter()
    by_instance: dict[str, list[str]] = {}
    all_in = asyncio.Event()
    total = 40
    for i in range(2):
        svc = Service(unique, await make_bus(), instance_id=f"{unique}-{i}")
        by_instance[svc.instance_id] = []

        @svc.subscribe(f"events.{unique}.job", durable=durable)
        async def work(event, mine=by_instance[svc.instance_id]):
            mine.append(event.message_id)
            handled[event.message_id] += 1
            if len(handled) == total:
                all_in.set()

        await start(svc)

    sent = await Service(f"{unique}-pub", bus).publish_events(
        unique, "job", [{"n": n} for n in range(total)]
    )
    await asyncio.wait_for(all_in.wait(), 5)

    async def drained():
        info = await consumer_info(nc, durable)
        return info.num_ack_pending == 0 and info.num_pending == 0

    for _ in range(100):
        if await drained():
            break
        await asyncio.sleep(0.02)
    assert await drained()
    assert set(handled) == {e.message_id for e in sent}
    assert set(handled.values()) == {1}, "an event was handled twice"
    assert sum(len(ids) for ids in by_instance.values()) == total
    assert all(by_instance.values()), f"one instance got nothing: {by_instance}"


async def test_durable_survives_a_service_restart(bus, start, unique):
    durable = f"{unique}-d"
    svc = Service(unique, bus)
    inbox = Inbox()
    svc.subscribe(f"events.{unique}.created", durable=durable)(inbox)
    await svc.start()
    publisher = Service(f"{unique}-pub", bus)
    first = await publisher.publish_event(unique, "created", {"n": 1})
    await inbox.wait(1)

    await svc.stop()
    assert not svc.is_running
    missed = await publisher.publish_events(unique, "created", [{"n": n} for n in range(2, 6)])

    await start(svc)  # the same durable picks up where it left off
    await inbox.wait(5)
    assert inbox.ids() == [first.message_id] + [e.message_id for e in missed]


async def test_durable_shared_by_a_new_instance_after_restart(make_bus, bus, start, unique):
    durable = f"{unique}-d"
    publisher = Service(f"{unique}-pub", bus)
    old = Service(unique, await make_bus())
    old_inbox = Inbox()
    old.subscribe(f"events.{unique}.created", durable=durable)(old_inbox)
    await old.start()
    await old.stop()  # the process goes away; its durable consumer stays

    missed = await publisher.publish_events(unique, "created", [{"n": n} for n in range(3)])
    new = Service(unique, await make_bus())
    new_inbox = Inbox()
    new.subscribe(f"events.{unique}.created", durable=durable)(new_inbox)
    await start(new)
    await new_inbox.wait(3)
    assert new_inbox.ids() == [e.message_id for e in missed]
    assert old_inbox.events == []
