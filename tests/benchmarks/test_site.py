"""The published site in a real browser: asv publish builds it from results over several
commits, the site is made self-contained, and headless Chromium must draw the graphs of
RPC p99 and events/s with their units and the baseline marker, and follow the site's link
to the latency pictures, which must load."""

import json
import os
import shutil

import pytest

from benchmarks.support import histograms
from benchmarks.support.rate_runs import RateRun, latency_record
from tools.site import assets, browser_check
from tools.site.latency_page import write_page

from .asv_project import Project, benchmark, git
from .test_metric_direction import BENCHMARKS, values

needs_browser = pytest.mark.skipif(
    not shutil.which("chromium") and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it)",
)
OPEN_LOOP = benchmark("open_loop.RPCOpenLoopLatency.track_p99", "seconds", ["rate"], [["1000"]])


def artifact(scale: float) -> dict:
    """What the open-loop benchmarks record, from synthetic latencies."""

    def probe(rate, base):
        samples = [base * scale * (1 + i / 1000) for i in range(2000)]
        h = histograms.histogram(samples)
        return RateRun(rate, rate, 0, {"round_trip": h, "uncorrected": h})

    runs = {1000: [probe(1000, 0.0005)], 5000: [probe(5000, 0.0008)]}
    probes = [probe(12_000, 0.002), probe(15_000, 0.009)]
    return latency_record(runs, probes, "round_trip", 12_000)


@needs_browser
def test_graphs_and_latency_pictures_render(tmp_path):
    project = Project(tmp_path, [*BENCHMARKS, OPEN_LOOP])
    commits = [project.commit(f"commit {i}") for i in range(4)]
    git(project.repo, "tag", "perf-baseline", commits[0])
    for i, commit in enumerate(commits):
        results = values(rpc_rate=10_000 - 500 * i, event_rate=20_000 + 300 * i, p99_ms=1.0)
        results[OPEN_LOOP["name"]] = [0.001 + 0.0001 * i]
        project.save(commit, results)
    project.asv("publish")
    html = tmp_path / "html"
    assert assets.vendor(html), "the site's libraries could not be fetched from the registry"
    records = tmp_path / "latency" / "test-machine"
    records.mkdir(parents=True)
    for i, commit in enumerate(commits[-2:]):
        (records / f"{commit[:8]}-py3.13-open-loop-rpc.json").write_text(
            json.dumps(artifact(1 + i / 10))
        )
    assert write_page(html, "test-machine", records)
    shot = tmp_path / "site.png"
    report = browser_check.check(
        html,
        browser_check.DEFAULT_BENCHMARKS,
        browser_check.units_from(html),
        screenshot=shot,
        expect_tag="perf-baseline",
    )
    assert browser_check.problems(report, "perf-baseline") == [], report
    assert report["open_loop.RPCOpenLoopLatency.track_p99"]["points"] == 4
    assert report["events.EventThroughput.track_time_per_event"]["points"] == 4 * 3
    assert shot.stat().st_size > 10_000
    pictures = browser_check.check_pictures(html)
    assert pictures["page"].endswith("/latency/index.html")
    assert len(pictures["images"]) == 4  # two commits, two pictures each
    assert browser_check.picture_problems(pictures) == []
