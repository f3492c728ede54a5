"""asv treats lower as better for every metric: a drop in requests/s or events/s must read
as a regression in ``asv compare``. The real benchmark methods turn rates into values and
real asv compares them."""

import pytest

from benchmarks.events import EventThroughput
from benchmarks.rpc import RPCLatency, RPCThroughput

from .asv_project import MACHINE, Project, benchmark

BENCHMARKS = [
    benchmark("rpc.RPCThroughput.track_us_per_request", "us/request", ["pool_size"], [["1", "3"]]),
    benchmark(
        "events.EventThroughput.track_us_per_event",
        "us/event",
        ["mode"],
        [["'serial'", "'concurrent'", "'batch'"]],
    ),
    benchmark(
        "rpc.RPCLatency.track_p99", "ms", ["serializer", "payload"], [["'msgpack'"], ["'small'"]]
    ),
]
MODES = ("serial", "concurrent", "batch")


def values(rpc_rate, event_rate, p99_ms):
    rpc = {"rate": {"sdk/1": rpc_rate, "sdk/3": rpc_rate}}
    events = {"rate": dict.fromkeys(MODES, event_rate)}
    latency = {"latency": {"msgpack/small": {"p99": p99_ms}}}
    return {
        "rpc.RPCThroughput.track_us_per_request": [
            RPCThroughput().track_us_per_request(rpc, p) for p in (1, 3)
        ],
        "events.EventThroughput.track_us_per_event": [
            EventThroughput().track_us_per_event(events, m) for m in MODES
        ],
        "rpc.RPCLatency.track_p99": [RPCLatency().track_p99(latency, "msgpack", "small")],
    }


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path, BENCHMARKS)


def compare(project, base, head):
    return project.asv("compare", "--factor", "1.05", "--machine", MACHINE, "--split", base, head)


def section(output, heading):
    """asv compare --split prints 'Benchmarks that have got worse:' and similar sections."""
    return next((p for p in output.split("Benchmarks that have ") if p.startswith(heading)), "")


def test_throughput_drop_reads_as_regression(project):
    base, head = project.commit("base"), project.commit("head")
    project.save(base, values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.0))
    # 20% fewer requests/s and events/s; latency unchanged
    project.save(head, values(rpc_rate=8_000, event_rate=16_000, p99_ms=1.0))
    output = compare(project, base, head)
    worse = section(output, "got worse")
    assert "track_us_per_request" in worse, output
    assert "track_us_per_event" in worse, output
    assert "track_p99" not in worse, output


def test_throughput_rise_reads_as_improvement(project):
    base, head = project.commit("base"), project.commit("head")
    project.save(base, values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.0))
    project.save(head, values(rpc_rate=12_000, event_rate=24_000, p99_ms=1.3))
    output = compare(project, base, head)
    assert "track_us_per_request" in section(output, "improved"), output
    assert "track_us_per_event" in section(output, "improved"), output
    assert "track_p99" in section(output, "got worse"), output
