"""asv treats lower as better for every metric: a drop in requests/s or events/s must read
as a regression in ``asv compare``. The real benchmark methods turn rates into values and
real asv compares them."""

import datetime
import subprocess
import sys

import pytest
from asv.results import Results
from asv.runner import BenchmarkResult

from benchmarks.events import EventThroughput
from benchmarks.rpc import RPCLatency, RPCThroughput

MACHINE = "direction-test"


def _git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _commit(repo, message):
    _git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message,
    )
    return _git(repo, "rev-parse", "HEAD")


def _benchmark(name, unit, param_names=(), params=()):
    return {
        "name": name,
        "type": "track",
        "unit": unit,
        "param_names": list(param_names),
        "params": [list(p) for p in params],
        "version": "1",
    }


@pytest.fixture
def project(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (tmp_path / "asv.conf.json").write_text(
        '{"version": 1, "project": "p", "repo": "repo", "branches": ["main"],'
        ' "results_dir": "results", "html_dir": "html", "environment_type": "virtualenv"}'
    )
    return tmp_path, repo


def _save(root, commit, benchmarks, values):
    results = Results({"machine": MACHINE}, {}, commit, 0, "3.11", "env", {})
    for bench in benchmarks:
        value = values[bench["name"]]
        results.add_result(
            bench,
            BenchmarkResult(
                result=value,
                samples=[None] * len(value),
                number=[None] * len(value),
                errcode=0,
                stderr="",
                profile=None,
            ),
            started_at=datetime.datetime.now(datetime.UTC),
            duration=1.0,
        )
    results.save(str(root / "results"))


def _compare(root, base, head):
    import json

    (root / "results" / "benchmarks.json").write_text(
        json.dumps({"version": 2, **{b["name"]: b for b in _BENCHMARKS}})
    )
    (root / "results" / MACHINE).mkdir(exist_ok=True)
    (root / "results" / MACHINE / "machine.json").write_text(
        json.dumps({"machine": MACHINE, "version": 1})
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "asv",
            "compare",
            "--factor",
            "1.05",
            "--machine",
            MACHINE,
            "--split",
            base,
            head,
        ],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


_BENCHMARKS = [
    _benchmark(
        "rpc.RPCThroughput.track_us_per_request",
        "us/request (1e6/req/s)",
        ["pool_size"],
        [["1", "3"]],
    ),
    _benchmark(
        "events.EventThroughput.track_us_per_event",
        "us/event (1e6/events/s)",
        ["mode"],
        [["'serial'", "'concurrent'", "'batch'"]],
    ),
    _benchmark(
        "rpc.RPCLatency.track_p99", "ms", ["serializer", "payload"], [["'msgpack'"], ["'small'"]]
    ),
]


def _values(rpc_rate, event_rate, p99_ms):
    rpc = {"rate": {"sdk/1": rpc_rate, "sdk/3": rpc_rate}}
    events = {"rate": {m: event_rate for m in ("serial", "concurrent", "batch")}}
    latency = {"latency": {"msgpack/small": {"p99": p99_ms}}}
    return {
        "rpc.RPCThroughput.track_us_per_request": [
            RPCThroughput().track_us_per_request(rpc, p) for p in (1, 3)
        ],
        "events.EventThroughput.track_us_per_event": [
            EventThroughput().track_us_per_event(events, m)
            for m in ("serial", "concurrent", "batch")
        ],
        "rpc.RPCLatency.track_p99": [RPCLatency().track_p99(latency, "msgpack", "small")],
    }


def _section(output, heading):
    """asv compare --split prints 'Benchmarks that have got worse:' etc. sections."""
    parts = output.split("Benchmarks that have ")
    return next((p for p in parts if p.startswith(heading)), "")


def test_throughput_drop_reads_as_regression(project):
    root, repo = project
    base, head = _commit(repo, "base"), _commit(repo, "head")
    _save(root, base, _BENCHMARKS, _values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.0))
    # 20% fewer requests/s and events/s; latency unchanged
    _save(root, head, _BENCHMARKS, _values(rpc_rate=8_000, event_rate=16_000, p99_ms=1.0))
    output = _compare(root, base, head)
    worse = _section(output, "got worse")
    assert "track_us_per_request" in worse, output
    assert "track_us_per_event" in worse, output
    assert "track_p99" not in worse, output


def test_throughput_rise_reads_as_improvement(project):
    root, repo = project
    base, head = _commit(repo, "base"), _commit(repo, "head")
    _save(root, base, _BENCHMARKS, _values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.0))
    _save(root, head, _BENCHMARKS, _values(rpc_rate=12_000, event_rate=24_000, p99_ms=1.3))
    output = _compare(root, base, head)
    assert "track_us_per_request" in _section(output, "improved"), output
    assert "track_us_per_event" in _section(output, "improved"), output
    assert "track_p99" in _section(output, "got worse"), output
