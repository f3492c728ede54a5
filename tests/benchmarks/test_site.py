"""The published site in a real browser: asv publish builds it from results over several
commits, the site is made self-contained, and headless Chromium must draw the graphs of
RPC p99 and events/s with their units and the baseline marker."""

import os
import shutil

import pytest

from tools import site_assets, site_check

from .asv_project import Project, git
from .test_metric_direction import BENCHMARKS, values

needs_browser = pytest.mark.skipif(
    not shutil.which("chromium") and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it)",
)


@needs_browser
def test_graphs_render_with_units_and_baseline(tmp_path):
    project = Project(tmp_path, BENCHMARKS)
    commits = [project.commit(f"commit {i}") for i in range(4)]
    git(project.repo, "tag", "perf-baseline", commits[0])
    for i, commit in enumerate(commits):
        project.save(
            commit,
            values(rpc_rate=10_000 - 500 * i, event_rate=20_000 + 300 * i, p99_ms=1.0 + 0.05 * i),
        )
    project.asv("publish")
    html = tmp_path / "html"
    assert site_assets.vendor(html), "the site's libraries could not be fetched with npm"
    shot = tmp_path / "site.png"
    report = site_check.check(
        html,
        site_check.DEFAULT_BENCHMARKS,
        site_check.units_from(html),
        screenshot=shot,
        expect_tag="perf-baseline",
    )
    assert site_check.problems(report, "perf-baseline") == [], report
    assert report["rpc.RPCLatency.track_p99"]["points"] == 4
    assert report["events.EventThroughput.track_us_per_event"]["points"] == 4 * 3
    assert shot.stat().st_size > 10_000
