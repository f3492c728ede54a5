"""asv treats lower as better for every metric: a drop in requests/s or events/s must read
as a regression in ``asv compare``, and asv must print times and memory with units. The
real benchmark methods turn measurements into values and real asv compares them."""

import pytest

from benchmarks.events import EventThroughput
from benchmarks.memory import RPCServiceMemory
from benchmarks.rpc import RPCLatency, RPCLatencyVsRaw, RPCThroughput

from .asv_project import MACHINE, Project, benchmark

BENCHMARKS = [
    benchmark("rpc.RPCThroughput.track_time_per_request", "seconds", ["pool_size"], [["1", "3"]]),
    benchmark(
        "events.EventThroughput.track_time_per_event",
        "seconds",
        ["mode"],
        [["'serial'", "'concurrent'", "'batch'"]],
    ),
    benchmark(
        "rpc.RPCLatency.track_p99",
        "seconds",
        ["serializer", "payload"],
        [["'msgpack'"], ["'small'"]],
    ),
    benchmark("rpc.RPCLatencyVsRaw.track_p50_ratio", "ratio SDK/raw"),
    benchmark("memory.RPCServiceMemory.track_peak_rss_under_load", "bytes"),
]
MODES = ("serial", "concurrent", "batch")


def values(rpc_rate, event_rate, p99_ms, p50_ratio=1.123456789, rss=28.7 * 2**20):
    rpc = {"rate": {"sdk/1": rpc_rate, "sdk/3": rpc_rate}}
    events = {"rate": dict.fromkeys(MODES, event_rate)}
    latency = {
        "latency": {"msgpack/small": {"p99": p99_ms / 1e3, "p50": p50_ratio}},
        "raw": {"p50": 1.0},
    }
    return {
        "rpc.RPCThroughput.track_time_per_request": [
            RPCThroughput().track_time_per_request(rpc, p) for p in (1, 3)
        ],
        "events.EventThroughput.track_time_per_event": [
            EventThroughput().track_time_per_event(events, m) for m in MODES
        ],
        "rpc.RPCLatency.track_p99": [RPCLatency().track_p99(latency, "msgpack", "small")],
        "rpc.RPCLatencyVsRaw.track_p50_ratio": [RPCLatencyVsRaw().track_p50_ratio(latency)],
        "memory.RPCServiceMemory.track_peak_rss_under_load": [
            RPCServiceMemory().track_peak_rss_under_load({"rss_peak": rss})
        ],
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
    assert "track_time_per_request" in worse, output
    assert "track_time_per_event" in worse, output
    assert "track_p99" not in worse, output


def test_throughput_rise_reads_as_improvement(project):
    base, head = project.commit("base"), project.commit("head")
    project.save(base, values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.0))
    project.save(head, values(rpc_rate=12_000, event_rate=24_000, p99_ms=1.3))
    output = compare(project, base, head)
    assert "track_time_per_request" in section(output, "improved"), output
    assert "track_time_per_event" in section(output, "improved"), output
    assert "track_p99" in section(output, "got worse"), output


def test_compare_prints_times_memory_and_short_ratios(project):
    base, head = project.commit("base"), project.commit("head")
    project.save(base, values(rpc_rate=10_000, event_rate=20_000, p99_ms=0.571))
    project.save(head, values(rpc_rate=10_000, event_rate=20_000, p99_ms=0.571))
    output = project.asv("compare", "--machine", MACHINE, base, head)
    assert "571\u03bcs" in output, output  # rpc p99, seconds humanised by asv
    assert "100\u03bcs" in output, output  # 1 / 10,000 requests per s
    assert "30.1M" in output, output  # 28.7 MiB in bytes
    assert "1.12" in output and "1.1234" not in output, output  # ratio to 3 digits
