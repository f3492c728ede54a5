"""Service options passed to the bus: the in-flight bound of event subscriptions, and the
client-side error type of an overloaded service."""

from __future__ import annotations

import pytest

from aegis_sdk import RemoteError, RPCResponse, Service, ServiceOverloadedError, ValidationError
from aegis_sdk.ports import MessageBus, Subscription


class _Sub(Subscription):
    async def unsubscribe(self) -> None:
        pass


class RecordingBus(MessageBus):
    def __init__(self, reply: RPCResponse | None = None) -> None:
        self.subscribed: list[dict] = []
        self.reply = reply

    @property
    def is_connected(self) -> bool:
        return True

    async def connect(self, servers, **options):
        pass

    async def disconnect(self):
        pass

    async def call_rpc(self, request):
        return self.reply

    async def register_rpc_handler(self, service, method, handler, **limits):
        return _Sub()

    async def publish_event(self, event):
        pass

    async def publish_events(self, events):
        pass

    async def subscribe_event(self, pattern, handler, durable=None, **options):
        self.subscribed.append({"pattern": pattern, "durable": durable, **options})
        return _Sub()


async def test_max_ack_pending_reaches_the_bus_only_when_given():
    bus = RecordingBus()
    svc = Service("orders", bus)
    svc.subscribe("events.a.*", durable="d1", max_ack_pending=50)(lambda e: None)
    svc.subscribe("events.b.*")(lambda e: None)
    await svc.start()
    assert bus.subscribed == [
        {"pattern": "events.a.*", "durable": "d1", "max_ack_pending": 50},
        {"pattern": "events.b.*", "durable": None},
    ]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_max_ack_pending_must_be_a_positive_int(bad):
    with pytest.raises(ValidationError):
        Service("orders", RecordingBus()).subscribe("events.a.*", max_ack_pending=bad)


async def test_an_overloaded_reply_raises_service_overloaded_error():
    reply = RPCResponse.failure("ServiceOverloadedError", "busy; retry later")
    with pytest.raises(ServiceOverloadedError) as info:
        await Service("c", RecordingBus(reply)).call_rpc("orders", "get")
    assert isinstance(info.value, RemoteError)
    other = RPCResponse.failure("KeyError", "x")
    with pytest.raises(RemoteError) as info:
        await Service("c", RecordingBus(other)).call_rpc("orders", "get")
    assert type(info.value) is RemoteError
