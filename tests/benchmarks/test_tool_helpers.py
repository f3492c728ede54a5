"""Small helpers of the report and the tables."""

import socket

from tools.bench_table import default_machine
from tools.report import _distance


def test_a_missed_target_reads_in_percent_when_close_and_as_a_factor_when_far():
    assert _distance(1.03) == "3% away"
    assert _distance(1.4) == "40% away"
    assert _distance(2.61) == "2.6x away"


def test_results_are_read_under_the_name_dev_records_them(monkeypatch):
    monkeypatch.delenv("AEGIS_ASV_MACHINE", raising=False)
    assert default_machine() == socket.gethostname()
    monkeypatch.setenv("AEGIS_ASV_MACHINE", "ci-runner")
    assert default_machine() == "ci-runner"
