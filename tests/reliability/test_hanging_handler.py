"""A slow or hanging handler holds up no other call to the same service; its own caller
gets ``RPCTimeoutError`` at the deadline, and the handler is cancelled."""

from __future__ import annotations

import asyncio
import time

import pytest

from aegis_sdk import RPCTimeoutError, Service

HANG_TIMEOUT = 1.0
FAST_CALLS = 200


async def test_other_calls_are_served_while_one_hangs(server, adapters, figures, unique):
    loop = asyncio.get_running_loop()
    service_bus = await adapters(server.url)
    client_bus = await adapters(server.url)
    svc = Service(unique, service_bus)  # default limits: 100 running, 1000 waiting per method
    hanging = asyncio.Event()
    cancelled: list[float] = []

    @svc.rpc("work")
    async def work(params):
        if params.get("hang"):
            hanging.set()
            try:
                await asyncio.Event().wait()  # forever
            except asyncio.CancelledError:
                cancelled.append(loop.time())
                raise
        if params.get("slow"):
            await asyncio.sleep(params["slow"])
        return params["n"]

    await svc.start()
    client = Service(f"{unique}-client", client_bus)

    began = loop.time()
    hung = [
        asyncio.ensure_future(client.call_rpc(unique, "work", {"hang": True, "n": 0}, HANG_TIMEOUT))
        for _ in range(5)
    ]
    slow = asyncio.ensure_future(client.call_rpc(unique, "work", {"slow": 0.5, "n": -1}, 5))
    await asyncio.wait_for(hanging.wait(), 2)

    # the same method, same service: served while five calls hang and one is slow
    fast_began = loop.time()
    answers = await asyncio.gather(
        *(client.call_rpc(unique, "work", {"n": n}, timeout=2) for n in range(FAST_CALLS))
    )
    fast_took = loop.time() - fast_began
    assert answers == list(range(FAST_CALLS))
    assert not any(f.done() for f in hung), "the hanging calls ended early"

    for future in hung:
        with pytest.raises(RPCTimeoutError):
            await future
    timed_out_after = loop.time() - began
    assert await slow == -1
    await asyncio.sleep(0.5)  # the service's deadline sweep runs every 0.1 s

    figures.record(
        "hanging_handler",
        hanging_calls=len(hung),
        hang_timeout_s=HANG_TIMEOUT,
        fast_calls_served=len(answers),
        fast_calls_took_s=round(fast_took, 3),
        hanging_callers_got_timeout_after_s=round(timed_out_after, 3),
        hanging_handlers_cancelled=len(cancelled),
        cancelled_after_s=round(max(cancelled) - began, 3) if cancelled else None,
        limit_running_per_method=svc.max_concurrency,
        limit_waiting_per_method=svc.max_pending,
    )
    assert HANG_TIMEOUT <= timed_out_after < HANG_TIMEOUT + 1.0
    assert len(cancelled) == len(hung)


async def test_a_blocked_method_does_not_block_another(server, adapters, unique):
    # every running slot of one method taken: another method of the service still answers
    service_bus = await adapters(server.url)
    client_bus = await adapters(server.url)
    svc = Service(unique, service_bus, max_concurrency=2, max_pending=2)
    release = asyncio.Event()

    @svc.rpc("stuck")
    async def stuck(params):
        await release.wait()

    @svc.rpc("ping")
    def ping(params):
        return "pong"

    await svc.start()
    client = Service(f"{unique}-client", client_bus)
    stuck_calls = [
        asyncio.ensure_future(client.call_rpc(unique, "stuck", {}, timeout=5)) for _ in range(4)
    ]
    await asyncio.sleep(0.2)
    began = time.monotonic()
    assert await client.call_rpc(unique, "ping", timeout=2) == "pong"
    assert time.monotonic() - began < 2.0
    release.set()
    await asyncio.gather(*stuck_calls)
