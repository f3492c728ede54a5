"""Open-loop latency: RPC round trips and events end to end, offered at fixed rates, and the
highest rate each path sustains.

Calls start on a fixed schedule (``support.fixed_rate``) whatever the replies do, and latency counts
from each call's intended start, so a stall counts for every call it delays (coordinated
omission corrected, as wrk2 and OpenMessaging Benchmark measure). The rates are declared in
perf.toml (``[workloads.open_loop]``). Each level runs ``rounds`` times, the levels in
rotating order; p50/p90/p99 are the median over the rounds of each round's percentile (one
disturbed round cannot move them), p99.9 is taken over all rounds' samples pooled.

The full percentile spectrum and the search's probes are also written beside the results
(``support.latency_records``) for the latency pictures (``tools/latency_pictures.py``).
"""

from __future__ import annotations

import secrets
import time

from .support import fixed_rate, histograms, load_generators
from .support.connections import sdk_and_raw, sdk_bus
from .support.latency_records import save_latency_record
from .support.measuring import quiesce
from .support.peers import peers
from .support.percentiles import median, significant
from .support.rate_runs import WORKLOAD, RateRun, latency_record, level_summary, run_levels
from .support.rate_search import max_sustainable
from .support.run_sizes import QUICK, SETUP_CACHE_TIMEOUT, payload_params
from .support.server_under_test import server_under_test

SERVICE = "bench-open-loop"
DOMAIN = "benchopenloop"
DELIVERY_WAIT = 15.0


# -- RPC --------------------------------------------------------------------------------------


async def _measure_rpc(url: str) -> dict:
    from aegis_sdk import Service

    async with sdk_and_raw(url) as (bus, raw_nc):
        client = Service("bench-client", bus)
        params = payload_params("small")
        one = load_generators.sdk_rpc_call(client, SERVICE, "echo", params)
        raw = load_generators.raw_rpc_call(raw_nc, f"raw.{SERVICE}.echo", params)

        async def raw_measure(rate: float, seconds: float) -> RateRun:
            outcome = await fixed_rate.run(lambda i, due: raw(), rate, seconds)
            latencies = histograms.histogram(outcome.latencies)
            return RateRun(rate, outcome.achieved, outcome.errors, {"round_trip": latencies})

        async def measure(rate: float, seconds: float) -> RateRun:
            outcome = await fixed_rate.run(lambda i, due: one(), rate, seconds)
            pairs = zip(outcome.latencies, outcome.delays, strict=True)
            sent_late = [latency - delay for latency, delay in pairs]
            return RateRun(
                rate,
                outcome.achieved,
                outcome.errors,
                {
                    "round_trip": histograms.histogram(outcome.latencies),
                    "uncorrected": histograms.histogram(sent_late),
                },
                extra={"send_delay_p99": histograms.at(histograms.histogram(outcome.delays), 99)},
            )

        for call, take in ((one, measure), (raw, raw_measure)):
            await load_generators.until_served(call)
            await take(WORKLOAD.rpc_rates[0], 0.2 if QUICK else 1.0)  # warm-up
        quiesce()
        runs, raw_runs = await run_levels(measure, WORKLOAD.rpc_rates, raw_measure)
        best, probes = await max_sustainable(measure, WORKLOAD.rpc_rates[-1], "round_trip")
    save_latency_record("open-loop-rpc", latency_record(runs, probes, "round_trip", best))
    tail = runs[WORKLOAD.tail_rate]
    return {
        "levels": {rate: level_summary(level, "round_trip") for rate, level in runs.items()},
        "raw_tail": level_summary(raw_runs, "round_trip"),
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
        with server_under_test() as url, peers(url, *specs):
            loop = fixed_rate.precise_loop()
            try:
                return loop.run_until_complete(_measure_rpc(url))
            finally:
                loop.close()

    setup_cache.timeout = SETUP_CACHE_TIMEOUT


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
        return significant(cache["tail_vs_raw"])

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


async def _measure_events(url: str, peer) -> dict:
    from aegis_sdk import Service

    async with sdk_bus(url) as bus:
        publisher = Service("bench-publisher", bus)
        data = payload_params("small")["data"][:-20]
        wall0, perf0 = time.time(), time.perf_counter()

        def publish(i: int, due: float):
            # the subscriber measures from the intended send time that the payload carries
            payload = {"data": data, "due": wall0 + (due - perf0)}
            return publisher.publish_event(DOMAIN, "open", payload)

        async def measure(rate: float, seconds: float) -> RateRun:
            peer.command("reset")
            outcome = await fixed_rate.run(publish, rate, seconds)
            stats = await peer.wait_delivered(outcome.completed, DELIVERY_WAIT, poll=0.02)
            return RateRun(
                rate,
                outcome.achieved,
                outcome.errors,
                {
                    "end_to_end": histograms.histogram(stats["latencies"]),
                    "acknowledged": histograms.histogram(outcome.latencies),
                },
                lost=outcome.completed - stats["unique"],
            )

        await measure(WORKLOAD.event_rates[0], 0.2 if QUICK else 1.0)  # warm-up
        quiesce()
        runs, _ = await run_levels(measure, WORKLOAD.event_rates)
        best, probes = await max_sustainable(measure, WORKLOAD.event_rates[-1], "end_to_end")
    save_latency_record("open-loop-events", latency_record(runs, probes, "end_to_end", best))
    return {
        "e2e": {rate: level_summary(level, "end_to_end") for rate, level in runs.items()},
        "ack": {rate: level_summary(level, "acknowledged") for rate, level in runs.items()},
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
        with server_under_test() as url, peers(url, spec) as (peer,):
            loop = fixed_rate.precise_loop()
            try:
                return loop.run_until_complete(_measure_events(url, peer))
            finally:
                loop.close()

    setup_cache.timeout = SETUP_CACHE_TIMEOUT


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
