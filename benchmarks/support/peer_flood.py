"""The flood peer mode: a plain nats-py client that sends a service's method far more
requests than it can serve, as the SDK writes them, without waiting for replies."""

from __future__ import annotations

import asyncio
import contextlib
import time

from .connections import raw_connect


class Flood:
    """``n`` requests to ``subject`` as fast as nats-py can send them, replies counted."""

    def __init__(self, nc, subject: str, payload: bytes) -> None:
        self.nc, self.subject, self.payload = nc, subject, payload
        self.replies: dict[str, int] = {}
        self.inbox = nc.new_inbox()
        self.expected = 0
        self.all_in: asyncio.Future | None = None

    async def on_reply(self, msg) -> None:
        data = msg.data
        kind = (
            "overloaded"
            if b"ServiceOverloaded" in data
            else "ok"
            if b"\xa7success\xc3" in data
            else "error"
        )
        self.replies[kind] = self.replies.get(kind, 0) + 1
        if sum(self.replies.values()) >= self.expected and not self.all_in.done():
            self.all_in.set_result(None)

    async def run(self, n: int) -> dict:
        self.replies, self.expected = {}, n
        self.all_in = asyncio.get_running_loop().create_future()
        publish, subject, payload, inbox = self.nc.publish, self.subject, self.payload, self.inbox
        t0 = time.perf_counter()
        for i in range(n):
            await publish(subject, payload, reply=f"{inbox}.{i}")
        await self.nc.flush()
        sent = time.perf_counter() - t0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_in, 60)
        return {"sent_seconds": sent, "seconds": time.perf_counter() - t0, **self.replies}


async def flood(url: str, opts: dict, state: dict):
    import msgpack

    from aegis_sdk import RPCRequest

    nc = await raw_connect(url, pending_size=64 * 1024 * 1024)
    request = RPCRequest.call(opts["name"], opts["method"], {"data": "x" * 80}, 5.0, "flood")
    flooder = Flood(nc, f"rpc.{opts['name']}.{opts['method']}", msgpack.packb(request.to_wire()))
    await nc.subscribe(f"{flooder.inbox}.*", cb=flooder.on_reply)
    await nc.flush()
    state["flood"], state["instance"] = flooder, "flood"
    return nc.drain
