"""A peer process, the other side of a benchmark: ``peer_process.py MODE URL OPTIONS_JSON``.

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

Run as a file, it imports ``benchmarks/`` by its path alone, as asv does: the folder above
holds the working tree's aegis_sdk, which must not stand in for the SDK under test.
"""

# ruff: noqa: E402 (run as a file, the package must be found before the imports below)
from __future__ import annotations

import sys

if __name__ == "__main__" and "benchmarks" not in sys.modules:
    import importlib.util
    from pathlib import Path

    _suite = Path(__file__).resolve().parent.parent
    _spec = importlib.util.spec_from_file_location(
        "benchmarks", _suite / "__init__.py", submodule_search_locations=[str(_suite)]
    )
    sys.modules["benchmarks"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["benchmarks"])

import asyncio
import gc
import json
import os
import time

from benchmarks.support.connections import redact
from benchmarks.support.json_lines import reply
from benchmarks.support.loop_choice import run_on
from benchmarks.support.peer_consumers import raw_drain, sdk_drain
from benchmarks.support.peer_flood import flood
from benchmarks.support.peer_services import raw_rpc, sdk_events, sdk_fair, sdk_rpc

MODES = {
    "sdk-rpc": sdk_rpc,
    "raw-rpc": raw_rpc,
    "sdk-events": sdk_events,
    "sdk-drain": sdk_drain,
    "raw-drain": raw_drain,
    "sdk-fair": sdk_fair,
    "flood": flood,
}


def _memory() -> dict:
    import resource

    import psutil

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    peak_bytes = peak if sys.platform == "darwin" else peak * 1024
    return {"rss": psutil.Process().memory_info().rss, "peak": peak_bytes}


async def main(mode: str, url: str, opts: dict) -> None:
    state: dict = {"count": 0}
    try:
        close = await asyncio.wait_for(MODES[mode](url, opts, state), 20)
    except Exception as exc:  # the parent raises this at once, with the reason
        reply({"error": redact(f"{type(exc).__name__}: {exc}")})
        return
    gc.collect()
    gc.freeze()
    reply({"ready": True, "pid": os.getpid(), "instance": state["instance"]})
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if not line:
            break
        if line == "stats":
            reply(
                {
                    "count": state["count"],
                    "unique": len(state.get("seen", ())),
                    "latencies": state.get("latencies", []),
                }
            )
        elif line == "cpu":
            reply({"cpu": time.process_time()})
        elif line == "mem":
            reply(_memory())
        elif line.startswith("drain "):
            reply(await state["drain"].run(int(line.split()[1])))
        elif line.startswith("flood "):
            reply(await state["flood"].run(int(line.split()[1])))
        elif line.startswith("bounce "):
            reply(await state["drain"].bounce(int(line.split()[1])))
        elif line == "reset":
            state["count"] = 0
            state.get("latencies", []).clear()
            state.get("seen", set()).clear()
            reply({"ok": True})
        else:
            reply({"error": f"unknown command {line!r}"})
    await close()


if __name__ == "__main__":
    options = json.loads(sys.argv[3])
    servers = sys.argv[2].split(",") if "," in sys.argv[2] else sys.argv[2]  # a cluster's nodes
    run_on(options.get("loop", "asyncio"), main(sys.argv[1], servers, options))
