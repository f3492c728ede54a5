"""Open-loop latency: RPC round trips and events end to end, offered at fixed rates, and the
highest rate each path sustains.

Calls start on a fixed schedule (``fixed_rate``) whatever the replies do, and latency counts
from each call's intended start, so a stall counts for every call it delays (coordinated
omission corrected, as wrk2 and OpenMessaging Benchmark measure). The rates are declared in
perf.toml (``[workloads.open_loop]``). Each level runs ``rounds`` times, the levels in
rotating order; p50/p90/p99 are the median over the rounds of each round's percentile (one
disturbed round cannot move them), p99.9 is taken over all rounds' samples pooled.

The full percentile spectrum and the search's probes are also written beside the results
(``common.save_artifact``) for the latency pictures (``tools/latency_plots.py``).
"""

from __future__ import annotations

import asyncio
import math
import secrets
import time
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from . import common, fixed_rate, hdr, loads, workloads
from .common import median, nats_target, peers

WORKLOAD = workloads.open_loop()
SERVICE = "bench-open-loop"
DOMAIN = "benchopenloop"
PERCENTILES = {"p50": 50, "p90": 90, "p99": 99}
SEARCH_STEP = 1.25  # rate factor while looking for the edge; then bisection
SEARCH_BISECTIONS = 3
DELIVERY_WAIT = 15.0


@dataclass
class Probe:
    """One run at one offered rate: its histograms (seconds in microsecond buckets)."""

    rate: float
    achieved: float
    errors: int
    histograms: dict[str, HdrHistogram]
    lost: int = 0
    extra: dict = field(default_factory=dict)

    def p(self, name: str, percentile: float) -> float:
        return hdr.at(self.histograms[name], percentile)

    def sustained(self, main: str) -> bool:
        return (
            self.errors == 0
            and self.lost == 0
            and self.achieved >= WORKLOAD.min_achieved * self.rate
            and self.p(main, 99) <= WORKLOAD.p99_limit
        )

    def point(self, main: str) -> dict:
        return {
            "rate": self.rate,
            "achieved": self.achieved,
            "p50": self.p(main, 50),
            "p99": self.p(main, 99),
            "p99.9": self.p(main, 99.9),
            "sustained": self.sustained(main),
        }


def _sizes() -> tuple[int, float, float]:
    """Rounds, seconds per round and seconds per search probe; tiny for smoke runs."""
    if common.QUICK:
        return 1, 0.3, 0.3
    return WORKLOAD.rounds, WORKLOAD.seconds, WORKLOAD.probe_seconds


async def _levels(
    probe, rates: tuple[int, ...], baseline=None
) -> tuple[dict[int, list[Probe]], list[Probe]]:
    """Every level once per round, in rotating order; with a ``baseline`` probe, the tail
    level (``tail_rate``) is run on it too in each round, right before or after, in turn."""
    rounds, seconds, _ = _sizes()
    runs: dict[int, list[Probe]] = {rate: [] for rate in rates}
    base_runs: list[Probe] = []
    order = list(rates)
    for r in range(rounds):
        for rate in order[r % len(order) :] + order[: r % len(order)]:
            sides = [(runs[rate], probe)]
            if baseline is not None and rate == WORKLOAD.tail_rate:
                sides.append((base_runs, baseline))
                sides = sides if r % 2 == 0 else sides[::-1]
            for results, measure in sides:
                with common.steady_gc():
                    results.append(await measure(rate, seconds))
    return runs, base_runs


def _summary(runs: list[Probe], name: str) -> dict[str, float]:
    pooled = hdr.merged(p.histograms[name] for p in runs)
    summary = {key: median([p.p(name, q) for p in runs]) for key, q in PERCENTILES.items()}
    summary["p99.9"] = hdr.at(pooled, 99.9)
    summary["samples"] = pooled.get_total_count()
    summary["achieved_over_offered"] = median([p.achieved / p.rate for p in runs])
    return summary


async def _max_sustainable(probe, start: float, main: str) -> tuple[float, list[Probe]]:
    """The highest offered rate that ``Probe.sustained``: step by SEARCH_STEP until the
    edge is between a passing and a failing rate, then bisect (geometric). NaN when none of
    the ten rates from start down is sustained: asv shows n/a, the levels' figures stay."""
    _, _, seconds = _sizes()
    probes: list[Probe] = []

    async def ok(rate: float) -> bool:
        with common.steady_gc():
            result = await probe(rate, seconds)
        probes.append(result)
        return result.sustained(main)

    if common.QUICK:
        await ok(start)
        return start, probes
    passing, failing = 0.0, math.inf
    rate = start
    for _ in range(10):
        if await ok(rate):
            passing = rate
            if failing < math.inf:
                break
            rate *= SEARCH_STEP
        else:
            failing = rate
            if passing:
                break
            rate /= SEARCH_STEP
    if not passing:  # e.g. a replicated stream whose p99 is over the limit at any rate
        return math.nan, probes
    for _ in range(SEARCH_BISECTIONS):
        middle = math.sqrt(passing * failing)
        if await ok(middle):
            passing = middle
        else:
            failing = middle
    return passing, probes


def _artifact(
    runs: dict[int, list[Probe]], probes: list[Probe], main: str, max_rate: float
) -> dict:
    levels = {}
    for rate, level in runs.items():
        pooled = {
            name: hdr.merged(p.histograms[name] for p in level) for name in level[0].histograms
        }
        levels[str(rate)] = {
            name: {"spectrum": hdr.spectrum(h), "histogram": hdr.encode(h)}
            for name, h in pooled.items()
        }
    points = [p.point(main) for p in probes]
    best = None if math.isnan(max_rate) else max_rate
    return {"main": main, "levels": levels, "probes": points, "max_rate": best}


# -- RPC --------------------------------------------------------------------------------------


async def _measure_rpc(url: str) -> dict:
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter()
    await bus.connect(url, **common.connect_options())
    raw_nc = await common.raw_connect(url)
    client = Service("bench-client", bus)
    params = common.payload_params("small")
    one = loads.sdk_rpc_call(client, SERVICE, "echo", params)
    raw = loads.raw_rpc_call(raw_nc, f"raw.{SERVICE}.echo", params)

    async def raw_probe(rate: float, seconds: float) -> Probe:
        outcome = await fixed_rate.run(lambda i, due: raw(), rate, seconds)
        latencies = hdr.histogram(outcome.latencies)
        return Probe(rate, outcome.achieved, outcome.errors, {"round_trip": latencies})

    async def probe(rate: float, seconds: float) -> Probe:
        outcome = await fixed_rate.run(lambda i, due: one(), rate, seconds)
        pairs = zip(outcome.latencies, outcome.delays, strict=True)
        sent_late = [latency - delay for latency, delay in pairs]
        return Probe(
            rate,
            outcome.achieved,
            outcome.errors,
            {
                "round_trip": hdr.histogram(outcome.latencies),
                "uncorrected": hdr.histogram(sent_late),
            },
            extra={"send_delay_p99": hdr.at(hdr.histogram(outcome.delays), 99)},
        )

    try:
        for call, measure in ((one, probe), (raw, raw_probe)):
            await loads.until_served(call)
            await measure(WORKLOAD.rpc_rates[0], 0.2 if common.QUICK else 1.0)  # warm-up
        common.quiesce()
        runs, raw_runs = await _levels(probe, WORKLOAD.rpc_rates, raw_probe)
        best, probes = await _max_sustainable(probe, WORKLOAD.rpc_rates[-1], "round_trip")
    finally:
        await bus.disconnect()
        await raw_nc.close()
    common.save_artifact("open-loop-rpc", _artifact(runs, probes, "round_trip", best))
    tail = runs[WORKLOAD.tail_rate]
    return {
        "levels": {rate: _summary(level, "round_trip") for rate, level in runs.items()},
        "raw_tail": _summary(raw_runs, "round_trip"),
        "tail_vs_raw": median(
            [
                s.p("round_trip", 99) / r.p("round_trip", 99)
                for s, r in zip(tail, raw_runs, strict=True)
            ]
        ),
        "send_delay_p99": {
            rate: median([p.extra["send_delay_p99"] for p in level]) for rate, level in runs.items()
        },
        "max_rate": best,
    }


class _RPCOpenLoop:
    version = "1"

    def setup_cache(self):
        specs = [("sdk-rpc", {"name": SERVICE}), ("raw-rpc", {"name": SERVICE})]
        with nats_target() as url, peers(url, *specs):
            loop = fixed_rate.precise_loop()
            try:
                return loop.run_until_complete(_measure_rpc(url))
            finally:
                loop.close()

    setup_cache.timeout = common.SETUP_CACHE_TIMEOUT


class RPCOpenLoopLatency(_RPCOpenLoop):
    """RPC round trips through ``Service.call_rpc`` started at a fixed rate (requests per
    second), latency from each call's intended start; the service in its own process."""

    params = list(WORKLOAD.rpc_rates)
    param_names = ["rate"]
    unit = "seconds"

    def track_p50(self, cache, rate):
        return cache["levels"][rate]["p50"]

    def track_p90(self, cache, rate):
        return cache["levels"][rate]["p90"]

    def track_p99(self, cache, rate):
        return cache["levels"][rate]["p99"]

    def track_p99_9(self, cache, rate):
        return cache["levels"][rate]["p99.9"]


class RPCOpenLoopTail(_RPCOpenLoop):
    """The tail at the record's fixed-rate level (``tail_rate``, 5,000 requests/s) against
    raw nats-py request/reply offered the same rate, each round right before or after the
    SDK's: the machine's drift between runs cancels out of the ratio."""

    def track_p99_vs_raw(self, cache):
        """Median over the rounds of SDK p99 / raw p99 of the paired rounds."""
        return common.significant(cache["tail_vs_raw"])

    track_p99_vs_raw.unit = "ratio SDK/raw"

    def track_raw_p99(self, cache):
        return cache["raw_tail"]["p99"]

    track_raw_p99.unit = "seconds"


class RPCMaxSustainable(_RPCOpenLoop):
    """The highest request rate at which the achieved rate stays >= 99% of the offered one
    and the open-loop p99 under the limit in perf.toml; stored as seconds per request
    (1 / rate, lower is better)."""

    unit = "seconds"

    def track_time_per_request(self, cache):
        return 1 / cache["max_rate"]


# -- events -------------------------------------------------------------------------------------


async def _wait_delivered(peer, expected: int) -> dict:
    deadline = time.monotonic() + DELIVERY_WAIT
    while True:
        stats = peer.command("stats")
        if stats["count"] >= expected or time.monotonic() > deadline:
            return stats
        await asyncio.sleep(0.02)


async def _measure_events(url: str, peer) -> dict:
    from aegis_sdk import NATSAdapter, Service

    bus = NATSAdapter()
    await bus.connect(url, **common.connect_options())
    publisher = Service("bench-publisher", bus)
    data = common.payload_params("small")["data"][:-20]
    wall0, perf0 = time.time(), time.perf_counter()

    def publish(i: int, due: float):
        # the subscriber measures from the intended send time that the payload carries
        payload = {"data": data, "due": wall0 + (due - perf0)}
        return publisher.publish_event(DOMAIN, "open", payload)

    async def probe(rate: float, seconds: float) -> Probe:
        peer.command("reset")
        outcome = await fixed_rate.run(publish, rate, seconds)
        stats = await _wait_delivered(peer, outcome.completed)
        return Probe(
            rate,
            outcome.achieved,
            outcome.errors,
            {
                "end_to_end": hdr.histogram(stats["latencies"]),
                "acknowledged": hdr.histogram(outcome.latencies),
            },
            lost=outcome.completed - stats["unique"],
        )

    try:
        await probe(WORKLOAD.event_rates[0], 0.2 if common.QUICK else 1.0)  # warm-up
        common.quiesce()
        runs, _ = await _levels(probe, WORKLOAD.event_rates)
        best, probes = await _max_sustainable(probe, WORKLOAD.event_rates[-1], "end_to_end")
    finally:
        await bus.disconnect()
    common.save_artifact("open-loop-events", _artifact(runs, probes, "end_to_end", best))
    return {
        "e2e": {rate: _summary(level, "end_to_end") for rate, level in runs.items()},
        "ack": {rate: _summary(level, "acknowledged") for rate, level in runs.items()},
        "lost": sum(p.lost for level in runs.values() for p in level),
        "max_rate": best,
    }


class _EventOpenLoop:
    version = "1"

    def setup_cache(self):
        durable = f"bench-open-{secrets.token_hex(4)}"
        spec = (
            "sdk-events",
            {"name": "bench-sub", "pattern": f"events.{DOMAIN}.*", "durable": durable},
        )
        with nats_target() as url, peers(url, spec) as (peer,):
            loop = fixed_rate.precise_loop()
            try:
                return loop.run_until_complete(_measure_events(url, peer))
            finally:
                loop.close()

    setup_cache.timeout = common.SETUP_CACHE_TIMEOUT


class EventOpenLoopLatency(_EventOpenLoop):
    """Events published with ``Service.publish_event`` at a fixed rate (events per second),
    latency from each event's intended publish time to the start of the handler of a
    durable subscriber in another process."""

    params = list(WORKLOAD.event_rates)
    param_names = ["rate"]
    unit = "seconds"

    def track_p50(self, cache, rate):
        return cache["e2e"][rate]["p50"]

    def track_p90(self, cache, rate):
        return cache["e2e"][rate]["p90"]

    def track_p99(self, cache, rate):
        return cache["e2e"][rate]["p99"]

    def track_p99_9(self, cache, rate):
        return cache["e2e"][rate]["p99.9"]


class EventOpenLoopPublish(_EventOpenLoop):
    """The same open-loop runs seen by the publisher: intended publish time to JetStream's
    acknowledgement."""

    params = list(WORKLOAD.event_rates)
    param_names = ["rate"]
    unit = "seconds"

    def track_p50(self, cache, rate):
        return cache["ack"][rate]["p50"]

    def track_p99(self, cache, rate):
        return cache["ack"][rate]["p99"]


class EventMaxSustainable(_EventOpenLoop):
    """The highest event rate at which every event is acknowledged and delivered, the
    achieved rate stays >= 99% of the offered one and end-to-end p99 stays under the limit;
    stored as seconds per event (1 / rate, lower is better)."""

    unit = "seconds"

    def track_time_per_event(self, cache):
        return 1 / cache["max_rate"]

    def track_lost_events(self, cache):
        """Events acknowledged but never delivered during the fixed-rate levels (must be 0)."""
        return cache["lost"]

    track_lost_events.unit = "events"
