"""Message models: common header fields, wire round trips, validation of wire input."""

import time

import pytest

from aegis_sdk import Event, RPCRequest, RPCResponse, ValidationError
from aegis_sdk.domain.models import (
    DEFAULT_RPC_TIMEOUT,
    event_from_wire,
    new_id,
    request_from_wire,
    response_from_wire,
)
from aegis_sdk.infrastructure.serialization import decode, encode

HEADER = ("message_id", "correlation_id", "trace_id", "timestamp", "source")


def make_request(**kw):
    return RPCRequest("orders", "create", {"sku": "A1", "qty": 2}, 1.5, **kw)


def make_response(**kw):
    return RPCResponse(True, {"id": 7}, None, **kw)


def make_event(**kw):
    return Event("order", "created", {"id": 7}, **kw)


FACTORIES = [make_request, make_response, make_event]
PARSERS = {RPCRequest: request_from_wire, RPCResponse: response_from_wire, Event: event_from_wire}


@pytest.mark.parametrize("factory", FACTORIES)
def test_every_message_carries_the_header_fields(factory):
    before = time.time()
    msg = factory()
    after = time.time()
    assert isinstance(msg.message_id, str) and len(msg.message_id) >= 16
    assert msg.correlation_id == msg.message_id  # a new conversation starts with itself
    assert isinstance(msg.trace_id, str) and msg.trace_id
    assert before <= msg.timestamp <= after
    assert msg.source == ""
    wire = msg.to_wire()
    for name in HEADER:
        assert wire[name] == getattr(msg, name)


def test_ids_made_one_by_one_and_many_at_once_are_all_distinct_and_alike():
    ids = [new_id(), *new_id.many(1000), new_id(), *new_id.many(3)]
    assert len(set(ids)) == len(ids) == 1005
    assert {len(i) for i in ids} == {32}
    assert all(int(i, 16) >= 0 for i in ids)
    assert len({i[:16] for i in ids}) == 1  # one process, one random prefix
    assert new_id.many(0) == []


@pytest.mark.parametrize("factory", FACTORIES)
def test_ids_are_fresh_per_message(factory):
    a, b = factory(), factory()
    assert a.message_id != b.message_id
    assert a.trace_id != b.trace_id


@pytest.mark.parametrize("factory", FACTORIES)
def test_explicit_header_fields_are_kept(factory):
    msg = factory(
        message_id="m1", correlation_id="c1", trace_id="t1", timestamp=12.5, source="svc-1"
    )
    assert (msg.message_id, msg.correlation_id, msg.trace_id) == ("m1", "c1", "t1")
    assert msg.timestamp == 12.5
    assert msg.source == "svc-1"


@pytest.mark.parametrize("factory", FACTORIES)
@pytest.mark.parametrize("fmt", [None, "msgpack", "json"])
def test_to_wire_from_wire_round_trip(factory, fmt):
    msg = factory(source="svc-1", correlation_id="corr-1")
    wire = msg.to_wire()
    if fmt is not None:
        wire, got_fmt = decode(encode(wire, fmt))
        assert got_fmt == fmt
    back = PARSERS[type(msg)](wire)
    assert back == msg
    assert type(back) is type(msg)


def test_request_wire_fields():
    req = make_request(source="client-1")
    wire = req.to_wire()
    assert set(wire) == set(HEADER) | {"target", "method", "params", "timeout"}
    assert (wire["target"], wire["method"], wire["params"], wire["timeout"]) == (
        "orders",
        "create",
        {"sku": "A1", "qty": 2},
        1.5,
    )


def test_response_and_event_wire_fields():
    assert set(make_response().to_wire()) == set(HEADER) | {"success", "result", "error"}
    ev = make_event()
    wire = ev.to_wire()
    assert set(wire) == set(HEADER) | {"domain", "event_type", "payload", "version"}
    assert wire["version"] == "1.0"


def test_request_defaults():
    req = RPCRequest("orders", "list")
    assert req.params == {}
    assert req.timeout == DEFAULT_RPC_TIMEOUT == 5.0


def test_failure_response():
    resp = RPCResponse.failure("ValueError", "bad qty", source="svc")
    assert resp.success is False
    assert resp.result is None
    assert resp.error == {"type": "ValueError", "message": "bad qty"}
    assert resp.source == "svc"
    assert response_from_wire(resp.to_wire()) == resp


def test_minimal_wire_input_gets_defaults():
    req = request_from_wire({"target": "orders", "method": "list"})
    assert req.params == {}
    assert req.timeout == 5.0
    assert req.correlation_id == req.message_id
    ev = event_from_wire({"domain": "order", "event_type": "created"})
    assert ev.payload == {} and ev.version == "1.0"


def test_int_timestamp_on_the_wire_is_accepted():
    req = request_from_wire({"target": "orders", "method": "list", "timestamp": 17})
    assert req.timestamp == 17.0


# -- invalid wire input: ValidationError naming the field --------------------------------------

GOOD_REQUEST = {"target": "orders", "method": "create", "params": {}, "timeout": 1.0}
GOOD_RESPONSE = {"success": True, "result": 1, "error": None}
GOOD_EVENT = {"domain": "order", "event_type": "created", "payload": {}, "version": "1.0"}


def without(wire, name):
    return {k: v for k, v in wire.items() if k != name}


def with_(wire, **fields):
    return {**wire, **fields}


@pytest.mark.parametrize(
    ("parse", "wire", "field"),
    [
        (request_from_wire, without(GOOD_REQUEST, "target"), "target"),
        (request_from_wire, without(GOOD_REQUEST, "method"), "method"),
        (response_from_wire, without(GOOD_RESPONSE, "success"), "success"),
        (event_from_wire, without(GOOD_EVENT, "domain"), "domain"),
        (event_from_wire, without(GOOD_EVENT, "event_type"), "event_type"),
    ],
)
def test_missing_field_is_named(parse, wire, field):
    with pytest.raises(ValidationError, match=f"missing field '{field}'"):
        parse(wire)


@pytest.mark.parametrize(
    ("parse", "wire", "field"),
    [
        (request_from_wire, with_(GOOD_REQUEST, target=5), "target"),
        (request_from_wire, with_(GOOD_REQUEST, method=["create"]), "method"),
        (request_from_wire, with_(GOOD_REQUEST, params=[1, 2]), "params"),
        (request_from_wire, with_(GOOD_REQUEST, params="x=1"), "params"),
        (request_from_wire, with_(GOOD_REQUEST, timeout="5"), "timeout"),
        (request_from_wire, with_(GOOD_REQUEST, timeout=True), "timeout"),
        (request_from_wire, with_(GOOD_REQUEST, timeout=0), "timeout"),
        (request_from_wire, with_(GOOD_REQUEST, timeout=-1.0), "timeout"),
        (request_from_wire, with_(GOOD_REQUEST, timeout=float("inf")), "timeout"),
        (request_from_wire, with_(GOOD_REQUEST, message_id=12), "message_id"),
        (request_from_wire, with_(GOOD_REQUEST, correlation_id=b"c"), "correlation_id"),
        (request_from_wire, with_(GOOD_REQUEST, trace_id={}), "trace_id"),
        (request_from_wire, with_(GOOD_REQUEST, source=1.0), "source"),
        (request_from_wire, with_(GOOD_REQUEST, timestamp="now"), "timestamp"),
        (request_from_wire, with_(GOOD_REQUEST, timestamp=True), "timestamp"),
        (response_from_wire, with_(GOOD_RESPONSE, success="yes"), "success"),
        (response_from_wire, with_(GOOD_RESPONSE, success=1), "success"),
        (response_from_wire, with_(GOOD_RESPONSE, success=False, error="boom"), "error"),
        (response_from_wire, with_(GOOD_RESPONSE, timestamp=[]), "timestamp"),
        (event_from_wire, with_(GOOD_EVENT, domain=3), "domain"),
        (event_from_wire, with_(GOOD_EVENT, event_type=None), "event_type"),
        (event_from_wire, with_(GOOD_EVENT, payload=[1]), "payload"),
        (event_from_wire, with_(GOOD_EVENT, version=2), "version"),
        (event_from_wire, with_(GOOD_EVENT, message_id=1), "message_id"),
    ],
)
def test_mistyped_field_is_named(parse, wire, field):
    with pytest.raises(ValidationError) as info:
        parse(wire)
    assert field in str(info.value)


@pytest.mark.parametrize("parse", [request_from_wire, response_from_wire, event_from_wire])
@pytest.mark.parametrize("wire", [[1, 2], "text", 5, None])
def test_non_map_wire_is_rejected(parse, wire):
    with pytest.raises(ValidationError, match="must be a map"):
        parse(wire)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: RPCRequest("orders", "create", [1]), "params"),
        (lambda: RPCRequest("orders", "create", {}, "fast"), "timeout"),
        (lambda: RPCRequest("orders", "create", {}, 0), "timeout"),
        (lambda: RPCRequest("orders.eu", "create"), "service name"),
        (lambda: RPCRequest("orders", "cre ate"), "method"),
        (lambda: Event("order", "created", "not a dict"), "payload"),
        (lambda: Event("order", "created", {}, 1), "version"),
        (lambda: Event("or*der", "created"), "domain"),
        (lambda: Event("order", ">"), "event type"),
    ],
)
def test_constructors_validate(build, field):
    with pytest.raises(ValidationError) as info:
        build()
    assert field in str(info.value)


def test_failure_response_wire_error_is_normalised():
    resp = response_from_wire({"success": False, "error": {"type": "KeyError"}})
    assert resp.error == {"type": "KeyError", "message": ""}


@pytest.mark.parametrize("field", ["timeout", "timestamp"])
@pytest.mark.parametrize("value", [10**400, float("inf"), float("nan")])
def test_numbers_beyond_float_are_invalid_not_a_crash(field, value):
    wire = {"target": "orders", "method": "list", field: value}
    with pytest.raises(ValidationError) as info:
        request_from_wire(wire)
    assert field in str(info.value) and len(str(info.value)) < 200


def test_an_int_too_long_to_print_is_described_briefly():
    with pytest.raises(ValidationError) as info:
        request_from_wire({"target": "orders", "method": "list", "timeout": 10**5000})
    assert "huge int" in str(info.value)


def test_events_of_builds_what_event_builds_with_names_checked_once():
    from aegis_sdk.domain.models import events_of

    payloads = [{"n": 1}, None, {"n": 3}]
    before = time.time()
    events = events_of("orders", "paid", payloads, source="svc-1")
    assert [e.payload for e in events] == [{"n": 1}, {}, {"n": 3}]
    reference = Event("orders", "paid", {"n": 1}, source="svc-1")
    for event in events:
        assert isinstance(event, Event)
        assert set(event.to_wire()) == set(reference.to_wire())
        assert (event.domain, event.event_type, event.source, event.version) == (
            "orders",
            "paid",
            "svc-1",
            "1.0",
        )
        assert event.correlation_id == event.message_id != event.trace_id
        assert event.timestamp >= before
    assert len({e.message_id for e in events}) == 3
    assert events_of("orders", "paid", iter([{}]))[0].payload == {}
    assert events_of("orders", "paid", []) == []


@pytest.mark.parametrize(
    ("domain", "payloads", "what"),
    [
        ("bad domain", [{}], "event domain"),
        ("bad domain", [], "event domain"),
        ("orders", [{}, ["not", "a", "dict"]], "payload"),
    ],
)
def test_events_of_refuses_what_event_refuses(domain, payloads, what):
    from aegis_sdk.domain.models import events_of

    with pytest.raises(ValidationError, match=what):
        events_of(domain, "paid", payloads)


@pytest.mark.parametrize(
    ("target", "method", "params", "timeout"),
    [
        ("svc", "get", {"id": 1}, 5.0),
        ("svc", "get", {}, 2),
        ("bad name", "get", {}, 5.0),
        ("svc", "get", ["not", "a", "dict"], 5.0),
        ("svc", "get", {}, 0),
        ("svc", "get", {}, float("nan")),
        ("svc", "get", {}, True),
        ("svc", "get", {}, 10**400),
    ],
)
def test_a_call_builds_or_refuses_what_the_constructor_does(target, method, params, timeout):
    try:
        expected = RPCRequest(target, method, params, timeout, source="c-1")
    except ValidationError as exc:
        with pytest.raises(ValidationError, match=str(exc).split(":")[0]):
            RPCRequest.call(target, method, params, timeout, "c-1")
        return
    built = RPCRequest.call(target, method, params, timeout, "c-1")
    assert isinstance(built, RPCRequest)
    same = ("target", "method", "params", "timeout", "source")
    assert [getattr(built, f) for f in same] == [getattr(expected, f) for f in same]
    assert built.correlation_id == built.message_id != built.trace_id
    assert set(built.to_wire()) == set(expected.to_wire())


def test_an_answer_carries_the_request_ids():
    request = RPCRequest("svc", "get", {}, 5.0, source="c-1", trace_id="t-1")
    answer = RPCResponse.answer({"ok": 1}, request, "svc-1")
    expected = RPCResponse(
        True, {"ok": 1}, None, correlation_id=request.correlation_id, trace_id="t-1", source="svc-1"
    )
    assert answer.to_wire().keys() == expected.to_wire().keys()
    assert (answer.success, answer.result, answer.error) == (True, {"ok": 1}, None)
    assert (answer.correlation_id, answer.trace_id, answer.source) == (
        request.correlation_id,
        "t-1",
        "svc-1",
    )
    assert answer.message_id not in (request.message_id, expected.message_id)
