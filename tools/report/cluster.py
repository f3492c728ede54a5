"""The report's comparison of a 3-node cluster (events stream at 3 replicas) with one server
(1 replica), both measured on the same commit: from the results that ``./dev bench
--cluster`` records under ``<machine>-cluster3`` and those of ``<machine>`` itself."""

from __future__ import annotations

from benchmarks.support.machine import cluster_machine
from benchmarks.support.server_notes import read_note

from .. import markdown
from ..asv_results import Result, load
from ..presentation import fmt_value, rate
from ..server_summary import summary
from .results import Results

# What the section compares: (title, benchmark, parameters). The one place to follow a
# benchmark's rename.
COMPARED: list[tuple[str, str, tuple[str, ...]]] = [
    ("RPC p50, serial", "rpc.RPCLatency.track_p50", ("msgpack", "small")),
    ("RPC p99, serial", "rpc.RPCLatency.track_p99", ("msgpack", "small")),
    ("RPC throughput, 100 in flight", "rpc.RPCThroughput.track_time_per_request", ("1",)),
    ("publish p50 (one publish_event, ack awaited)", "events.EventPublishLatency.track_p50", ()),
    ("publish p99", "events.EventPublishLatency.track_p99", ()),
    ("events/s, one at a time", "events.EventThroughput.track_time_per_event", ("serial",)),
    ("events/s, 100 in flight", "events.EventThroughput.track_time_per_event", ("concurrent",)),
    ("events/s, publish_events", "events.EventThroughput.track_time_per_event", ("batch",)),
    ("delivery end-to-end p50", "delivery.EventDelivery.track_e2e_p50", ()),
    ("delivery end-to-end p99", "delivery.EventDelivery.track_e2e_p99", ()),
    ("backlog drained by a subscriber, events/s", "delivery.EventDrain.track_time_per_event", ()),
    ("events lost by the subscriber", "delivery.EventDelivery.track_lost_events", ()),
]


def _shown(result: Result) -> float | None:
    """The quantity a reader compares: the rate for throughput, else the value."""
    return rate(result) if rate(result) is not None else result.value


def _ratio(cluster: Result | None, single: Result | None) -> str:
    if cluster is None or single is None:
        return "n/a"
    c, s = _shown(cluster), _shown(single)
    if c is None or s is None:
        return "n/a"
    if s == 0:
        return "same" if c == 0 else "n/a"
    return f"{c / s:.2f}x"


def comparison_rows(cluster: list[Result], single: list[Result]) -> list[list[str]]:
    by_cluster, by_single = Results(cluster), Results(single)
    rows = []
    for title, name, params in COMPARED:
        c, s = by_cluster.get(name, *params), by_single.get(name, *params)
        rows.append(
            [
                title,
                fmt_value(s) if s else "n/a",
                fmt_value(c) if c else "n/a",
                _ratio(c, s),
            ]
        )
    return rows


def cluster_section(commit: str, machine: str, python: str) -> list[str]:
    title = "## 3-node cluster, R3 vs one server, R1"
    other = cluster_machine(machine)
    cluster = load(other, commit, python=python)
    if not cluster:
        return [
            title,
            "",
            f"No results of machine `{other}` for `{commit[:8]}` with Python {python}: run "
            "`./dev bench --cluster` on this commit.",
        ]
    return [
        title,
        "",
        f"The same suite on the same commit and Python, run by `./dev bench --cluster` "
        f"(machine `{other}`: {summary(read_note(other, commit))}) and "
        f"by `./dev bench` (machine `{machine}`: "
        f"{summary(read_note(machine, commit))}). The cluster's three "
        "nodes run on this machine with everything else, routed on loopback; clients and "
        "services are given all three and each connection picks one at random, so a request "
        "may cross a route. The ratio is cluster / one server of the figure shown (for "
        "throughput, of the rate).",
        "",
        markdown.table(
            ["", "one server, R1", "3-node cluster, R3", "cluster / one server"],
            comparison_rows(cluster, load(machine, commit, python=python)),
        ),
    ]
