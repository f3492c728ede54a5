"""Small helpers of the report and the tables."""

import socket

from benchmarks.support.machine import machine_name
from tools.report.recommendations import distance


def test_a_missed_target_reads_in_percent_when_close_and_as_a_factor_when_far():
    assert distance(1.03) == "3% away"
    assert distance(1.4) == "40% away"
    assert distance(2.61) == "2.6x away"


def test_results_are_read_under_the_name_dev_records_them(monkeypatch):
    monkeypatch.delenv("AEGIS_ASV_MACHINE", raising=False)
    assert machine_name() == socket.gethostname()
    monkeypatch.setenv("AEGIS_ASV_MACHINE", "ci-runner")
    assert machine_name() == "ci-runner"


def test_the_cpu_split_measures_both_sides_against_a_real_server():
    from tools.commands.cpu_split import markdown, measure

    summary = measure(rounds=2, calls=300)
    for side in ("sdk", "raw"):
        figures = summary[side]
        assert figures["rate"] > 0
        assert figures["client"] > 0 and figures["service"] > 0 and figures["server"] > 0
        assert figures["total"] == figures["client"] + figures["service"] + figures["server"]
    assert summary["raw_over_sdk"][1] <= summary["raw_over_sdk"][0] <= summary["raw_over_sdk"][2]
    table = markdown(summary)
    assert table.count("\n| sdk |") == 1 and "raw/SDK rate" in table
