"""The local cluster launcher (aegis_sdk.testing.NatsCluster)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import nats
import pytest

from aegis_sdk import STREAM_NAME
from aegis_sdk.testing import NatsCluster, NatsServer, NatsServerError
from aegis_sdk.testing import nats_server as launcher

from .test_launcher import server_alive, wait_gone

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    with NatsCluster(3) as nodes:
        yield nodes


async def add_stream(servers, name: str, replicas: int = 3) -> None:
    nc = await nats.connect(servers)
    try:
        await nc.jetstream().add_stream(name=name, subjects=[f"{name}.>"], num_replicas=replicas)
    finally:
        await nc.close()


async def publish(servers, subject: str, n: int) -> None:
    nc = await nats.connect(servers)
    try:
        js = nc.jetstream()
        for i in range(n):
            await js.publish(subject, str(i).encode())
    finally:
        await nc.close()


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not within the timeout"
        time.sleep(0.05)


async def test_nodes_are_routed_with_jetstream_and_stores_of_their_own(cluster, unique):
    assert len(set(cluster.urls)) == 3
    assert cluster.url == ",".join(cluster.urls)
    assert len({node.store_dir for node in cluster.nodes}) == 3
    for node in cluster.nodes:
        assert node.store_dir.parent == launcher.STORE_ROOT
    await add_stream(cluster.urls, unique)
    leader = cluster.stream_leader(unique)
    assert leader in range(3)
    for i in range(3):
        detail = cluster.stream_detail(i, unique)
        assert detail["cluster"]["name"] == cluster.name
        assert detail["cluster"]["leader"] == cluster.node_name(leader)
    nc = await nats.connect(cluster.urls)
    try:
        await nc.jetstream().add_consumer(unique, durable_name="d", ack_policy="explicit")
    finally:
        await nc.close()
    assert cluster.consumer_leader(unique, "d") in range(3)
    assert cluster.consumer_leader(unique, "missing") is None
    # a client on one node reaches a stream led by another
    follower = next(i for i in range(3) if i != leader)
    await publish(cluster.urls[follower], f"{unique}.x", 3)
    wait_for(lambda: cluster.stream_detail(follower, unique)["state"]["messages"] == 3)


async def test_a_killed_node_restarts_on_its_store_and_catches_up(cluster, unique):
    await add_stream(cluster.urls, unique)
    node = next(i for i in range(3) if i != cluster.stream_leader(unique))
    pid, store = cluster.nodes[node].process.pid, cluster.nodes[node].store_dir
    cluster.kill(node)
    assert not cluster.running(node) and not server_alive(pid)
    await publish([u for i, u in enumerate(cluster.urls) if i != node], f"{unique}.x", 5)
    cluster.start_node(node)
    assert cluster.running(node) and cluster.healthy(node)
    assert cluster.nodes[node].store_dir == store
    wait_for(lambda: cluster.stream_detail(node, unique)["state"]["messages"] == 5)


async def test_lame_duck_stops_a_node_after_handing_over_its_leadership(cluster, unique):
    await add_stream(cluster.urls, unique)
    leader = cluster.stream_leader(unique)
    cluster.lame_duck(leader)
    assert not cluster.running(leader)
    assert "Entering lame duck mode" in cluster.nodes[leader].log_tail(200)
    new = cluster.stream_leader(unique)  # handed over before it stopped: no election to wait
    assert new is not None and new != leader
    cluster.start_node(leader)
    assert cluster.healthy(leader)


async def test_a_node_back_without_its_store_catches_up(cluster, unique):
    await add_stream(cluster.urls, unique)
    await publish(cluster.urls, f"{unique}.x", 4)
    node = next(i for i in range(3) if i != cluster.stream_leader(unique))
    with pytest.raises(NatsServerError):
        cluster.wipe_store(node)  # running
    cluster.kill(node)
    cluster.wipe_store(node)
    assert not (cluster.nodes[node].store_dir / "jetstream").exists()
    cluster.start_node(node)
    wait_for(lambda: cluster.stream_detail(node, unique).get("state", {}).get("messages") == 4)


def test_a_port_taken_before_a_node_binds_it_is_planned_again(monkeypatch):
    from aegis_sdk.testing import nats_cluster

    with NatsServer() as squatter:
        picks = iter([squatter.port])  # the first route port: already taken
        real = nats_cluster.free_port
        monkeypatch.setattr(nats_cluster, "free_port", lambda: next(picks, None) or real())
        with NatsCluster(2) as cluster:
            assert squatter.port not in cluster.route_ports
            assert all(cluster.healthy(i) for i in range(2))


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        NatsCluster(0)
    with pytest.raises(ValueError):
        NatsCluster(3, lame_duck_duration=30, lame_duck_grace_period=30)


def test_a_server_started_from_a_short_lived_thread_outlives_the_thread():
    # the parent-death signal follows the thread that started the child: asyncio.to_thread
    # and thread pools end their threads, which must not take the server along
    server = NatsServer()
    thread = threading.Thread(target=server.start)
    thread.start()
    thread.join()
    try:
        time.sleep(0.3)
        assert server.process.poll() is None
    finally:
        server.stop()


CHILD = textwrap.dedent(
    """
    import time
    from aegis_sdk.testing import NatsCluster
    cluster = NatsCluster(2).start()
    nodes = cluster.nodes
    print(*(n.process.pid for n in nodes), *(n.store_dir for n in nodes), flush=True)
    time.sleep(120)
    """
)


def test_nodes_die_with_a_sigkilled_parent_and_their_stores_are_swept():
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        fields = child.stdout.readline().split()
        assert len(fields) == 4, fields
        pids, stores = [int(f) for f in fields[:2]], [Path(f) for f in fields[2:]]
        assert all(server_alive(pid) for pid in pids)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    gone = [wait_gone(pid) for pid in pids]
    for pid, dead in zip(pids, gone, strict=True):
        if not dead:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert all(gone), "a node outlived its SIGKILLed parent"
    with NatsServer():  # the next start sweeps what the killed parent left
        assert not any(store.exists() for store in stores)


def test_module_entry_point_runs_a_cluster_with_the_events_stream():
    proc = subprocess.Popen(
        [sys.executable, "-m", "aegis_sdk.testing.nats_cluster", "3", "--events-replicas", "3"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"at (nats://\S+)", line)
        assert match, line

        async def replicas() -> int:
            nc = await nats.connect(match.group(1).split(","))
            try:
                return (await nc.jetstream().stream_info(STREAM_NAME)).config.num_replicas
            finally:
                await nc.close()

        assert asyncio.run(replicas()) == 3
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        proc.stdout.close()
    assert not list(launcher.STORE_ROOT.glob(f"{proc.pid}-*"))
