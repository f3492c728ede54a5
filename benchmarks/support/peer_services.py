"""Peer modes that serve: SDK services (RPC methods, a live event subscriber) and a raw
nats-py responder doing the SDK's echo by hand, the baseline."""

from __future__ import annotations

import asyncio
import contextlib
import time

from .connections import raw_connect, sdk_bus


async def sdk_service(url: str, opts: dict, state: dict, register):
    """An aegis_sdk Service named opts["name"], its handlers added by ``register``; returns
    what stops it."""
    from aegis_sdk import Service

    stack = contextlib.AsyncExitStack()
    pool_size, serializer = opts.get("pool_size", 1), opts.get("serializer", "msgpack")
    bus = await stack.enter_async_context(sdk_bus(url, pool_size=pool_size, serializer=serializer))
    service = Service(opts["name"], bus)
    register(service)
    await service.start()
    stack.push_async_callback(service.stop)
    state["instance"] = service.instance_id
    return stack.aclose


async def sdk_rpc(url: str, opts: dict, state: dict):
    def register(service):
        @service.rpc("echo")
        async def echo(params):
            state["count"] += 1
            return params

        @service.rpc("whoami")
        async def whoami(params):
            state["count"] += 1
            return service.instance_id

    return await sdk_service(url, opts, state, register)


async def raw_rpc(url: str, opts: dict, state: dict):
    import msgpack

    nc = await raw_connect(url)
    packb, unpackb = msgpack.packb, msgpack.unpackb

    async def on_request(msg):
        state["count"] += 1
        request = unpackb(msg.data)
        await msg.respond(packb({"success": True, "result": request["params"]}))

    await nc.subscribe(f"raw.{opts['name']}.echo", queue=opts["name"], cb=on_request)
    await nc.flush()
    state["instance"] = "raw"
    return nc.drain


async def sdk_fair(url: str, opts: dict, state: dict):
    def register(service):
        @service.rpc("slow")
        async def slow(params):
            state["count"] += 1
            await asyncio.sleep(0.01)
            return params

        @service.rpc("ping")
        async def ping(params):
            return "pong"

    return await sdk_service(url, opts, state, register)


async def sdk_events(url: str, opts: dict, state: dict):
    latencies: list[float] = []
    seen: set[str] = set()
    state["latencies"], state["seen"] = latencies, seen

    def register(service):
        @service.subscribe(opts["pattern"], durable=opts["durable"])
        async def on_event(event):
            # an open-loop publisher puts each event's intended send time into the payload
            latencies.append(time.time() - event.payload.get("due", event.timestamp))
            seen.add(event.message_id)
            state["count"] += 1

    return await sdk_service(url, opts, state, register)
