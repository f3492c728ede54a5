"""Names that would put wildcards or extra tokens into subjects are refused at every entry
point, locally (nothing is sent) and on the wire (the service replies with an error)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegis_sdk import Event, NATSAdapter, RPCRequest, Service, ValidationError
from aegis_sdk.domain.subjects import event_subject, rpc_subject, validate_name

from .fuzzing import FUZZ_SETTINGS

BAD_NAMES = [
    "a.*",
    "*",
    ">",
    "a.>",
    "a.b",
    "a b",
    " ",
    "",
    "a\tb",
    "a\r\nPUB x 1",
    "a\x00",
    ".",
    "a.",
    "x" * 129,
    "héllo",
    None,
    7,
    b"bytes",
]
ids = [repr(n)[:20] for n in BAD_NAMES]


@pytest.mark.parametrize("bad", BAD_NAMES, ids=ids)
def test_every_local_entry_point_refuses(bad):
    bus = NATSAdapter()
    refusals = [
        lambda: Service(bad, bus),
        lambda: Service("ok", bus).rpc(bad),
        lambda: RPCRequest(bad, "m"),
        lambda: RPCRequest("svc", bad),
        lambda: Event(bad, "created"),
        lambda: Event("orders", bad),
        lambda: rpc_subject(bad, "m"),
        lambda: event_subject("orders", bad),
    ]
    if bad is not None:  # no durable name means an ephemeral subscription
        refusals.append(lambda: Service("ok", bus).subscribe("events.ok.created", durable=bad))
    for refuse in refusals:
        with pytest.raises(ValidationError):
            refuse()


@pytest.mark.parametrize("bad", BAD_NAMES, ids=ids)
async def test_calls_and_publishes_refuse_before_touching_the_bus(bad):
    client = Service("client", NATSAdapter())  # not connected: a refusal must come first
    with pytest.raises(ValidationError):
        await client.call_rpc(bad, "m")
    with pytest.raises(ValidationError):
        await client.call_rpc("svc", bad)
    with pytest.raises(ValidationError):
        await client.publish_event(bad, "created")
    with pytest.raises(ValidationError):
        await client.publish_event("orders", bad)


@pytest.mark.parametrize(
    "pattern", ["events.a b.c", "events.a.b.c.d", "rpc.>", "events.>.x", "events..x", ""]
)
def test_bad_subscription_patterns_are_refused(pattern):
    with pytest.raises(ValidationError):
        Service("ok", NATSAdapter()).subscribe(pattern)


@settings(FUZZ_SETTINGS, max_examples=500)
@given(st.text(max_size=40))
def test_any_accepted_name_is_exactly_one_plain_token(name):
    try:
        validate_name("name", name)
    except ValidationError:
        return
    subject = rpc_subject(name, name)
    assert subject.split(".") == ["rpc", name, name]
    assert not set(name) & set(".*> \t\r\n\x00")
