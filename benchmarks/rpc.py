"""RPC: round-trip latency, throughput, queue-group sharing and CPU cost per call.

The service under test runs in its own process (``support/peer_process.py``), as in production. Each
``setup_cache`` measures a whole group once per commit (asv hands its result to every
``track_`` method of the classes that share it); the ``track_`` methods only report.
Times are in seconds (asv prints them as ``571us``); throughput is reported as seconds per
request (1 / requests per second) so that, as for every asv metric, lower is better and a
drop in requests/s is a regression. Ratios are rounded to 3 significant digits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib

from .support import load_generators as loads
from .support.connections import raw_client, sdk_bus
from .support.measuring import Timer, quiesce
from .support.peers import peers
from .support.percentiles import latency_summary, median, significant
from .support.run_sizes import PAYLOADS, QUICK, SETUP_CACHE_TIMEOUT, Sizes, payload_params
from .support.server_under_test import server_under_test

SERIALIZERS = ["msgpack", "json"]
PAYLOAD_NAMES = list(PAYLOADS)
HEADLINE = ("msgpack", "small")
SERVICE = "bench-rpc"


# -- serial round trips ------------------------------------------------------------------


async def _measure_serial(url: str, peer_info: dict) -> dict:
    from aegis_sdk import Service

    results: dict = {"latency": {}, "cpu_client": {}, "cpu_service": {}, "raw": None}
    async with raw_client(url) as raw_nc:
        for serializer in SERIALIZERS:
            async with sdk_bus(url, serializer=serializer) as bus:
                client = Service("bench-client", bus)
                peer = peer_info[serializer]
                for payload in PAYLOAD_NAMES:
                    measured = await _serial_round_trips(client, raw_nc, peer, serializer, payload)
                    key = f"{serializer}/{payload}"
                    results["latency"][key] = latency_summary(measured["sdk"])
                    results["cpu_client"][key] = median(measured["cpu_client"])
                    results["cpu_service"][key] = median(measured["cpu_service"])
                    if measured["raw"]:
                        results["raw"] = latency_summary(measured["raw"])
    return results


async def _serial_round_trips(client, raw_nc, peer, serializer: str, payload: str) -> dict:
    """Rounds of serial calls of one serializer and payload; for the headline pair also raw
    nats-py's, each raw round right before or after an SDK round, in turn."""
    params = payload_params(payload)
    headline = (serializer, payload) == HEADLINE
    sizes = Sizes.pick(rounds=9 if headline else 7, calls=1500 if headline else 500)
    sdk = loads.sdk_rpc_call(client, f"{SERVICE}-{serializer}", "echo", params)
    raw = loads.raw_rpc_call(raw_nc, f"raw.{SERVICE}.echo", params)
    await loads.until_served(sdk)
    await loads.serial_latencies(sdk, sizes.warmup)
    if headline:
        await loads.until_served(raw)
        await loads.serial_latencies(raw, sizes.warmup)
    quiesce()
    rounds: dict = {"sdk": [], "raw": [], "cpu_client": [], "cpu_service": []}
    for r in range(sizes.rounds):
        if headline and r % 2:
            rounds["raw"].append(await loads.serial_latencies(raw, sizes.calls))
        service_cpu0 = peer.cpu_seconds()
        with Timer() as t:
            rounds["sdk"].append(await loads.serial_latencies(sdk, sizes.calls))
        rounds["cpu_service"].append((peer.cpu_seconds() - service_cpu0) / sizes.calls)
        rounds["cpu_client"].append(t.cpu / sizes.calls)
        if headline and not r % 2:
            rounds["raw"].append(await loads.serial_latencies(raw, sizes.calls))
    return rounds


class _SerialRPC:
    """Shared measurement of serial round trips (one ``setup_cache`` for the subclasses)."""

    version = "2"
    timeout = SETUP_CACHE_TIMEOUT

    def setup_cache(self):
        with server_under_test() as url:
            specs = [("raw-rpc", {"name": SERVICE})]
            specs += [("sdk-rpc", {"name": f"{SERVICE}-{s}", "serializer": s}) for s in SERIALIZERS]
            with peers(url, *specs) as started:
                by_serializer = dict(zip(SERIALIZERS, started[1:], strict=True))
                return asyncio.run(_measure_serial(url, by_serializer))

    setup_cache.timeout = SETUP_CACHE_TIMEOUT


class RPCLatency(_SerialRPC):
    """Serial round-trip latency through ``Service.call_rpc`` to a service in another process.

    p50/p95/p99: median over the rounds of each round's percentile; p99.9: over all calls
    of the rounds pooled (9 x 1,500 for msgpack/small, 7 x 500 for the others).
    """

    params = (SERIALIZERS, PAYLOAD_NAMES)
    param_names = ["serializer", "payload"]
    unit = "seconds"

    def track_p50(self, cache, serializer, payload):
        return cache["latency"][f"{serializer}/{payload}"]["p50"]

    def track_p95(self, cache, serializer, payload):
        return cache["latency"][f"{serializer}/{payload}"]["p95"]

    def track_p99(self, cache, serializer, payload):
        return cache["latency"][f"{serializer}/{payload}"]["p99"]

    def track_p99_9(self, cache, serializer, payload):
        return cache["latency"][f"{serializer}/{payload}"]["p99.9"]


class RPCLatencyVsRaw(_SerialRPC):
    """SDK latency (msgpack, small) divided by raw nats-py request/reply in the same run.

    Target: p50 and p99 within 1.15x of raw.
    """

    unit = "ratio SDK/raw"

    def track_p50_ratio(self, cache):
        return significant(cache["latency"]["msgpack/small"]["p50"] / cache["raw"]["p50"])

    def track_p99_ratio(self, cache):
        return significant(cache["latency"]["msgpack/small"]["p99"] / cache["raw"]["p99"])

    def track_raw_p50(self, cache):
        return cache["raw"]["p50"]

    track_raw_p50.unit = "seconds"

    def track_raw_p99(self, cache):
        return cache["raw"]["p99"]

    track_raw_p99.unit = "seconds"


class RPCCPUPerCall(_SerialRPC):
    """CPU time (user + system) per serial call: the client process and the service process
    (seconds of CPU per call)."""

    params = (SERIALIZERS, PAYLOAD_NAMES)
    param_names = ["serializer", "payload"]
    unit = "seconds"

    def track_client(self, cache, serializer, payload):
        return cache["cpu_client"][f"{serializer}/{payload}"]

    def track_service(self, cache, serializer, payload):
        return cache["cpu_service"][f"{serializer}/{payload}"]


# -- many calls in flight ------------------------------------------------------------------

POOL_SIZES = [1, 3]
IN_FLIGHT = 100


async def _measure_concurrent(url: str, service_peer, group_peers) -> dict:
    from aegis_sdk import Service

    params = payload_params("small")
    sizes = Sizes.pick(rounds=9, calls=4000, warmup=1000)
    rates: dict = collections.defaultdict(list)
    calls: dict = {}
    async with contextlib.AsyncExitStack() as clients:
        raw_nc = await clients.enter_async_context(raw_client(url))
        buses = {}
        for pool in POOL_SIZES:
            buses[pool] = await clients.enter_async_context(sdk_bus(url, pool_size=pool))
            client = Service("bench-client", buses[pool])
            calls[f"sdk/{pool}"] = loads.sdk_rpc_call(client, SERVICE, "echo", params)
        calls["raw"] = loads.raw_rpc_call(raw_nc, f"raw.{SERVICE}.echo", params)
        rest_rss = service_peer.rss_bytes()
        for call in calls.values():
            await loads.until_served(call)
            await loads.closed_loop_rate(call, sizes.warmup, IN_FLIGHT)
        quiesce()
        order = list(calls)
        for r in range(sizes.rounds):
            for name in order[r % len(order) :] + order[: r % len(order)]:
                rates[name].append(
                    await loads.closed_loop_rate(calls[name], sizes.calls, IN_FLIGHT)
                )
        results = {
            "rate": {name: median(values) for name, values in rates.items()},
            "rss_rest": rest_rss,
            "rss_peak": service_peer.peak_rss_bytes(),
        }
        client = Service("bench-client", buses[1])
        results["group_shares"] = await _queue_group_shares(client, group_peers)
    return results


async def _queue_group_shares(client, group_peers) -> list[int]:
    """Calls answered by each of three instances of one service, in a queue group."""
    whoami_calls = 300 if QUICK else 3000
    counts = collections.Counter()

    async def whoami():
        counts[await client.call_rpc(f"{SERVICE}-group", "whoami", {})] += 1

    await loads.until_served(whoami)
    counts.clear()
    await loads.closed_loop_rate(whoami, whoami_calls, 10)
    shares = [counts.get(p.info["instance"], 0) for p in group_peers]
    if sum(shares) != whoami_calls:
        raise RuntimeError(f"queue group answered {sum(shares)} of {whoami_calls} calls")
    return shares


class _ConcurrentRPC:
    version = "2"

    def setup_cache(self):
        with server_under_test() as url:
            specs = [("sdk-rpc", {"name": SERVICE}), ("raw-rpc", {"name": SERVICE})]
            specs += [("sdk-rpc", {"name": f"{SERVICE}-group"})] * 3
            with peers(url, *specs) as started:
                return asyncio.run(_measure_concurrent(url, started[0], started[2:]))

    setup_cache.timeout = SETUP_CACHE_TIMEOUT


class RPCThroughput(_ConcurrentRPC):
    """Maximum throughput: 100 calls in flight through ``Service.call_rpc``, median of 9 rounds.

    Reported as seconds per request = 1 / (requests per second): lower is better.
    """

    params = POOL_SIZES
    param_names = ["pool_size"]

    def track_time_per_request(self, cache, pool_size):
        return 1 / cache["rate"][f"sdk/{pool_size}"]

    track_time_per_request.unit = "seconds"

    def track_raw_over_sdk_rate(self, cache, pool_size):
        """raw nats-py requests/s divided by the SDK's: <= 1 means the SDK is at least as fast."""
        return significant(cache["rate"]["raw"] / cache["rate"][f"sdk/{pool_size}"])

    track_raw_over_sdk_rate.unit = "ratio raw/SDK rate"


class RPCQueueGroup(_ConcurrentRPC):
    """How evenly 3 instances of one service share calls: busiest / fair share (1.0 = even)."""

    unit = "ratio max/fair share"

    def track_busiest_over_fair_share(self, cache):
        shares = cache["group_shares"]
        return significant(max(shares) / (sum(shares) / len(shares)))


# -- statistics-backed timing for asv compare --------------------------------------------


class RPCRoundTrip:
    """One serial call per sample through ``Service.call_rpc`` (asv samples and tests these)."""

    version = "1"
    params = ["sdk", "raw"]
    param_names = ["client"]
    warmup_time = 0.5

    def setup(self, client):
        self._stack = contextlib.ExitStack()
        url = self._stack.enter_context(server_under_test())
        mode = "sdk-rpc" if client == "sdk" else "raw-rpc"
        self._stack.enter_context(peers(url, (mode, {"name": SERVICE})))
        self.loop = asyncio.new_event_loop()
        self._clients = contextlib.AsyncExitStack()
        self.call = self.loop.run_until_complete(self._connect(url, client))
        self.loop.run_until_complete(loads.until_served(self.call))
        for _ in range(200):
            self.loop.run_until_complete(self.call())
        quiesce()

    async def _connect(self, url, client):
        from aegis_sdk import Service

        params = payload_params("small")
        if client == "raw":
            nc = await self._clients.enter_async_context(raw_client(url))
            return loads.raw_rpc_call(nc, f"raw.{SERVICE}.echo", params)
        bus = await self._clients.enter_async_context(sdk_bus(url))
        return loads.sdk_rpc_call(Service("bench-client", bus), SERVICE, "echo", params)

    def teardown(self, client):
        try:
            self.loop.run_until_complete(self._clients.aclose())
            self.loop.close()
        finally:
            self._stack.close()

    def time_call(self, client):
        self.loop.run_until_complete(self.call())
