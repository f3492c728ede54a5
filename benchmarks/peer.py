"""The other side of a benchmark, run in its own process: ``peer.py MODE URL OPTIONS_JSON``.

Modes:
  sdk-rpc     an aegis_sdk Service with methods ``echo`` and ``whoami``
  raw-rpc     a plain nats-py responder doing the same echo (the baseline)
  sdk-events  an aegis_sdk Service with a durable event subscription that records
              end-to-end latency (handler time minus the event's timestamp)
  sdk-drain   an aegis_sdk Service with a durable subscription that is attached only to
              drain a stored backlog (command ``drain N``), then detached again; command
              ``bounce N`` attaches and detaches it at once a few times, as deployments
              that stop at once, each time publishing some events right after (to option
              ``backlog``, on a connection of its own), N events in all
  raw-drain   the same with a plain nats-py push consumer that decodes and acks each event
  sdk-fair    an aegis_sdk Service with a slow method (``slow``, 10 ms) and a fast one
              (``ping``)
  flood       a plain nats-py client that floods a service's method with requests as the
              SDK writes them, without waiting (command ``flood N``): how long sending took,
              and how the replies came back

It prints one JSON line when ready, then answers commands read from stdin, one per line:
``stats`` (counters and samples), ``mem`` (resident and peak bytes), ``cpu`` (process CPU
seconds, precise to the nanosecond unlike psutil's clock ticks), ``reset``, ``drain N``
(seconds and CPU seconds to handle N stored events, and when 99% of them were handled),
``bounce``; EOF stops it. Option ``loop``:
``uvloop`` runs the peer on uvloop. A peer that cannot start answers ``{"error": ...}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import sys
import time

if __package__:  # imported as benchmarks.peer: asv looks for benchmarks in every module
    from .target import connect_options, raw_connect, redact
else:  # run as a script, a peer process: target.py is beside it
    from target import connect_options, raw_connect, redact


def _reply(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _sdk_service(url: str, opts: dict, state: dict, register):
    """An aegis_sdk Service named opts["name"], its handlers added by ``register``."""
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter(
        pool_size=opts.get("pool_size", 1), serializer=opts.get("serializer", "msgpack")
    )
    await bus.connect(url, **connect_options())
    service = Service(opts["name"], bus)
    register(service)
    await service.start()
    state["instance"] = service.instance_id

    async def close():
        await service.stop()
        await bus.disconnect()

    return close


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

    return await _sdk_service(url, opts, state, register)


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

    return await _sdk_service(url, opts, state, register)


class Drain:
    """Attach a consumer, count events until ``n`` were handled, detach: time and CPU."""

    def __init__(self, attach, detach, publish=None) -> None:
        self.attach, self.detach, self.publish = attach, detach, publish
        self.count, self.target, self.bulk = 0, 0, 0
        self.bulk_at = 0.0
        self.done: asyncio.Future | None = None

    def handled(self) -> None:
        self.count += 1
        if self.count == self.bulk:
            self.bulk_at = time.perf_counter()
        if self.count >= self.target and self.done is not None and not self.done.done():
            self.done.set_result(None)

    async def run(self, n: int) -> dict:
        self.count, self.target, self.bulk = 0, n, max(n * 99 // 100, 1)
        self.done = asyncio.get_running_loop().create_future()
        cpu0, t0 = time.process_time(), time.perf_counter()
        await self.attach()
        try:
            await asyncio.wait_for(self.done, 120)
        finally:
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            await self.detach()
        return {
            "seconds": seconds,
            "cpu": cpu,
            "count": self.count,
            "bulk": self.bulk,
            "bulk_seconds": self.bulk_at - t0,
        }

    async def bounce(self, n: int, times: int = 4, first: int = 25) -> dict:
        """Attach and detach ``times`` times, each time publishing ``first`` events right
        after detaching (events keep coming while a deployment restarts), then the rest
        of ``n``; answer how many events were handled meanwhile."""
        self.count, self.target = 0, n + 1
        for _ in range(times):
            await self.attach()
            await self.detach()
            await self.publish(min(first, n))
            n -= min(first, n)
        await self.publish(n)
        return {"handled": self.count}


async def sdk_drain(url: str, opts: dict, state: dict):
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter()
    await bus.connect(url, **connect_options())
    service = Service(opts["name"], bus)

    @service.subscribe(opts["pattern"], durable=opts["durable"])
    async def on_event(event):
        drain.handled()

    publisher_bus = NATSAdapter()  # a connection of its own, as another service would be
    await publisher_bus.connect(url, **connect_options())
    publisher = Service(f"{opts['name']}-publisher", publisher_bus)

    async def publish(n: int) -> None:
        await publisher.publish_events(opts["backlog"], "e", [{"data": "x" * 80}] * n)

    drain = Drain(service.start, service.stop, publish)
    await service.start()  # creates the durable consumer; the backlog comes after
    await service.stop()
    state["drain"], state["instance"] = drain, service.instance_id

    async def close():
        await publisher_bus.disconnect()
        await bus.disconnect()

    return close


async def raw_drain(url: str, opts: dict, state: dict):
    import msgpack
    from nats.js import api

    nc = await raw_connect(url)
    deliver = f"_RAW.deliver.{opts['durable']}"
    await nc.jetstream().add_consumer(
        "AEGIS_EVENTS",
        config=api.ConsumerConfig(
            durable_name=opts["durable"],
            deliver_subject=deliver,
            deliver_group=opts["durable"],
            deliver_policy=api.DeliverPolicy.NEW,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=30,
            max_ack_pending=1000,
            filter_subject=opts["pattern"],
        ),
    )
    unpackb = msgpack.unpackb
    subscription = None

    async def on_msg(msg):
        unpackb(msg.data)
        await msg.ack()
        drain.handled()

    async def attach():
        nonlocal subscription
        subscription = await nc.subscribe(deliver, queue=opts["durable"], cb=on_msg)

    async def detach():
        await subscription.unsubscribe()

    drain = Drain(attach, detach)
    state["drain"], state["instance"] = drain, "raw"
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

    return await _sdk_service(url, opts, state, register)


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


def _memory() -> dict:
    import resource

    import psutil

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    peak_bytes = peak if sys.platform == "darwin" else peak * 1024
    return {"rss": psutil.Process().memory_info().rss, "peak": peak_bytes}


MODES = {
    "sdk-rpc": sdk_rpc,
    "raw-rpc": raw_rpc,
    "sdk-events": sdk_events,
    "sdk-drain": sdk_drain,
    "raw-drain": raw_drain,
    "sdk-fair": sdk_fair,
    "flood": flood,
}


async def main(mode: str, url: str, opts: dict) -> None:
    state: dict = {"count": 0}
    try:
        close = await asyncio.wait_for(MODES[mode](url, opts, state), 20)
    except Exception as exc:  # the parent raises this at once, with the reason
        _reply({"error": redact(f"{type(exc).__name__}: {exc}")})
        return
    gc.collect()
    gc.freeze()
    _reply({"ready": True, "pid": os.getpid(), "instance": state["instance"]})
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if not line:
            break
        if line == "stats":
            _reply(
                {
                    "count": state["count"],
                    "unique": len(state.get("seen", ())),
                    "latencies": state.get("latencies", []),
                }
            )
        elif line == "cpu":
            _reply({"cpu": time.process_time()})
        elif line == "mem":
            _reply(_memory())
        elif line.startswith("drain "):
            _reply(await state["drain"].run(int(line.split()[1])))
        elif line.startswith("flood "):
            _reply(await state["flood"].run(int(line.split()[1])))
        elif line.startswith("bounce "):
            _reply(await state["drain"].bounce(int(line.split()[1])))
        elif line == "reset":
            state["count"] = 0
            state.get("latencies", []).clear()
            state.get("seen", set()).clear()
            _reply({"ok": True})
        else:
            _reply({"error": f"unknown command {line!r}"})
    await close()


def _run(coro, loop_name: str):
    if loop_name == "uvloop":
        import uvloop

        return uvloop.run(coro)
    return asyncio.run(coro)


if __name__ == "__main__":
    options = json.loads(sys.argv[3])
    servers = sys.argv[2].split(",") if "," in sys.argv[2] else sys.argv[2]  # a cluster's nodes
    _run(main(sys.argv[1], servers, options), options.get("loop", "asyncio"))
