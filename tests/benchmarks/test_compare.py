"""``./dev compare A B``: asv's comparison with the report's noise-aware verdicts, as a
Markdown table, on results written with asv's own API."""

from tools.commands import compare

from .asv_project import MACHINE, Project
from .test_metric_direction import BENCHMARKS, values


def test_verdicts_weigh_each_change_against_its_noise(tmp_path, monkeypatch):
    project = Project(tmp_path, BENCHMARKS)
    base, head = project.commit("base"), project.commit("head")
    project.save(base, values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.0))
    # 30% fewer requests/s (noise 1.1x): worse; p99 1.5x (noise 2.5x): within noise
    project.save(head, values(rpc_rate=7_000, event_rate=20_000, p99_ms=1.5))
    monkeypatch.setattr(
        compare,
        "noise_spread",
        lambda: {
            "rpc.RPCThroughput.track_time_per_request [1]": 1.1,
            "rpc.RPCLatency.track_p99 [msgpack, small]": 2.5,
        },
    )
    table = compare.render(base, head, MACHINE, "3.11", root=tmp_path / "results")
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells
    throughput = rows["rpc.RPCThroughput.track_time_per_request [1]"]
    assert throughput[2].startswith("7,000 requests/s") and throughput[4] == "worse"
    p99 = rows["rpc.RPCLatency.track_p99 [msgpack, small]"]
    assert p99[2] == "1.5 ms" and p99[4] == "within noise"
    assert rows["events.EventThroughput.track_time_per_event [batch]"][4] == "same"
    assert "2 worse" in table  # pool sizes 1 and 3
    only = compare.render(base, head, MACHINE, "3.11", only_changed=True, root=tmp_path / "results")
    assert "track_p99" not in only and "track_time_per_request [1]" in only
