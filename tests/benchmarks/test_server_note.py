"""What a run measured against is noted beside its results, per machine and commit: the
server's version, JetStream, the cluster's size and the events stream's replicas. Checked
on real servers: one, one without JetStream, and a 3-node cluster."""

from __future__ import annotations

import asyncio
import json

import pytest

from aegis_sdk.testing import NatsServer, NatsServerError, free_port
from benchmarks.support.connections import raw_connect
from benchmarks.support.server_facts import EVENTS_STREAM, shape
from benchmarks.support.server_notes import note_path, record_server

COMMIT = "c0ffee" * 6 + "abcd"


@pytest.fixture
def asv_run(tmp_path, monkeypatch):
    """The environment asv gives a benchmark, under machine name m1."""
    monkeypatch.setenv("ASV_COMMIT", COMMIT)
    monkeypatch.setenv("ASV_CONF_DIR", str(tmp_path))
    monkeypatch.setenv("AEGIS_ASV_MACHINE", "m1")
    for name in ("AEGIS_NATS_USER", "AEGIS_NATS_PASSWORD", "AEGIS_NATS_TOKEN", "AEGIS_NATS_CREDS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def note(root, machine="m1") -> dict:
    return json.loads(note_path(root, machine, COMMIT).read_text())


async def add_stream(url: str, replicas: int) -> None:
    nc = await raw_connect(url)
    try:
        await nc.jetstream().add_stream(
            name=EVENTS_STREAM, subjects=["events.>"], num_replicas=replicas
        )
    finally:
        await nc.close()


def test_one_server_with_and_then_without_the_stream(asv_run):
    with NatsServer() as server:
        record_server(server.url, "embedded")
        first = note(asv_run)
        asyncio.run(add_stream(server.url, 1))
        record_server(server.url, "embedded")
        second = note(asv_run)
    assert first["server_version"] == "2.15.1" and first["jetstream"] is True
    assert (first["cluster"], first["cluster_size"], first["stream_replicas"]) == ("", 1, None)
    assert second["stream_replicas"] == 1
    assert shape(second) == "single server, AEGIS_EVENTS at 1 replica(s)"


def test_a_later_area_without_the_stream_keeps_what_an_earlier_one_saw(asv_run):
    with NatsServer() as server:
        asyncio.run(add_stream(server.url, 1))
        record_server(server.url, "embedded")
    with NatsServer() as fresh:  # the next area's own embedded server: no stream yet
        record_server(fresh.url, "embedded")
    assert note(asv_run)["stream_replicas"] == 1


def test_notes_are_kept_per_machine(asv_run, monkeypatch):
    with NatsServer() as server:
        record_server(server.url, "embedded")
        monkeypatch.setenv("AEGIS_ASV_MACHINE", "m2")
        record_server(server.url, "external")
    assert note(asv_run, "m1")["kind"] == "embedded"
    assert note(asv_run, "m2")["kind"] == "external"


def test_a_server_without_jetstream(asv_run):
    with NatsServer(jetstream=False) as server:
        record_server(server.url, "external")
    assert note(asv_run)["jetstream"] is False


def start_cluster(size: int) -> list[NatsServer]:
    """``size`` servers routed to each other. A port picked free may be taken by another
    process before the server binds it (a shared machine): then all start again."""
    for attempt in range(3):
        routes = [free_port() for _ in range(size)]
        route_urls = ",".join(f"nats://127.0.0.1:{p}" for p in routes)
        servers = [
            NatsServer(
                extra_args=(
                    "--cluster_name", "bench",
                    "-cluster", f"nats://127.0.0.1:{port}",
                    "-routes", route_urls,
                )
            )
            for port in routes
        ]  # fmt: skip
        try:
            for server in servers:
                server.start()
            return servers
        except NatsServerError:
            for server in servers:
                server.stop()
            if attempt == 2:
                raise


def test_a_three_node_cluster(asv_run):
    """INFO's connect_urls lists every server of the cluster (itself included); the stream
    info's config says the replicas."""
    servers = start_cluster(3)
    try:
        url = servers[0].url
        for _ in range(100):  # the JetStream meta leader is elected after the routes connect
            try:
                asyncio.run(add_stream(url, 3))
                break
            except Exception:
                asyncio.run(asyncio.sleep(0.2))
        record_server(url, "external")
    finally:
        for server in servers:
            server.stop()
    recorded = note(asv_run)
    assert (recorded["cluster"], recorded["cluster_size"]) == ("bench", 3)
    assert recorded["stream_replicas"] == 3
    assert shape(recorded) == "3-node cluster bench, AEGIS_EVENTS at 3 replica(s)"


def test_a_cluster_given_as_comma_separated_urls(asv_run):
    """AEGIS_NATS_URL for a cluster lists every node: the note logs in through the list."""
    from aegis_sdk.testing import NatsCluster
    from aegis_sdk.testing.nats_cluster import create_events_stream

    with NatsCluster(3) as cluster:
        create_events_stream(cluster.urls, 3)
        record_server(cluster.url, "external")
    recorded = note(asv_run)
    assert (recorded["cluster_size"], recorded["stream_replicas"]) == (3, 3)
    assert "," in recorded["url"]


def test_notes_kept_under_their_old_name_move_to_servers(tmp_path):
    """Earlier runs kept the notes in .asv/targets/: the first look finds them in
    .asv/servers/, and a note already there stays."""
    old, new = tmp_path / ".asv" / "targets", tmp_path / ".asv" / "servers"
    for machine, commit, kind in (("m1", COMMIT, "embedded"), ("m2", COMMIT, "old")):
        (old / machine).mkdir(parents=True)
        (old / machine / f"{commit}.json").write_text(json.dumps({"kind": kind}))
    (new / "m2").mkdir(parents=True)
    (new / "m2" / f"{COMMIT}.json").write_text(json.dumps({"kind": "newer"}))
    assert note(tmp_path, "m1")["kind"] == "embedded"
    assert note(tmp_path, "m2")["kind"] == "newer"
    assert not old.exists()
