"""Results of different Pythons are different records: the tables and the report read one
Python's, the history measures what that Python lacks, and the site draws one line each."""

import json

import pytest

from tools import asv_results, history_selection, pythons

from .asv_project import MACHINE, Project
from .test_metric_direction import BENCHMARKS, values

P99 = "rpc.RPCLatency.track_p99"


@pytest.fixture
def project(tmp_path, monkeypatch):
    project = Project(tmp_path, BENCHMARKS)
    monkeypatch.setattr(asv_results, "results_dir", lambda: tmp_path / "results")
    return project


def p99(results):
    return next(r.value for r in results if r.name == P99)


def test_one_commit_two_pythons_two_records(project):
    commit = project.commit("c")
    project.save(commit, values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.0), python="3.11")
    project.save(commit, values(rpc_rate=12_000, event_rate=24_000, p99_ms=0.8), python="3.13")
    assert p99(asv_results.load(MACHINE, commit, python="3.11")) == pytest.approx(1.0e-3)
    assert p99(asv_results.load(MACHINE, commit, python="3.13")) == pytest.approx(0.8e-3)
    assert asv_results.load(MACHINE, commit, python="3.12") == []
    assert asv_results.pythons_with_results(MACHINE, commit) == {"3.11", "3.13"}
    assert asv_results.commits_with_results(MACHINE, python="3.13") == {commit}
    assert asv_results.commits_with_results(MACHINE, python="3.12") == set()


def test_history_measures_what_this_python_lacks():
    line = ["c3", "c2", "c1", "base", "older"]
    assert history_selection.pending(line, "base", measured={"c2", "base"}) == ["c3", "c1"]
    assert history_selection.pending(line, "base", measured=set()) == line[:4]
    with pytest.raises(LookupError, match="not on the first-parent history"):
        history_selection.pending(line, "elsewhere", measured=set())


def test_reading_prefers_the_record_python_then_this_one(project, monkeypatch):
    monkeypatch.setattr(pythons, "record_python", lambda: "3.13")
    monkeypatch.setattr(pythons, "running", lambda: "3.11")
    commit, other = project.commit("c"), project.commit("d")
    project.save(commit, values(rpc_rate=1, event_rate=1, p99_ms=1.0), python="3.11")
    project.save(other, values(rpc_rate=1, event_rate=1, p99_ms=1.0), python="3.11")
    assert pythons.for_results(MACHINE, commit) == "3.11"
    project.save(commit, values(rpc_rate=1, event_rate=1, p99_ms=1.0), python="3.13")
    assert pythons.for_results(MACHINE, commit) == "3.13"
    assert pythons.for_results(MACHINE, commit, other) == "3.11"  # what both have


def test_reading_names_the_pythons_there_are_when_neither_is_there(project, monkeypatch):
    monkeypatch.setattr(pythons, "record_python", lambda: "3.13")
    monkeypatch.setattr(pythons, "running", lambda: "3.11")
    commit = project.commit("c")
    project.save(commit, values(rpc_rate=1, event_rate=1, p99_ms=1.0), python="3.12")
    with pytest.raises(LookupError, match="there are for 3.12: pick one with --python"):
        pythons.for_results(MACHINE, commit)


def test_the_site_draws_one_line_per_python(project, tmp_path):
    commits = [project.commit(f"c{i}") for i in range(3)]
    for i, commit in enumerate(commits):
        project.save(commit, values(rpc_rate=1, event_rate=1, p99_ms=1.0 + i), python="3.11")
        project.save(commit, values(rpc_rate=1, event_rate=1, p99_ms=0.5 + i), python="3.13")
    project.asv("publish")
    graphs = {
        path.relative_to(tmp_path / "html" / "graphs").parts: json.loads(path.read_text())
        for path in (tmp_path / "html" / "graphs").rglob(f"{P99}.json")
    }
    by_python = {
        next(p for p in parts if p.startswith("python-")): [v[0] for _, v in points]
        for parts, points in graphs.items()
        if "branch-main" in parts
    }
    assert by_python == {
        "python-3.11": pytest.approx([1e-3, 2e-3, 3e-3]),
        "python-3.13": pytest.approx([0.5e-3, 1.5e-3, 2.5e-3]),
    }


def test_history_measures_the_commits_that_change_the_sdk_and_both_ends():
    line = ["head", "docs", "sdk2", "tools", "sdk1", "base"]  # newest first
    assert history_selection.sdk_changes(line, {"sdk1", "sdk2", "older"}) == [
        "head",
        "sdk2",
        "sdk1",
        "base",
    ]
    assert history_selection.sdk_changes(["only"], set()) == ["only"]
