"""Fuzzing decoding and validation without a server: whatever arrives, the only
exceptions are ``SerializationError`` and ``ValidationError`` (which the service turns into
error replies or logged rejections), never a crash of another kind."""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegis_sdk import SerializationError, ValidationError
from aegis_sdk.domain.models import event_from_wire, request_from_wire, response_from_wire
from aegis_sdk.infrastructure.serialization import decode, encode

from .conftest import figures_for
from .fuzzing import FUZZ_SETTINGS, broken_envelopes, good_envelope, good_event, values

EXAMPLES = 1000
PARSERS = (request_from_wire, response_from_wire, event_from_wire)
tried = {"bytes": 0, "maps": 0, "encode": 0}


@pytest.fixture(scope="module", autouse=True)
def report(tmp_path_factory):
    yield
    figures_for(tmp_path_factory).record(
        "fuzz_decoding", inputs_tried=sum(tried.values()), tried_per_kind=dict(tried)
    )


def parse_all(wire) -> None:
    for parse in PARSERS:
        with contextlib.suppress(ValidationError):
            parse(wire)


@settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
@given(st.binary(max_size=512) | st.binary(max_size=64).map(lambda b: b"\x8f" + b))
def test_bytes_decode_or_raise_serialization_error(data):
    tried["bytes"] += 1
    try:
        wire, fmt = decode(data)
    except SerializationError:
        return
    assert isinstance(wire, dict) and fmt in ("msgpack", "json")
    parse_all(wire)


good_response = {"success": False, "error": {"type": "X", "message": "m"}, "result": None}
maps = (
    broken_envelopes(good_envelope("svc", "m"))
    | broken_envelopes(good_event("d", "t"))
    | broken_envelopes(dict(good_envelope("", ""), **good_response))
    | values
)


@settings(FUZZ_SETTINGS, max_examples=EXAMPLES // 3)  # slow to generate
@given(maps)
def test_decoded_values_validate_or_raise_validation_error(wire):
    tried["maps"] += 1
    parse_all(wire)
    # and what survives the wire survives validation the same way
    for fmt in ("msgpack", "json"):
        try:
            data = encode(wire, fmt)
        except SerializationError:
            continue
        with contextlib.suppress(SerializationError):
            parse_all(decode(data)[0])


@settings(FUZZ_SETTINGS, max_examples=EXAMPLES // 3)
@given(values, st.sampled_from(["msgpack", "json"]))
def test_encoding_raises_only_serialization_error(value, fmt):
    tried["encode"] += 1
    try:
        data = encode({"v": value}, fmt)
    except SerializationError:
        return
    if fmt == "msgpack" or not _has_nan(value):
        assert decode(data)[0].keys() == {"v"}


def _has_nan(value) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, list):
        return any(map(_has_nan, value))
    if isinstance(value, dict):
        return any(map(_has_nan, value.values()))
    return False


@pytest.mark.parametrize("depth", [100, 600, 3000, 100_000])
def test_deep_values_never_crash(depth):
    nested = b"\x91" * depth + b"\xc0"
    for data in (b"\x81\xa1v" + nested, ("{" + '"v":' + "[" * depth + "]" * depth + "}").encode()):
        try:
            wire, fmt = decode(data)
        except SerializationError:
            continue
        try:
            encode(wire, "json")
            encode(wire, "msgpack")
        except SerializationError:
            pass
