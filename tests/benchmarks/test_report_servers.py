"""The report names the server a commit was measured against, and compares a commit with the
baseline only when both were measured against the same kind of server."""

from __future__ import annotations

import json

import pytest

from benchmarks.support import server_notes
from benchmarks.support.server_notes import note_path
from tools import asv_results, server_summary
from tools.report.document import render

from .asv_project import MACHINE, Project
from .test_metric_direction import BENCHMARKS, values

ONE = {
    "kind": "external",
    "url": "nats://127.0.0.1:4222",
    "server_version": "2.15.1",
    "server_name": "n1",
    "cluster": "",
    "cluster_size": 1,
    "jetstream": True,
    "stream_replicas": 1,
}
CLUSTER = {**ONE, "cluster": "prod", "cluster_size": 3, "stream_replicas": 3}


@pytest.fixture
def commits(tmp_path, monkeypatch):
    """Results of a baseline and a head commit, on Python 3.11."""
    project = Project(tmp_path, BENCHMARKS)
    base, head = project.commit("base"), project.commit("head")
    project.save(base, values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.0))
    project.save(head, values(rpc_rate=10_000, event_rate=20_000, p99_ms=1.02))
    monkeypatch.setattr(asv_results, "results_dir", lambda: tmp_path / "results")
    monkeypatch.setattr(server_notes, "REPO", tmp_path)
    return tmp_path, base, head


def write_note(root, commit: str, note: dict) -> None:
    path = note_path(root, MACHINE, commit)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(note))


def section(text: str, title: str) -> str:
    return text.split(f"## {title}")[1].split("\n## ")[0]


def test_same_server_is_compared(commits):
    root, base, head = commits
    write_note(root, base, ONE)
    write_note(root, head, ONE)
    text = render(head, MACHINE, "local", "3.11", base)
    assert "| rpc.RPCLatency.track_p99 [msgpack, small]" in section(text, "Change against")


def test_another_server_version_or_shape_is_not_compared(commits):
    root, base, head = commits
    write_note(root, base, {**ONE, "server_version": "2.10.4"})
    write_note(root, head, CLUSTER)
    changes = section(render(head, MACHINE, "local", "3.11", base), "Change against")
    assert "Not compared" in changes
    assert "nats-server 2.10.4 -> 2.15.1" in changes
    assert "servers in the cluster 1 -> 3" in changes
    assert "events stream replicas 1 -> 3" in changes
    assert "| rpc.RPCLatency" not in changes


def test_the_environment_names_the_server_and_its_shape(commits):
    root, base, head = commits
    write_note(root, head, CLUSTER)
    environment = section(render(head, MACHINE, "local", "3.11", base), "Test environment")
    assert "| nats-server | 2.15.1" in environment
    assert (
        "external server at nats://127.0.0.1:4222: nats-server 2.15.1, JetStream on, "
        "3-node cluster prod, AEGIS_EVENTS at 3 replica(s)"
    ) in environment
    assert "| Python      | 3.11" in environment


def test_a_fact_only_one_note_has_is_not_held_against_them():
    assert server_summary.differences({**ONE, "stream_replicas": None}, CLUSTER) == [
        "servers in the cluster 1 -> 3"
    ]
    assert server_summary.differences({}, CLUSTER) == []
