"""Fuzzing the request path of a running service (hypothesis, real nats-server).

Every input, however broken, gets a well-formed reply (an error, or the echo of what was
valid), within the request timeout; the service keeps serving. How many inputs were tried
goes to the figures.
"""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import figures_for
from .fuzzing import (
    FUZZ_SETTINGS,
    broken_envelopes,
    good_envelope,
    invalid_utf8_msgpack,
    is_invalid_utf8,
    msgpack_envelope_with,
    nested_json,
    nested_msgpack,
    pack,
    served_target,
)

NAME = "fuzzed"
EXAMPLES = {"bytes": 400, "envelopes": 300, "deep": 60, "huge": 30, "utf8": 150, "ext": 200}


@pytest.fixture(scope="module")
def target():
    with served_target(NAME) as fuzzed:
        yield fuzzed


@pytest.fixture(scope="module")
def tally(target, tmp_path_factory):
    counts: dict[str, int] = {}
    yield counts
    figures_for(tmp_path_factory).record(
        "fuzz_requests",
        inputs_tried=sum(counts.values()),
        tried_per_kind=counts,
        replies=dict(target.outcomes),
        service_still_serving=target.still_serves(),
    )


def run(target, tally, kind, strategy, check=None):
    before = target.tried

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES[kind])
    @given(strategy)
    def example(data):
        reply = target.send(data)
        if check is not None:
            check(reply)

    example()
    tally[kind] = target.tried - before
    assert target.still_serves()


def test_random_bytes(target, tally):
    run(target, tally, "bytes", st.binary(max_size=2048))


def test_envelopes_with_missing_wrong_or_extra_fields(target, tally):
    strategy = st.tuples(
        broken_envelopes(good_envelope(NAME, "echo")), st.sampled_from(["msgpack", "json"])
    )
    run(target, tally, "envelopes", strategy.map(lambda pair: pack(*pair)))


def test_deep_nesting(target, tally):
    def build(args):
        depth, fmt = args
        if fmt == "json":
            params = f'{{"deep": {nested_json(depth)}}}'
            envelope = pack(good_envelope(NAME, "echo", {"deep": None}), "json").decode()
            return envelope.replace('{"deep":null}', params).encode()
        return msgpack_envelope_with(
            "params", b"\x81" + msgpack.packb("deep") + nested_msgpack(depth), NAME, "echo"
        )

    strategy = st.tuples(st.integers(1, 5000), st.sampled_from(["msgpack", "json"]))
    run(target, tally, "deep", strategy.map(build))


def test_huge_strings(target, tally):
    def build(args):
        size, field, fmt = args
        envelope = good_envelope(NAME, "echo")
        envelope[field] = {"s": "x" * size} if field == "params" else "x" * size
        return pack(envelope, fmt)

    strategy = st.tuples(
        st.integers(10_000, 1_000_000 - 400),
        st.sampled_from(["target", "method", "source", "message_id", "params"]),
        st.sampled_from(["msgpack", "json"]),
    )
    run(target, tally, "huge", strategy.map(build))


def test_invalid_utf8(target, tally):
    def build(args):
        data, where = args
        if where == "json":
            return b'{"target": "' + data + b'", "method": "echo"}'
        return msgpack_envelope_with(where, invalid_utf8_msgpack(data), NAME, "echo")

    strategy = st.tuples(
        st.binary(min_size=1, max_size=60).filter(is_invalid_utf8),
        st.sampled_from(["json", "target", "method", "source", "params"]),
    )
    run(target, tally, "utf8", strategy.map(build))


def test_unknown_msgpack_extension_types(target, tally):
    def build(args):
        code, data, where = args
        # ext 8: any type code, the reserved negative ones (-1 is a timestamp) too
        ext = b"\xc7" + bytes([len(data)]) + code.to_bytes(1, "big", signed=True) + data
        if where == "whole":
            return ext
        if where == "params":
            ext = b"\x81" + msgpack.packb("x") + ext  # {"x": ext}
        elif where == "nested":
            ext = b"\x81" + msgpack.packb("x") + b"\x91" + ext  # {"x": [ext]}
        return msgpack_envelope_with("params" if where == "nested" else where, ext, NAME, "echo")

    strategy = st.tuples(
        st.integers(-128, 127),
        st.binary(max_size=32),
        st.sampled_from(["whole", "params", "nested", "timestamp", "timeout", "target"]),
    )
    run(target, tally, "ext", strategy.map(build))


def _json(**fields: str) -> bytes:
    body = ", ".join(f'"{k}": {v}' for k, v in fields.items())
    return ("{" + body + "}").encode()


KNOWN_BAD = {
    # each of these once cost its caller the whole timeout, or could
    "int timeout beyond float": _json(target='"fuzzed"', method='"echo"', timeout="1" + "0" * 400),
    "int timestamp beyond float": _json(
        target='"fuzzed"', method='"echo"', timestamp="1" + "0" * 400
    ),
    "infinite timeout": _json(target='"fuzzed"', method='"echo"', timeout="1e400"),
    "NaN timeout": _json(target='"fuzzed"', method='"echo"', timeout="NaN"),
    "NaN timestamp": _json(target='"fuzzed"', method='"echo"', timestamp="NaN"),
    "int of 5000 digits": _json(target='"fuzzed"', method='"echo"', params="9" * 5000),
    "empty": b"",
    "truncated msgpack": msgpack.packb(good_envelope(NAME, "echo"))[:-3],
    "msgpack array, not a map": msgpack.packb([1, 2, 3]),
    "json string, not an object": b'"hello"',
    "wildcard target": pack(good_envelope("a.*", "echo"), "msgpack"),
    "full wildcard method": pack(good_envelope(NAME, ">"), "json"),
    "space in target": pack(good_envelope("a b", "echo"), "json"),
    "empty method": pack(good_envelope(NAME, ""), "msgpack"),
    "timestamp ext with a bad length": msgpack_envelope_with(
        "timestamp", b"\xc7\x03\xff\x00\x00\x00", NAME, "echo"
    ),
    "map with int keys": b"\x81\x01\x02",
    "msgpack 1100 deep": msgpack_envelope_with(
        "params", b"\x81" + msgpack.packb("d") + nested_msgpack(1100), NAME, "echo"
    ),
}


@pytest.mark.parametrize("data", KNOWN_BAD.values(), ids=KNOWN_BAD.keys())
def test_known_bad_inputs_get_an_error_reply(target, tally, data):
    reply = target.send(data)
    tally["known_bad"] = tally.get("known_bad", 0) + 1
    assert reply["success"] is False
    assert reply["error"]["type"] in {"ValidationError", "SerializationError"}
    assert target.still_serves()
