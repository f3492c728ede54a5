"""Where a new subscription starts reading the stream: ``start_from`` new (the default),
all, or a time; a durable that exists goes on where it stopped; bad values are refused
before anything is created on the server."""

from __future__ import annotations

import asyncio
import datetime

import nats.js.errors
import pytest

from aegis_sdk import STREAM_NAME, Service, ValidationError

from .test_events import Inbox

QUIET = 0.3  # seconds in which an event that should not come would have come


async def publish(service: Service, domain: str, *names: str) -> None:
    for name in names:
        await service.publish_event(domain, "e", {"name": name})


def names(inbox: Inbox) -> list[str]:
    return [e.payload["name"] for e in inbox.events]


async def no_consumer(nc, durable: str) -> bool:
    try:
        await nc.jetstream().consumer_info(STREAM_NAME, durable)
    except nats.js.errors.NotFoundError:
        return True
    return False


async def test_new_is_the_default_and_starts_after_the_subscription(bus, start, unique):
    service = Service(unique, bus)
    await publish(service, unique, "before")
    inbox = Inbox()
    service.subscribe(f"events.{unique}.*", durable=unique)(inbox)
    await start(service)
    await publish(service, unique, "after")
    await inbox.wait(1)
    await asyncio.sleep(QUIET)
    assert names(inbox) == ["after"]


async def test_all_starts_at_the_first_stored_event(bus, start, unique):
    service = Service(unique, bus)
    await publish(service, unique, "one", "two")
    inbox = Inbox()
    service.subscribe(f"events.{unique}.*", durable=unique, start_from="all")(inbox)
    await start(service)
    await publish(service, unique, "three")
    await inbox.wait(3)
    assert names(inbox) == ["one", "two", "three"]


async def test_a_time_starts_at_the_events_stored_since(bus, start, unique):
    service = Service(unique, bus)
    await publish(service, unique, "old")
    await asyncio.sleep(0.05)
    since = datetime.datetime.now(datetime.UTC)
    await asyncio.sleep(0.05)
    await publish(service, unique, "recent")
    inbox = Inbox()
    service.subscribe(f"events.{unique}.*", start_from=since)(inbox)  # ephemeral too
    await start(service)
    await inbox.wait(1)
    await asyncio.sleep(QUIET)
    assert names(inbox) == ["recent"]


async def test_an_existing_durable_goes_on_where_it_stopped(bus, start, unique):
    first = Service(unique, bus)
    inbox = Inbox()
    first.subscribe(f"events.{unique}.*", durable=unique)(inbox)
    await first.start()
    await publish(first, unique, "seen")
    await inbox.wait(1)
    await first.stop()
    await publish(first, unique, "while-away")

    again = Service(unique, bus)  # the next deployment asks for "all": the durable exists
    later = Inbox()
    again.subscribe(f"events.{unique}.*", durable=unique, start_from="all")(later)
    await start(again)
    await later.wait(1)
    await asyncio.sleep(QUIET)
    assert names(later) == ["while-away"]


@pytest.mark.parametrize(
    "bad",
    [
        "newest",
        "",
        None,
        42,
        datetime.datetime(2020, 1, 1),  # no timezone
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1),
    ],
)
async def test_a_bad_start_is_refused_before_anything_is_created(bus, nc, unique, bad):
    service = Service(unique, bus)
    with pytest.raises(ValidationError, match="start_from"):
        service.subscribe(f"events.{unique}.*", durable=unique, start_from=bad)
    with pytest.raises(ValidationError, match="start_from"):
        await bus.subscribe_event(f"events.{unique}.*", Inbox(), unique, start_from=bad)
    assert await no_consumer(nc, unique)
