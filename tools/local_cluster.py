"""The local cluster ``./dev bench --cluster`` measures against: three nats-server nodes on
this machine with the SDK's events stream at three replicas, removed afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aegis_sdk.testing import NatsCluster
from aegis_sdk.testing.nats_cluster import create_events_stream
from benchmarks.support.server_facts import server_info

SIZE = 3
EVENTS_REPLICAS = 3


@contextlib.contextmanager
def local_cluster() -> Iterator[NatsCluster]:
    """The running cluster, stopped and its stores removed on exit (Ctrl-C included)."""
    with NatsCluster(SIZE) as cluster:
        create_events_stream(cluster.urls, EVENTS_REPLICAS)
        version = server_info(cluster.urls[0]).get("version", "(version unknown)")
        print(
            f"nats-server {version} cluster of {SIZE} with JetStream, stream AEGIS_EVENTS "
            f"R{EVENTS_REPLICAS} at {cluster.url}",
            flush=True,
        )
        yield cluster


def exited_nodes(cluster: NatsCluster) -> list[str]:
    """What each node that is no longer running said last."""
    return [
        f"node {i} exited:\n{cluster.nodes[i].log_tail()}"
        for i in range(len(cluster.nodes))
        if not cluster.running(i)
    ]
