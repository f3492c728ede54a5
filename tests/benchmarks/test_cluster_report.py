"""The report's cluster comparison: rows from the declared list, rates compared as rates."""

from benchmarks.support.machine import cluster_machine
from tools.asv_results import Result
from tools.report.cluster import COMPARED, cluster_section, comparison_rows

BATCH = "events.EventThroughput.track_time_per_event"


def result(name: str, params: tuple[str, ...], value: float, unit: str) -> Result:
    return Result(name, tuple(f"'{p}'" for p in params), value, unit)


def test_rows_follow_the_declared_list_and_compare_rates_as_rates():
    single = [
        result("rpc.RPCLatency.track_p50", ("msgpack", "small"), 0.0005, "seconds"),
        result(BATCH, ("batch",), 50e-6, "seconds"),
        result("delivery.EventDelivery.track_lost_events", (), 0, "events"),
    ]
    cluster = [
        result("rpc.RPCLatency.track_p50", ("msgpack", "small"), 0.0006, "seconds"),
        result(BATCH, ("batch",), 200e-6, "seconds"),
        result("delivery.EventDelivery.track_lost_events", (), 0, "events"),
    ]
    rows = {row[0]: row for row in comparison_rows(cluster, single)}
    assert list(rows) == [title for title, _, _ in COMPARED]
    assert rows["RPC p50, serial"][1:] == ["500.0 us", "600.0 us", "1.20x"]
    batch = rows["events/s, publish_events"]
    assert batch[1].startswith("20,000 events/s") and batch[2].startswith("5,000 events/s")
    assert batch[3] == "0.25x"  # a quarter of the rate, not 4x the time
    assert rows["events lost by the subscriber"][3] == "same"
    assert rows["publish p99"][1:] == ["n/a", "n/a", "n/a"]


def test_without_cluster_results_the_section_says_how_to_get_them():
    text = "\n".join(cluster_section("0" * 40, "nowhere", "3.13"))
    assert cluster_machine("nowhere") in text
    assert "./dev bench --cluster" in text
