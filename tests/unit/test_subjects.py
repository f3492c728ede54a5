"""Subject rules: names are single NATS tokens; event patterns follow events.<d>.<t>."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegis_sdk import Event, NATSAdapter, RPCRequest, Service, ValidationError
from aegis_sdk.domain.subjects import (
    event_subject,
    rpc_subject,
    validate_event_pattern,
    validate_name,
)

VALID_NAMES = ["orders", "order-service", "svc_1", "A", "x" * 128, "0-_"]
INVALID_NAMES = ["a.*", ">", "*", "a b", " orders", "orders\n", "", "a.b", ".a", "x" * 129, "é"]


@pytest.mark.parametrize("name", VALID_NAMES)
def test_valid_names(name):
    assert validate_name("service name", name) == name


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_names_are_rejected(name):
    with pytest.raises(ValidationError, match="service name"):
        validate_name("service name", name)


@pytest.mark.parametrize("name", [None, 5, b"orders", ["orders"]])
def test_non_string_names_are_rejected(name):
    with pytest.raises(ValidationError, match="must be a string"):
        validate_name("method", name)


def test_subjects():
    assert rpc_subject("orders", "create") == "rpc.orders.create"
    assert event_subject("order", "created") == "events.order.created"


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_names_are_rejected_everywhere(name):
    with pytest.raises(ValidationError):
        rpc_subject(name, "create")
    with pytest.raises(ValidationError):
        rpc_subject("orders", name)
    with pytest.raises(ValidationError):
        event_subject(name, "created")
    with pytest.raises(ValidationError):
        RPCRequest(name, "create")
    with pytest.raises(ValidationError):
        Event("order", name)
    with pytest.raises(ValidationError):
        Service(name, NATSAdapter())
    service = Service("orders", NATSAdapter())
    with pytest.raises(ValidationError):
        service.rpc(name)
    with pytest.raises(ValidationError):
        service.subscribe("events.order.created", durable=name)


VALID_PATTERNS = [
    "events.order.*",
    "events.>",
    "events.*.created",
    "events.order.created",
    "events.order.>",
    "events.*.*",
    "events.*.>",
]
INVALID_PATTERNS = [
    "",
    "events",
    "events.",
    "events.*",
    "events.order",
    "orders.>",
    ">",
    "events.order.created.v2",
    "events.>.created",
    "events.order.cre ated",
    "events..created",
    "events.order.",
    "events.or*der.created",
    "rpc.orders.*",
]


@pytest.mark.parametrize("pattern", VALID_PATTERNS)
def test_valid_event_patterns(pattern):
    assert validate_event_pattern(pattern) == pattern
    Service("orders", NATSAdapter()).subscribe(pattern)  # accepted at registration too


@pytest.mark.parametrize("pattern", INVALID_PATTERNS + [None, 3])
def test_invalid_event_patterns_are_rejected(pattern):
    with pytest.raises(ValidationError, match="event pattern"):
        validate_event_pattern(pattern)
    with pytest.raises(ValidationError):
        Service("orders", NATSAdapter()).subscribe(pattern)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=140))
def test_a_name_is_valid_exactly_when_it_is_one_safe_token(value):
    safe = 1 <= len(value) <= 128 and all(c.isascii() and (c.isalnum() or c in "_-") for c in value)
    if safe:
        assert validate_name("method", value) == value
        assert rpc_subject("svc", value).split(".") == ["rpc", "svc", value]
    else:
        with pytest.raises(ValidationError):
            validate_name("method", value)
