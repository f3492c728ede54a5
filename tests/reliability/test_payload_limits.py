"""Messages over the server's max payload fail before anything is sent, with a clear
error; a reply too large becomes an error reply instead of a silent timeout."""

from __future__ import annotations

import json
import time

import pytest

from aegis_sdk import (
    Event,
    PayloadTooLargeError,
    RemoteError,
    Service,
    ValidationError,
)
from aegis_sdk.testing import NatsServer

from .conftest import stored_message_ids

MAX_PAYLOAD = 64 * 1024
BIG = {"blob": "x" * (MAX_PAYLOAD + 1000)}


@pytest.fixture
def small_server():
    with NatsServer(config=json.dumps({"max_payload": MAX_PAYLOAD})) as srv:
        yield srv


async def test_oversized_messages_fail_before_sending(small_server, adapters, unique):
    service_bus = await adapters(small_server.url)
    client_bus = await adapters(small_server.url)
    calls: list[int] = []
    svc = Service(unique, service_bus)

    @svc.rpc("take")
    def take(params):
        calls.append(len(params.get("blob", "")))
        return len(params.get("blob", ""))

    @svc.rpc("give")
    def give(params):
        return "y" * params["n"]

    await svc.start()
    client = Service(f"{unique}-client", client_bus)
    nc = client_bus._conns[0]
    assert nc.max_payload == MAX_PAYLOAD
    sent_before = nc.stats["out_msgs"]

    began = time.monotonic()
    with pytest.raises(PayloadTooLargeError) as info:
        await client.call_rpc(unique, "take", BIG, timeout=5)
    assert time.monotonic() - began < 2
    exc = info.value
    assert isinstance(exc, ValidationError)  # a local error: nothing went out
    assert exc.limit == MAX_PAYLOAD and exc.size > MAX_PAYLOAD
    assert f"rpc.{unique}.take" in str(exc) and "nothing was sent" in str(exc)

    with pytest.raises(PayloadTooLargeError):
        await client.publish_event(unique, "big", BIG)
    small = [Event(unique, "batch", {"n": n}) for n in range(5)]
    with pytest.raises(PayloadTooLargeError):  # one too large: none of the batch goes out
        await client_bus.publish_events([*small, Event(unique, "batch", BIG)])
    assert nc.stats["out_msgs"] == sent_before
    assert calls == []

    # just under the limit goes through
    fits = {"blob": "x" * (MAX_PAYLOAD - 500)}
    assert await client.call_rpc(unique, "take", fits) == len(fits["blob"])
    await client_bus.publish_events(small)
    assert await stored_message_ids(small_server.url, f"events.{unique}.batch") == [
        e.message_id for e in small
    ]

    # a reply over the limit: the caller hears why at once, instead of timing out
    began = time.monotonic()
    with pytest.raises(RemoteError) as info:
        await client.call_rpc(unique, "give", {"n": MAX_PAYLOAD + 10}, timeout=5)
    assert time.monotonic() - began < 2
    assert info.value.error_type == "PayloadTooLargeError"
    assert "max payload" in info.value.remote_message
    assert await client.call_rpc(unique, "give", {"n": 3}) == "yyy"
