"""The other side of a benchmark, run in its own process: ``peer.py MODE URL OPTIONS_JSON``.

Modes:
  sdk-rpc     an aegis_sdk Service with methods ``echo`` and ``whoami``
  raw-rpc     a plain nats-py responder doing the same echo (the baseline)
  sdk-events  an aegis_sdk Service with a durable event subscription that records
              end-to-end latency (handler time minus the event's timestamp)

It prints one JSON line when ready, then answers commands read from stdin, one per line:
``stats`` (counters and samples), ``mem`` (resident and peak MB), ``cpu`` (process CPU
seconds, precise to the nanosecond unlike psutil's clock ticks), ``reset``; EOF stops it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time


def _reply(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _connect_options() -> dict[str, str]:
    # the same variables as common.connect_options; this file also runs as a bare script
    names = {
        "AEGIS_NATS_USER": "user",
        "AEGIS_NATS_PASSWORD": "password",
        "AEGIS_NATS_TOKEN": "token",
        "AEGIS_NATS_CREDS": "user_credentials",
    }
    return {key: os.environ[env] for env, key in names.items() if os.environ.get(env)}


async def _sdk_service(url: str, opts: dict, state: dict, register):
    """An aegis_sdk Service named opts["name"], its handlers added by ``register``."""
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter(
        pool_size=opts.get("pool_size", 1), serializer=opts.get("serializer", "msgpack")
    )
    await bus.connect(url, **_connect_options())
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
    import nats

    nc = await nats.connect(url, **_connect_options())
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
            latencies.append(time.time() - event.timestamp)
            seen.add(event.message_id)
            state["count"] += 1

    return await _sdk_service(url, opts, state, register)


def _memory() -> dict:
    import resource

    import psutil

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    peak_mb = peak / 2**20 if sys.platform == "darwin" else peak / 1024
    return {"rss_mb": psutil.Process().memory_info().rss / 2**20, "peak_mb": peak_mb}


MODES = {"sdk-rpc": sdk_rpc, "raw-rpc": raw_rpc, "sdk-events": sdk_events}


async def main(mode: str, url: str, opts: dict) -> None:
    state: dict = {"count": 0}
    close = await MODES[mode](url, opts, state)
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
        elif line == "reset":
            state["count"] = 0
            state.get("latencies", []).clear()
            state.get("seen", set()).clear()
            _reply({"ok": True})
        else:
            _reply({"error": f"unknown command {line!r}"})
    await close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
