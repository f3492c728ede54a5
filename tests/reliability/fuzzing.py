"""Hypothesis strategies for bad input, and a service on a background loop to throw it at.

Hypothesis drives examples synchronously; the service, its bus and a plain nats-py client
live on an event loop in a thread of their own, so one server and one service serve all
examples. The nats-server is started by the caller, in the main thread (its parent-death
signal is tied to the thread that started it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import Counter
from collections.abc import Coroutine, Iterator
from typing import Any

import msgpack
import nats
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from aegis_sdk import NATSAdapter, Service
from aegis_sdk.testing import NatsServer

FUZZ_SETTINGS = settings(
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=40)
    | st.binary(max_size=40)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


def good_envelope(target: str, method: str, params: Any = None) -> dict[str, Any]:
    return {
        "message_id": "m1",
        "correlation_id": "c1",
        "trace_id": "t1",
        "timestamp": 1.0,
        "source": "fuzz",
        "target": target,
        "method": method,
        "params": {} if params is None else params,
        "timeout": 2.0,
    }


def good_event(domain: str, event_type: str) -> dict[str, Any]:
    envelope = good_envelope("", "")
    for name in ("target", "method", "params", "timeout"):
        del envelope[name]
    envelope.update(domain=domain, event_type=event_type, payload={"n": 1}, version="1.0")
    return envelope


@st.composite
def broken_envelopes(draw: st.DrawFn, good: dict[str, Any]) -> dict[str, Any]:
    """A valid envelope with fields dropped, retyped or added."""
    envelope: dict[Any, Any] = dict(good)
    for name in draw(st.sets(st.sampled_from(sorted(good)), min_size=1)):
        if draw(st.booleans()):
            envelope.pop(name)
        else:
            envelope[name] = draw(values)
    for key, value in draw(st.dictionaries(st.text(max_size=12), values, max_size=3)).items():
        envelope[key] = value
    return envelope


def pack(obj: Any, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(obj, default=repr).encode()
    return msgpack.packb(obj, use_bin_type=True)


def msgpack_envelope_with(field: str, raw_value: bytes, target: str, method: str) -> bytes:
    """A msgpack envelope whose ``field`` is the given raw msgpack bytes."""
    envelope = good_envelope(target, method)
    envelope.pop(field, None)
    body = msgpack.packb(envelope, use_bin_type=True)
    assert 0x80 <= body[0] <= 0x8E  # a fixmap of up to 14 entries: one more fits
    return bytes([body[0] + 1]) + body[1:] + msgpack.packb(field) + raw_value


def nested_msgpack(depth: int) -> bytes:
    return b"\x91" * depth + b"\xc0"  # [[[...[nil]...]]]


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def invalid_utf8_msgpack(data: bytes) -> bytes:
    """A msgpack str (type str8) whose bytes are not UTF-8."""
    return b"\xd9" + bytes([len(data)]) + data


def is_invalid_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return True
    return False


class Target:
    """A service (``echo``) on a background event loop, and a plain client aimed at it."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.subject = f"rpc.{name}.echo"
        self.tried = 0
        self.outcomes: Counter[str] = Counter()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.run(self._start(url))

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 15) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self, url: str) -> None:
        self.bus = NATSAdapter()
        await self.bus.connect(url)
        self.service = Service(self.name, self.bus)

        @self.service.rpc("echo")
        async def echo(params):
            return params

        await self.service.start()
        self.nc = await nats.connect(url)
        self.client = Service(f"{self.name}-client", self.bus)

    def send(self, data: bytes) -> dict[str, Any]:
        """Send raw bytes as a request; return the decoded reply (there must be one)."""
        self.tried += 1
        reply = self.run(self.nc.request(self.subject, data, timeout=5))
        decoded = json.loads(reply.data) if reply.data[:1] == b"{" else msgpack.unpackb(reply.data)
        assert isinstance(decoded, dict) and isinstance(decoded.get("success"), bool), decoded
        if decoded["success"]:
            self.outcomes["success"] += 1
        else:
            self.outcomes[decoded["error"]["type"]] += 1
        return decoded

    def still_serves(self) -> bool:
        return self.run(self.client.call_rpc(self.name, "echo", {"ok": 1}, timeout=2)) == {"ok": 1}

    def close(self) -> None:
        async def stop() -> None:
            await self.nc.close()
            await self.service.stop()
            await self.bus.disconnect()

        try:
            self.run(stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


@contextlib.contextmanager
def served_target(name: str) -> Iterator[Target]:
    """A Target on its own embedded nats-server, closed after use."""
    with NatsServer() as server:
        target = Target(server.url, name)
        try:
            yield target
        finally:
            target.close()
