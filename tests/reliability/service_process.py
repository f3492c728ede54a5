"""A service in a process of its own: ``service_process.py URL OPTIONS_JSON``.

Methods: ``work`` (sleeps ``params["s"]`` seconds, async), ``ping``. Prints one JSON line
when serving, then answers stdin commands, one per line: ``mem`` (resident MB), ``stats``
(requests handled); EOF stops it. It dies with its parent (Linux parent-death signal).
"""

from __future__ import annotations

import asyncio
import json
import sys

import psutil

from aegis_sdk import NATSAdapter, Service


async def main(url: str, options: dict) -> None:
    bus = NATSAdapter()
    await bus.connect(url)
    service = Service(
        options["name"],
        bus,
        max_concurrency=options.get("max_concurrency", 100),
        max_pending=options.get("max_pending", 1000),
    )
    handled = {"work": 0, "ping": 0}

    @service.rpc("work")
    async def work(params):
        await asyncio.sleep(params.get("s", 0))
        handled["work"] += 1
        return "done"

    @service.rpc("ping")
    def ping(params):
        handled["ping"] += 1
        return "pong"

    await service.start()
    process = psutil.Process()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    say({"ready": True, "pid": process.pid})
    while line := (await reader.readline()).strip():
        if line == b"mem":
            say({"rss_mb": process.memory_info().rss / 2**20})
        elif line == b"stats":
            say(dict(handled))
    await service.stop()
    await bus.disconnect()


def say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
