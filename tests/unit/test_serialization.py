"""Envelope encodings: msgpack (default) and JSON; decoding detects the format."""

import json

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegis_sdk import NATSAdapter, SerializationError, ValidationError
from aegis_sdk.infrastructure.serialization import (
    FORMATS,
    decode,
    detect_format,
    encode,
    validate_format,
)

SAMPLE = {
    "text": "héllo ✓",
    "int": -(2**40),
    "float": 1.25,
    "bool": True,
    "none": None,
    "list": [1, "two", [3.0, {"four": 4}]],
    "map": {"nested": {"deeper": ["x"]}},
    "empty": {},
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(fmt):
    data = encode(SAMPLE, fmt)
    assert isinstance(data, bytes)
    obj, got = decode(data)
    assert got == fmt
    assert obj == SAMPLE


def test_encodings_are_what_they_say():
    assert json.loads(encode(SAMPLE, "json")) == SAMPLE
    assert msgpack.unpackb(encode(SAMPLE, "msgpack"), raw=False) == SAMPLE


def test_msgpack_carries_bytes():
    obj, _ = decode(encode({"blob": b"\x00\xff"}, "msgpack"))
    assert obj == {"blob": b"\x00\xff"}


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b'{"a":1}', "json"),
        (b' {"a":1}', "json"),
        (b'\n\t{"a":1}', "json"),
        (b"[1,2]", "json"),
        (msgpack.packb({"a": 1}), "msgpack"),
        (msgpack.packb({f"k{i}": i for i in range(20)}), "msgpack"),  # map16
        (b"\xc1", "msgpack"),
    ],
)
def test_detect_format(data, fmt):
    assert detect_format(data) == fmt


def test_plain_json_from_another_language_decodes():
    obj, fmt = decode(b'{\n  "target": "orders",\n  "params": {"a": [1, 2]}\n}\n')
    assert fmt == "json"
    assert obj == {"target": "orders", "params": {"a": [1, 2]}}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xc1",
        b"\xc1\xff\x00garbage",
        b"\x85\xa1a",  # truncated msgpack map
        msgpack.packb({"a": 1}) + b"\x00",  # trailing bytes
        msgpack.packb({1: "int key"}),
        b'{"a": 1',
        b"{not json}",
        b'{"a": "\xff"}',
    ],
)
def test_undecodable_bytes_raise_serialization_error(data):
    with pytest.raises(SerializationError):
        decode(data)


@pytest.mark.parametrize(
    "data",
    [
        msgpack.packb([1, 2, 3]),
        msgpack.packb("text"),
        msgpack.packb(None),
        b"[1, 2, 3]",
        b' "text"',
        b"\n[]",
    ],
)
def test_non_map_raises_serialization_error(data):
    with pytest.raises(SerializationError, match="must be a map"):
        decode(data)


def test_deeply_nested_json_raises_serialization_error():
    depth = 100_000
    data = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(SerializationError):
        decode(data)


def test_deeply_nested_msgpack_raises_serialization_error():
    depth = 100_000
    data = b"\x81\xa1a" + b"\x91" * depth + b"\x90"
    with pytest.raises(SerializationError):
        decode(data)


@pytest.mark.parametrize(
    ("obj", "fmt"),
    [
        ({"x": object()}, "msgpack"),
        ({"x": object()}, "json"),
        ({"x": float("nan")}, "json"),
        ({"x": b"bytes"}, "json"),
        ({"x": 2**70}, "msgpack"),
    ],
)
def test_unencodable_raises_serialization_error(obj, fmt):
    with pytest.raises(SerializationError, match=fmt):
        encode(obj, fmt)


def test_validate_format():
    assert validate_format("json") == "json"
    assert validate_format("msgpack") == "msgpack"
    with pytest.raises(ValidationError, match="serializer"):
        validate_format("xml")


@pytest.mark.parametrize("serializer", ["xml", "JSON", "", None])
def test_adapter_rejects_unknown_serializer(serializer):
    with pytest.raises(ValidationError, match="serializer"):
        NATSAdapter(serializer=serializer)


@pytest.mark.parametrize("pool_size", [0, -1, 1.5, True, "2"])
def test_adapter_rejects_bad_pool_size(pool_size):
    with pytest.raises(ValidationError, match="pool_size"):
        NATSAdapter(pool_size=pool_size)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=6), st.sampled_from(FORMATS))
def test_any_map_round_trips(obj, fmt):
    data = encode(obj, fmt)
    assert detect_format(data) == fmt
    assert decode(data) == (obj, fmt)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_decode_never_raises_anything_but_serialization_error(data):
    try:
        obj, fmt = decode(data)
    except SerializationError:
        return
    assert isinstance(obj, dict)
    assert fmt in FORMATS


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_deep_to_encode_is_a_serialization_error(fmt):
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(SerializationError, match="deep|limit"):
        encode({"v": deep}, fmt)
