"""Client-side load generators, for the SDK and for raw nats-py on the same server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import msgpack

Call = Callable[[], Awaitable[object]]


async def until_served(call: Call, timeout: float = 10.0) -> None:
    """Retry the first call until the peer answers: an older SDK may return from
    ``Service.start`` before the server has registered its subscriptions."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await call()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def serial_latencies(call: Call, n: int) -> list[float]:
    """``n`` calls one after another; the seconds each took."""
    clock = time.perf_counter
    samples = [0.0] * n
    for i in range(n):
        t0 = clock()
        await call()
        samples[i] = clock() - t0
    return samples


async def closed_loop_rate(call: Call, total: int, in_flight: int) -> float:
    """``total`` calls by ``in_flight`` concurrent callers; completed calls per second."""
    remaining = total

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    t0 = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(in_flight)))
    return total / (time.perf_counter() - t0)


def sdk_rpc_call(client, service: str, method: str, params: dict) -> Call:
    """One call through the public API that services use: ``Service.call_rpc``."""

    def call():
        return client.call_rpc(service, method, params)

    return call


def raw_rpc_call(nc, subject: str, params: dict) -> Call:
    """The same round trip by hand with nats-py and msgpack: the baseline."""
    packb, unpackb = msgpack.packb, msgpack.unpackb

    async def call():
        reply = await nc.request(subject, packb({"params": params}), timeout=5.0)
        return unpackb(reply.data)["result"]

    return call


async def raw_publish_async_rate(js, subject: str, payload: bytes, total: int) -> float:
    """nats-py ``publish_async`` for all, then wait for every ack: events per second."""
    t0 = time.perf_counter()
    futures = [await js.publish_async(subject, payload) for _ in range(total)]
    await asyncio.gather(*futures)
    return total / (time.perf_counter() - t0)


async def core_publish_flush_latencies(nc, subject: str, payload: bytes, n: int) -> list[float]:
    """Core NATS publish confirmed by a flush (PING/PONG): no persistence, no JetStream."""
    clock = time.perf_counter
    samples = [0.0] * n
    for i in range(n):
        t0 = clock()
        await nc.publish(subject, payload)
        await nc.flush()
        samples[i] = clock() - t0
    return samples
