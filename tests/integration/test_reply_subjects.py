"""A service replies only to inboxes: a request that names another reply subject (the
events stream, an RPC subject, the JetStream API) is dropped, logged once and counted;
calls with the default or a configured inbox prefix work as before."""

from __future__ import annotations

import asyncio
import logging

import msgpack
import pytest

from aegis_sdk import (
    STREAM_NAME,
    NATSAdapter,
    RPCRequest,
    RPCTimeoutError,
    Service,
    ValidationError,
)
from aegis_sdk.domain.reply_subjects import validate_reply_prefixes

from .conftest import decode_reply, wait_for
from .test_events import Inbox

SECRET = "card-4111-1111"  # in the forged request's payload: must never reach a log


def request_bytes(service: str, method: str) -> bytes:
    """A request exactly as the SDK's own client sends it."""
    request = RPCRequest.call(service, method, {"card": SECRET}, 5.0, "caller")
    return msgpack.packb(request.to_wire())


async def stored_on(nc, subject: str) -> int:
    info = await nc.jetstream().stream_info(STREAM_NAME, subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


async def served(bus, start, name: str, **options) -> Service:
    service = Service(name, bus, **options)
    service.rpc("get")(lambda params: {"ok": True})
    return await start(service)


@pytest.fixture
async def prefixed_bus(nats_url, connect_options):
    """Adapters connected with an inbox prefix of their own; disconnected at teardown."""
    made: list[NATSAdapter] = []

    async def make(prefix: str) -> NATSAdapter:
        adapter = NATSAdapter()
        await adapter.connect(nats_url, inbox_prefix=prefix, **connect_options)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        await adapter.disconnect()


async def test_a_forged_reply_into_the_events_stream_is_refused(bus, nc, start, unique, caplog):
    caplog.set_level(logging.WARNING, logger="aegis_sdk.nats")
    service = await served(bus, start, unique)
    events = Inbox()
    audit = Service(f"{unique}-audit", bus)
    audit.subscribe(f"events.{unique}.*", durable=f"{unique}-payments")(events)
    await start(audit)
    await service.publish_event(unique, "captured", {"n": 1})
    await events.wait(1)
    forged = f"events.{unique}.forged"
    for reply in (forged, f"rpc.{unique}.get", f"$JS.API.STREAM.INFO.{STREAM_NAME}"):
        await nc.publish(f"rpc.{unique}.get", request_bytes(unique, "get"), reply=reply)
    await nc.flush()
    await wait_for(lambda: service.counters.refused_replies == 3)
    await asyncio.sleep(0.2)  # anything the service wrote would be stored by now
    assert await stored_on(nc, forged) == 0
    assert await stored_on(nc, f"events.{unique}.*") == 1  # the real event alone
    assert len(events.events) == 1
    warnings = [r.getMessage() for r in caplog.records if "not an inbox" in r.getMessage()]
    assert len(warnings) == 1, warnings  # rate-limited: one line for three refusals
    assert f"rpc.{unique}.get" in warnings[0]
    assert SECRET not in caplog.text


async def test_calls_through_the_default_inbox_still_work(bus, nc, start, unique):
    service = await served(bus, start, unique)
    caller = Service("caller", bus)
    assert await caller.call_rpc(unique, "get", timeout=2) == {"ok": True}
    reply = await nc.request(f"rpc.{unique}.get", request_bytes(unique, "get"), timeout=2)
    assert decode_reply(reply.data)["result"] == {"ok": True}
    assert service.counters.refused_replies == 0


async def test_a_caller_with_its_own_inbox_prefix_is_answered_once_it_is_named(
    bus, prefixed_bus, start, unique
):
    caller = Service("caller", await prefixed_bus("_ORDERS"))
    unnamed = await served(bus, start, f"{unique}-a")
    with pytest.raises(RPCTimeoutError):
        await caller.call_rpc(f"{unique}-a", "get", timeout=0.5)
    assert unnamed.counters.refused_replies == 1

    named = await served(bus, start, f"{unique}-b", reply_prefixes=["_ORDERS"])
    assert await caller.call_rpc(f"{unique}-b", "get", timeout=2) == {"ok": True}
    assert named.counters.refused_replies == 0


async def test_a_service_connected_with_an_inbox_prefix_answers_callers_sharing_it(
    prefixed_bus, start, unique
):
    team = await prefixed_bus("_TEAM")
    service = await served(team, start, unique)
    assert await Service("caller", team).call_rpc(unique, "get", timeout=2) == {"ok": True}
    assert service.counters.refused_replies == 0


@pytest.mark.parametrize(
    "bad",
    [
        "events.",
        "events",
        "rpc.orders.",
        "$JS.API.",
        "$SYS",
        "_AEGIS.deliver.",
        "_A.*",
        "_A.>",
        "a b",
        "",
        ".",
        "_A..B",
        42,
    ],
)
def test_a_prefix_that_could_reach_the_stream_or_the_server_is_refused(bad):
    with pytest.raises(ValidationError, match="reply prefix|reply_prefixes"):
        validate_reply_prefixes([bad])


def test_prefixes_are_subject_prefixes_ending_in_a_dot():
    assert validate_reply_prefixes(["_ORDERS", "_R_.", "team.inbox"]) == (
        "_ORDERS.",
        "_R_.",
        "team.inbox.",
    )
    with pytest.raises(ValidationError, match="list"):
        validate_reply_prefixes("_ORDERS.")
