"""Programs without the SDK: plain nats-py clients speaking the documented envelopes.

An RPC request envelope is a map with message_id, correlation_id, trace_id, timestamp,
source, target, method, params and timeout, sent as JSON or MessagePack to
``rpc.<service>.<method>``; the reply comes in the same encoding with success, result and
error. An event envelope (message_id, ..., domain, event_type, payload, version) goes to
``events.<domain>.<event_type>`` on JetStream.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid

import msgpack
import nats.errors
import pytest

from aegis_sdk import RemoteError, Service
from aegis_sdk.infrastructure.transport.link import sync

from .conftest import decode_reply


def envelope(target: str, method: str, params: dict, **extra) -> dict:
    wire = {
        "message_id": uuid.uuid4().hex,
        "correlation_id": "corr-" + uuid.uuid4().hex[:8],
        "trace_id": "trace-" + uuid.uuid4().hex[:8],
        "timestamp": time.time(),
        "source": "plain-client",
        "target": target,
        "method": method,
        "params": params,
        "timeout": 2.0,
    }
    wire.update(extra)
    return wire


ENCODERS = {
    "json": lambda obj: json.dumps(obj).encode(),
    "msgpack": lambda obj: msgpack.packb(obj, use_bin_type=True),
}
DECODERS = {"json": json.loads, "msgpack": lambda data: msgpack.unpackb(data, raw=False)}


@pytest.fixture
async def calc(bus, start, unique):
    svc = Service(unique, bus)
    calls: list[dict] = []

    @svc.rpc("add")
    def add(params):
        calls.append(params)
        return params["a"] + params["b"]

    @svc.rpc("fail")
    async def fail(params):
        raise RuntimeError("it broke")

    await start(svc)
    return calls


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
async def test_plain_client_calls_a_service(nc, calc, unique, fmt):
    request = envelope(unique, "add", {"a": 20, "b": 22})
    reply = await nc.request(f"rpc.{unique}.add", ENCODERS[fmt](request), timeout=2)
    response = DECODERS[fmt](reply.data)  # the reply comes in the request's encoding
    assert response["success"] is True
    assert response["result"] == 42
    assert response["error"] is None
    assert response["correlation_id"] == request["correlation_id"]
    assert response["trace_id"] == request["trace_id"]
    assert isinstance(response["message_id"], str) and response["message_id"]
    assert isinstance(response["timestamp"], float)
    assert response["source"].startswith(unique)


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
async def test_plain_client_gets_remote_failure(nc, calc, unique, fmt):
    request = envelope(unique, "fail", {})
    reply = await nc.request(f"rpc.{unique}.fail", ENCODERS[fmt](request), timeout=2)
    response = DECODERS[fmt](reply.data)
    assert response["success"] is False
    assert response["error"] == {"type": "RuntimeError", "message": "it broke"}
    assert response["correlation_id"] == request["correlation_id"]


async def test_plain_client_minimal_envelope(nc, calc, unique):
    request = {"target": unique, "method": "add", "params": {"a": 1, "b": 2}}
    reply = await nc.request(f"rpc.{unique}.add", json.dumps(request).encode(), timeout=2)
    assert json.loads(reply.data)["result"] == 3


def good_request(unique: str) -> dict:
    return {"target": unique, "method": "add", "params": {"a": 1, "b": 2}, "timeout": 2.0}


def bad(name, build, error_type, *words):
    return pytest.param(build, error_type, words, id=name)


def json_with(**fields):
    return lambda u: ENCODERS["json"]({**good_request(u), **fields})


def msgpack_with(**fields):
    return lambda u: ENCODERS["msgpack"]({**good_request(u), **fields})


SER, VAL = "SerializationError", "ValidationError"
NO_METHOD = {"target": "x", "params": {}}

MALFORMED = [
    bad("random-1", lambda u: random.Random(1).randbytes(64), SER),
    bad("random-2", lambda u: random.Random(2).randbytes(200), SER),
    bad("reserved-byte", lambda u: b"\xc1\xc1\xc1", SER, "undecodable"),
    bad("truncated-msgpack", lambda u: ENCODERS["msgpack"](good_request(u))[:-3], SER),
    bad("broken-json", lambda u: b'{"target": "x", ', SER, "json"),
    bad("json-array", lambda u: b'["add", {"a": 1}]', SER, "map", "list"),
    bad("msgpack-array", lambda u: msgpack.packb(["add", 1]), SER, "map", "list"),
    bad("json-no-method", lambda u: ENCODERS["json"](NO_METHOD), VAL, "'method'", "missing"),
    bad("msgpack-no-method", lambda u: ENCODERS["msgpack"](NO_METHOD), VAL, "'method'", "missing"),
    bad("json-params-list", json_with(params=[1, 2]), VAL, "params", "list"),
    bad("msgpack-params-str", msgpack_with(params="a=1"), VAL, "params", "str"),
    bad("json-timeout-str", json_with(timeout="5"), VAL, "timeout"),
    bad("msgpack-timeout-str", msgpack_with(timeout="soon"), VAL, "timeout"),
    bad("json-target-int", json_with(target=7), VAL, "target"),
    bad("json-id-int", json_with(message_id=7), VAL, "message_id"),
    bad("empty", lambda u: b"", SER),
]


@pytest.mark.parametrize(("payload", "error_type", "words"), MALFORMED)
async def test_malformed_request_gets_an_error_reply_at_once(
    nc, calc, unique, payload, error_type, words
):
    data = payload(unique)
    try:
        reply = await nc.request(f"rpc.{unique}.add", data, timeout=2)
    except nats.errors.TimeoutError:
        pytest.fail("a malformed request got no reply")
    if data[:1] == b"{" or data[:1] == b"[":
        assert reply.data[:1] == b"{", "a JSON client must get a JSON reply"
    response = decode_reply(reply.data)
    assert response["success"] is False
    assert response["result"] is None
    assert response["error"]["type"] == error_type
    message = response["error"]["message"]
    assert message
    for word in words:
        assert word in message, message
    assert calc == []  # the handler never saw it

    # the service still serves a good call afterwards
    reply = await nc.request(f"rpc.{unique}.add", ENCODERS["json"](good_request(unique)), timeout=2)
    assert json.loads(reply.data)["result"] == 3


async def test_request_without_reply_subject_is_ignored(nc, calc, unique):
    await nc.publish(f"rpc.{unique}.add", ENCODERS["json"](good_request(unique)))
    await nc.flush()
    reply = await nc.request(f"rpc.{unique}.add", ENCODERS["json"](good_request(unique)), timeout=2)
    assert json.loads(reply.data)["result"] == 3


@pytest.mark.parametrize("serializer", ["msgpack", "json"])
async def test_sdk_calls_a_plain_responder(make_bus, nc, unique, serializer):
    seen: list[dict] = []

    async def respond(msg):
        fmt = "json" if msg.data[:1] == b"{" else "msgpack"
        request = DECODERS[fmt](msg.data)
        seen.append(request)
        if request["method"] == "upper":
            reply = {
                "message_id": uuid.uuid4().hex,
                "correlation_id": request["correlation_id"],
                "trace_id": request["trace_id"],
                "timestamp": time.time(),
                "source": "plain-responder",
                "success": True,
                "result": request["params"]["text"].upper(),
                "error": None,
            }
        else:
            reply = {"success": False, "error": {"type": "NotFound", "message": "no such thing"}}
        await msg.respond(ENCODERS[fmt](reply))

    sub = await nc.subscribe(f"rpc.{unique}.*", queue=unique, cb=respond)
    await sync(nc)
    try:
        client = Service(f"{unique}-client", await make_bus(serializer=serializer))
        assert await client.call_rpc(unique, "upper", {"text": "abc"}) == "ABC"
        with pytest.raises(RemoteError) as info:
            await client.call_rpc(unique, "missing")
        assert info.value.error_type == "NotFound"
        assert info.value.remote_message == "no such thing"

        first = seen[0]
        assert first["target"] == unique and first["method"] == "upper"
        assert first["params"] == {"text": "abc"}
        assert first["timeout"] == 5.0
        assert first["source"] == client.instance_id
        for name in ("message_id", "correlation_id", "trace_id"):
            assert isinstance(first[name], str) and first[name]
        assert isinstance(first["timestamp"], float)
    finally:
        await sub.unsubscribe()


async def test_plain_responder_with_garbage_reply_raises_sdk_error(bus, nc, unique):
    from aegis_sdk import AegisError

    async def respond(msg):
        await msg.respond(b"\xc1 not an envelope")

    sub = await nc.subscribe(f"rpc.{unique}.x", cb=respond)
    await sync(nc)
    try:
        with pytest.raises(AegisError):
            await Service(f"{unique}-c", bus).call_rpc(unique, "x", timeout=2)
    finally:
        await sub.unsubscribe()


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
async def test_plain_jetstream_publish_reaches_sdk_subscriber(bus, nc, start, unique, fmt):
    svc = Service(unique, bus)
    got: list = []
    arrived = asyncio.Event()

    @svc.subscribe(f"events.{unique}.created", durable=f"{unique}-d")
    async def on_created(event):
        got.append(event)
        arrived.set()

    await start(svc)
    wire = {
        "message_id": uuid.uuid4().hex,
        "correlation_id": "corr-1",
        "trace_id": "trace-1",
        "timestamp": 1700000000.5,
        "source": "plain-publisher",
        "domain": unique,
        "event_type": "created",
        "payload": {"id": 7, "tags": ["a"]},
        "version": "2.0",
    }
    ack = await nc.jetstream().publish(f"events.{unique}.created", ENCODERS[fmt](wire))
    assert ack.stream == "AEGIS_EVENTS"
    await asyncio.wait_for(arrived.wait(), 5)
    (event,) = got
    assert event.to_wire() == wire


async def test_sdk_event_is_readable_by_a_plain_consumer(make_bus, nc, unique):
    js = nc.jetstream()
    json_bus = await make_bus(serializer="json")
    publisher = Service(unique, json_bus)
    await publisher.publish_event(unique, "created", {"warmup": True})  # creates the stream
    sub = await js.subscribe(f"events.{unique}.created", deliver_policy="new")
    try:
        event = await publisher.publish_event(unique, "created", {"id": 1})
        msg = await sub.next_msg(timeout=5)
        await msg.ack()
        wire = json.loads(msg.data)
        assert wire["message_id"] == event.message_id
        assert wire["domain"] == unique and wire["event_type"] == "created"
        assert wire["payload"] == {"id": 1}
        assert wire["version"] == "1.0"
        assert wire["source"] == publisher.instance_id
        assert msg.headers["Nats-Msg-Id"] == event.message_id
    finally:
        await sub.unsubscribe()
