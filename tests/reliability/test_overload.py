"""More requests than a service's limits allow: every caller is served or refused at once
(``ServiceOverloadedError``), the service stays up and its memory stays bounded."""

from __future__ import annotations

import asyncio
from collections import Counter

import msgpack
import nats
import pytest

from aegis_sdk import RemoteError, RPCTimeoutError, Service, ServiceOverloadedError

from .processes import ServiceProcess

RUNNING, WAITING = 4, 16
BURST = 400
WORK_SECONDS = 0.1
FLOOD_SECONDS = 3.0


@pytest.fixture
def overloaded(server, unique):
    proc = ServiceProcess(server.url, name=unique, max_concurrency=RUNNING, max_pending=WAITING)
    yield proc
    proc.stop()


async def test_burst_beyond_the_limits(server, overloaded, adapters, figures, unique):
    loop = asyncio.get_running_loop()
    client = Service(f"{unique}-client", await adapters(server.url, pool_size=2))
    outcomes: Counter[str] = Counter()
    refused_after: list[float] = []
    refusals: list[ServiceOverloadedError] = []

    async def call() -> None:
        began = loop.time()
        try:
            await client.call_rpc(unique, "work", {"s": WORK_SECONDS}, timeout=5)
            outcomes["served"] += 1
        except ServiceOverloadedError as exc:
            refusals.append(exc)
            outcomes["refused"] += 1
            refused_after.append(loop.time() - began)
        except RPCTimeoutError:
            outcomes["timed out"] += 1

    began = loop.time()
    await asyncio.gather(*(call() for _ in range(BURST)))
    burst_took = loop.time() - began
    assert overloaded.alive()
    assert await client.call_rpc(unique, "ping", timeout=2) == "pong"
    refused_after.sort()
    figures.record(
        "overload_burst",
        limit_running=RUNNING,
        limit_waiting=WAITING,
        burst_calls=BURST,
        handler_s=WORK_SECONDS,
        served=outcomes["served"],
        refused=outcomes["refused"],
        timed_out=outcomes["timed out"],
        refusal_p50_ms=round(refused_after[len(refused_after) // 2] * 1000, 1),
        refusal_max_ms=round(refused_after[-1] * 1000, 1),
        burst_took_s=round(burst_took, 3),
    )
    assert outcomes["timed out"] == 0, "callers must be served or refused, not left waiting"
    assert outcomes["served"] >= RUNNING + WAITING
    assert outcomes["refused"] > 0
    assert refused_after[-1] < 3.0
    assert isinstance(refusals[0], RemoteError)  # caught by code written for RemoteError
    assert refusals[0].error_type == "ServiceOverloadedError"
    assert "retry later" in str(refusals[0])


async def test_sustained_flood_keeps_memory_bounded(server, overloaded, figures, unique):
    loop = asyncio.get_running_loop()
    rss_before = overloaded.command("mem")["rss_mb"]
    nc = await nats.connect(server.url)
    replies: Counter[str] = Counter()

    async def on_reply(msg) -> None:
        reply = msgpack.unpackb(msg.data)
        replies["ok" if reply["success"] else reply["error"]["type"]] += 1

    inbox = nc.new_inbox()
    await nc.subscribe(inbox, cb=on_reply)
    request = msgpack.packb(
        {"target": unique, "method": "work", "params": {"s": WORK_SECONDS}, "timeout": 5.0}
    )
    sent = 0
    rss_samples = []
    deadline = loop.time() + FLOOD_SECONDS
    while loop.time() < deadline:
        for _ in range(500):
            await nc.publish(f"rpc.{unique}.work", request, reply=inbox)
        sent += 500
        await nc.flush()
        if sent % 5000 == 0:
            rss_samples.append(overloaded.command("mem")["rss_mb"])
    # wait until the answers stop coming (the last admitted ones take a few handler times)
    settled_at, seen = loop.time(), -1
    while sum(replies.values()) < sent and loop.time() - settled_at < 10:
        await asyncio.sleep(2 * WORK_SECONDS * (RUNNING + WAITING) / RUNNING)
        if sum(replies.values()) == seen:
            break
        seen = sum(replies.values())
    rss_after = overloaded.command("mem")["rss_mb"]
    stats = overloaded.command("stats")
    await nc.close()

    figures.record(
        "overload_flood",
        flood_s=FLOOD_SECONDS,
        requests_sent=sent,
        replies=dict(replies),
        handled_by_service=stats["work"],
        service_rss_before_mb=round(rss_before, 1),
        service_rss_peak_mb=round(max(rss_samples + [rss_after]), 1),
        service_rss_after_mb=round(rss_after, 1),
    )
    assert overloaded.alive()
    assert replies["ServiceOverloadedError"] > 0
    assert sum(replies.values()) >= 0.9 * sent, "requests left without any answer"
    assert max(rss_samples + [rss_after]) - rss_before < 100, "service memory kept growing"
