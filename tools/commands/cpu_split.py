"""Where the CPU of one RPC goes with 100 calls in flight: the client, the service and
nats-server, for the SDK and for raw nats-py, on one embedded server, rounds interleaved.

The clients run in this process, each service in its own (the suite's peer process, modes
``sdk-rpc`` and ``raw-rpc``); the server's CPU is read from outside. Figures are CPU
microseconds per request, medians over the rounds; on 2 cores the three processes share the
machine, so the sum decides how many requests a second the pair reaches.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

import psutil

from benchmarks.support import load_generators as loads
from benchmarks.support.connections import sdk_and_raw
from benchmarks.support.peers import peers
from benchmarks.support.run_sizes import payload_params

from .. import markdown as tables

NAME = "cpu-split"
SYNOPSIS = "[--rounds N] [--calls N]"
SUMMARY = "the CPU of one RPC: client, service and nats-server, SDK against raw nats-py"
SERVICE = "bench-split"
IN_FLIGHT = 100
COLUMNS = ("rate", "client", "service", "server")


def add_arguments(parser):
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20000)


def run(args, extra: list[str]) -> int:
    print(markdown(measure(args.rounds, args.calls)))
    return 0


def measure(rounds: int, calls: int) -> dict:
    from aegis_sdk.testing import NatsServer

    with NatsServer() as nats_server:
        assert nats_server.process is not None
        server = psutil.Process(nats_server.process.pid)
        specs = [("sdk-rpc", {"name": SERVICE}), ("raw-rpc", {"name": SERVICE})]
        with peers(nats_server.url, *specs) as (sdk, raw):
            measured = _measure(nats_server.url, {"sdk": sdk, "raw": raw}, server, rounds, calls)
            return summarize(asyncio.run(measured))


async def _measure(url: str, sides: dict, server: psutil.Process, rounds: int, calls: int) -> dict:
    async with sdk_and_raw(url) as (bus, raw_nc):
        return await _rounds(bus, raw_nc, sides, server, rounds, calls)


async def _rounds(bus, raw_nc, sides: dict, server: psutil.Process, rounds: int, calls: int):
    from aegis_sdk import Service

    params = payload_params("small")
    drive = {
        "sdk": loads.sdk_rpc_call(Service("split-client", bus), SERVICE, "echo", params),
        "raw": loads.raw_rpc_call(raw_nc, f"raw.{SERVICE}.echo", params),
    }
    for call in drive.values():
        await loads.until_served(call)
        await loads.closed_loop_rate(call, 2000, IN_FLIGHT)
    samples: dict[str, list[tuple[float, ...]]] = {side: [] for side in drive}
    for r in range(rounds):
        for side in ("sdk", "raw") if r % 2 == 0 else ("raw", "sdk"):
            peer = sides[side]
            service0, server0, client0 = peer.cpu_seconds(), _cpu(server), time.process_time()
            rate = await loads.closed_loop_rate(drive[side], calls, IN_FLIGHT)
            client = time.process_time() - client0
            server_cpu, service = _cpu(server) - server0, peer.cpu_seconds() - service0
            per_call = [seconds / calls * 1e6 for seconds in (client, service, server_cpu)]
            samples[side].append((rate, *per_call))
    return samples


def _cpu(process: psutil.Process) -> float:
    """CPU seconds of ``process``: the scheduler's nanosecond counts of its threads where
    Linux has them (psutil counts clock ticks of 10 ms, too coarse for a short round)."""
    try:
        total = 0
        for thread in os.listdir(f"/proc/{process.pid}/task"):
            with open(f"/proc/{process.pid}/task/{thread}/schedstat") as stats:
                total += int(stats.read().split()[0])
        return total / 1e9
    except OSError:
        times = process.cpu_times()
        return times.user + times.system


def summarize(samples: dict[str, list[tuple[float, ...]]]) -> dict:
    """Medians per side and the raw/SDK rate ratio of each round."""
    out: dict = {}
    for side, rows in samples.items():
        columns = dict(zip(COLUMNS, zip(*rows, strict=True), strict=True))
        figures = {name: statistics.median(values) for name, values in columns.items()}
        figures["rate_range"] = (min(columns["rate"]), max(columns["rate"]))
        figures["total"] = figures["client"] + figures["service"] + figures["server"]
        out[side] = figures
    ratios = [raw[0] / sdk[0] for sdk, raw in zip(samples["sdk"], samples["raw"], strict=True)]
    out["raw_over_sdk"] = (statistics.median(ratios), min(ratios), max(ratios))
    return out


def markdown(summary: dict) -> str:
    rows = []
    for side in ("sdk", "raw"):
        s = summary[side]
        low, high = s["rate_range"]
        rows.append(
            [
                side,
                f"{s['rate']:,.0f} ({low:,.0f}-{high:,.0f})",
                *(f"{s[part]:.1f}" for part in ("client", "service", "server", "total")),
            ]
        )
    header = ["side", "requests/s (min-max)", "client us", "service us", "nats-server us", "sum us"]
    median, low, high = summary["raw_over_sdk"]
    per_round = f"raw/SDK rate, per round: median {median:.3f} ({low:.3f}-{high:.3f})"
    return "\n".join([tables.table(header, rows, aligned=False), "", per_round])
