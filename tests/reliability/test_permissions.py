"""A service whose NATS user may publish and subscribe only on some subjects: outside them
every operation fails with ``PermissionDeniedError`` naming the subject (RPC calls and
publishes at once, not at their timeout), it is logged, and the connection goes on."""

from __future__ import annotations

import json
import logging
import time

import pytest

from aegis_sdk import PermissionDeniedError, Service
from aegis_sdk.testing import NatsServer

SDK_PUBLISH = ["_INBOX.>", "$JS.API.>", "$JS.ACK.>"]
SDK_SUBSCRIBE = ["_INBOX.>"]
USERS = [
    {"user": "admin", "password": "admin-pw"},
    {
        "user": "orders",
        "password": "orders-pw",
        "permissions": {
            "publish": {"allow": [*SDK_PUBLISH, "rpc.billing.>", "events.orders.>"]},
            "subscribe": {"allow": [*SDK_SUBSCRIBE, "rpc.orders.>", "_AEGIS.deliver.orders-audit"]},
        },
    },
    {
        "user": "nojs",
        "password": "nojs-pw",
        "permissions": {"publish": {"allow": ["_INBOX.>"]}, "subscribe": {"allow": ["_INBOX.>"]}},
    },
]
FAST = 2.0  # seconds, against a 5 s timeout: failed at once, not at the deadline


@pytest.fixture(scope="module")
def server():
    with NatsServer(config=json.dumps({"authorization": {"users": USERS}})) as srv:
        yield srv


async def test_restricted_service(server, adapters, caplog):
    caplog.set_level(logging.ERROR, logger="aegis_sdk.nats")
    admin = await adapters(server.url, connect={"user": "admin", "password": "admin-pw"})
    bus = await adapters(
        server.url, publish_timeout=2.0, connect={"user": "orders", "password": "orders-pw"}
    )
    billing = Service("billing", admin)
    billing.rpc("charge")(lambda params: "charged")
    await billing.start()
    orders = Service("orders", bus)
    orders.rpc("get")(lambda params: {"id": params["id"]})
    await orders.start()  # inside its permissions: fine

    # calls it may make work; one it may not fails at once, naming the subject
    assert await orders.call_rpc("billing", "charge", timeout=2) == "charged"
    began = time.monotonic()
    with pytest.raises(PermissionDeniedError) as info:
        await orders.call_rpc("shipping", "send", timeout=5)
    assert time.monotonic() - began < FAST
    assert (info.value.operation, info.value.subject) == ("publish", "rpc.shipping.send")
    assert isinstance(info.value, PermissionError)

    # publishing events: its own domain only
    await orders.publish_event("orders", "created", {"id": 1})
    began = time.monotonic()
    with pytest.raises(PermissionDeniedError) as info:
        await orders.publish_event("payments", "captured", {"id": 1})
    assert time.monotonic() - began < FAST
    assert info.value.subject == "events.payments.captured"
    with pytest.raises(PermissionDeniedError):  # a batch: bounded by the publish timeout
        await orders.publish_events("payments", "captured", [{"id": 2}, {"id": 3}])

    # serving, or consuming, outside its subjects fails at start()
    intruder = Service("payments", bus)
    intruder.rpc("refund")(lambda params: None)
    with pytest.raises(PermissionDeniedError) as info:
        await intruder.start()
    assert (info.value.operation, info.value.subject) == ("subscribe", "rpc.payments.refund")
    assert not intruder.is_running
    listener = Service("orders", bus)
    listener.subscribe("events.orders.*", durable="audit")(lambda event: None)
    with pytest.raises(PermissionDeniedError) as info:
        await listener.start()
    assert info.value.subject == "_AEGIS.deliver.audit"
    allowed = Service("orders", bus)
    allowed.subscribe("events.orders.*", durable="orders-audit")(lambda event: None)
    await allowed.start()
    await allowed.stop()

    # the connection survives all that: others still reach the service
    assert await Service("admin", admin).call_rpc("orders", "get", {"id": 7}) == {"id": 7}
    assert bus.is_connected
    denied = [r.getMessage() for r in caplog.records if "denied permission" in r.getMessage()]
    assert any("rpc.shipping.send" in m for m in denied)
    assert any("events.payments.captured" in m for m in denied)
    await orders.stop()
    await billing.stop()


async def test_no_jetstream_permission_is_reported_as_such(server, adapters):
    bus = await adapters(server.url, connect={"user": "nojs", "password": "nojs-pw"})
    began = time.monotonic()
    with pytest.raises(PermissionDeniedError) as info:  # bounded by the JetStream API timeout
        await Service("x", bus).publish_event("orders", "created")
    assert time.monotonic() - began < 7
    assert info.value.subject == "$JS.API.STREAM.INFO.AEGIS_EVENTS"  # what to grant
    assert "JetStream" in str(info.value)
