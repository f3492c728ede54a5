"""Run a local NATS cluster for tests and benchmarks: ``size`` nats-server nodes on loopback,
joined by routes, JetStream on every node with a store of its own.

Each node is a ``NatsServer`` (the binary of this Python environment, dies with its parent,
stale stores swept at the next start) with a stable name, so that it rejoins as the same
JetStream peer when restarted. A node can be stopped gracefully (lame duck mode, as in a
rolling upgrade), SIGKILLed, started again with or without its store; the leader of a stream
is looked up through the nodes' monitoring endpoints.

    with NatsCluster(3) as cluster:
        await bus.connect(cluster.urls)
        leader = cluster.stream_leader("AEGIS_EVENTS")
        cluster.kill(leader)
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import secrets
import shutil
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .nats_server import PINNED_VERSION, NatsServer, NatsServerError, free_port

ACCOUNT = "$G"  # the account of a server without accounts configured


class NatsCluster:
    """``size`` routed nats-server nodes with JetStream. Use as a context manager or call
    start()/stop(); nodes are addressed by index (0 .. size-1).

    ``lame_duck_duration`` and ``lame_duck_grace_period`` (seconds) shape a graceful stop:
    the node waits the grace period after telling its clients, then closes the connections
    left, spread over the rest of the duration but at most a second apart (nats-server
    defaults: 120 s and 10 s; the duration cannot be below 30 s).
    ``config`` adds nats-server settings to every node (a dict, merged into its JSON config).
    """

    def __init__(
        self,
        size: int = 3,
        *,
        lame_duck_duration: float = 30.0,
        lame_duck_grace_period: float = 2.0,
        config: dict | None = None,
        binary: Path | None = None,
    ) -> None:
        if size < 1:
            raise ValueError(f"a cluster needs at least one node, got size={size}")
        if not 0 < lame_duck_grace_period < lame_duck_duration:
            raise ValueError("lame_duck_grace_period must be positive and below the duration")
        self.name = f"aegis-{secrets.token_hex(4)}"
        self._settings = {
            "lame_duck_duration": f"{lame_duck_duration:g}s",
            "lame_duck_grace_period": f"{lame_duck_grace_period:g}s",
            **(config or {}),
        }
        self._binary = binary
        self._size = size
        self.nodes: list[NatsServer] = []
        self._plan()

    def _plan(self) -> None:
        """Ports for every node (client, route, monitoring) and the nodes on them."""
        self.route_ports = [free_port() for _ in range(self._size)]
        self.monitor_ports = [free_port() for _ in range(self._size)]
        routes = [f"nats://127.0.0.1:{port}" for port in self.route_ports]
        self.nodes = []
        for i in range(self._size):
            node_config = {
                "cluster": {
                    "name": self.name,
                    "listen": f"127.0.0.1:{self.route_ports[i]}",
                    "routes": [r for j, r in enumerate(routes) if j != i],
                },
                "http": f"127.0.0.1:{self.monitor_ports[i]}",
                **self._settings,
            }
            self.nodes.append(
                NatsServer(
                    name=self.node_name(i), config=json.dumps(node_config), binary=self._binary
                )
            )

    def node_name(self, index: int) -> str:
        return f"{self.name}-n{index}"

    def index_of(self, server_name: str) -> int:
        for i in range(len(self.nodes)):
            if self.node_name(i) == server_name:
                return i
        raise KeyError(f"{server_name!r} is not a node of cluster {self.name}")

    @property
    def urls(self) -> list[str]:
        """Every node's client URL: what ``NATSAdapter.connect`` and ``nats.connect`` take."""
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """The client URLs comma-separated (the form of ``AEGIS_NATS_URL``, nats CLI, nats.go)."""
        return ",".join(self.urls)

    def __enter__(self) -> NatsCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- whole cluster ---------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> NatsCluster:
        """Start every node and wait until each reports JetStream healthy.

        A port found free may be taken by another process before a node binds it (the node
        then exits): the cluster is planned on fresh ports and started again, twice at most.
        """
        attempts = 0
        while True:
            attempts += 1
            try:
                for node in self.nodes:
                    node.start(timeout)
                self.wait_healthy(timeout=timeout)
                return self
            except NatsServerError:
                self.stop()
                if attempts == 3:
                    raise
                self._plan()
            except BaseException:
                self.stop()
                raise

    def stop(self) -> None:
        """Stop every node and remove its store."""
        for node in self.nodes:
            node.stop()

    def wait_healthy(self, indexes: list[int] | None = None, timeout: float = 30.0) -> float:
        """Wait until the nodes (default: all running ones) answer ``/healthz`` with ok:
        JetStream's meta group has a leader and every replica they hold is current.
        Returns the seconds it took."""
        began = time.monotonic()
        wanted = [i for i in (indexes or range(len(self.nodes))) if self.running(i)]
        for i in wanted:
            while not self.healthy(i):
                if time.monotonic() - began > timeout:
                    raise NatsServerError(
                        f"node {i} of cluster {self.name} is not healthy after {timeout:g} s:\n"
                        f"{self.nodes[i].log_tail()}"
                    )
                time.sleep(0.05)
        return time.monotonic() - began

    # -- one node ----------------------------------------------------------------------------

    def running(self, index: int) -> bool:
        process = self.nodes[index].process
        return process is not None and process.poll() is None

    def kill(self, index: int) -> None:
        """SIGKILL one node, keeping its port and store."""
        self.nodes[index].kill()

    def lame_duck(self, index: int, timeout: float = 60.0) -> None:
        """Stop one node gracefully (lame duck mode, what ``nats-server --signal ldm`` and a
        Kubernetes rolling upgrade do); returns when it has exited. Keeps port and store."""
        self.nodes[index].lame_duck(timeout)

    def start_node(self, index: int, timeout: float = 30.0, *, wait_healthy: bool = True) -> None:
        """Start a stopped node on its port and store; by default wait until it caught up."""
        self.nodes[index].start(timeout)
        if wait_healthy:
            self.wait_healthy([index], timeout)

    def wipe_store(self, index: int) -> None:
        """Delete a stopped node's JetStream store (a lost volume, a replaced machine)."""
        if self.running(index):
            raise NatsServerError(f"node {index} is running; stop or kill it first")
        store = self.nodes[index].store_dir
        if store is not None:
            shutil.rmtree(store / "jetstream", ignore_errors=True)

    # -- monitoring --------------------------------------------------------------------------

    def monitor(self, index: int, path: str) -> dict:
        """A node's monitoring endpoint as JSON, e.g. ``monitor(0, "jsz?streams=true")``."""
        url = f"http://127.0.0.1:{self.monitor_ports[index]}/{path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:  # /healthz answers 503 with a JSON body
            return json.loads(exc.read() or b"{}")

    def healthy(self, index: int) -> bool:
        if not self.running(index):
            return False
        with contextlib.suppress(OSError, ValueError):
            return self.monitor(index, "healthz").get("status") == "ok"
        return False

    def stream_leader(self, stream: str, account: str = ACCOUNT) -> int | None:
        """The index of the node that leads ``stream`` now, or None while it has no leader.

        A node counts as leader only by its own word: a follower may still name a leader
        that is dead."""
        return self._leader(lambda i: self.stream_detail(i, stream, account))

    def consumer_leader(self, stream: str, consumer: str, account: str = ACCOUNT) -> int | None:
        """The index of the node that leads a consumer (it has a Raft group of its own)."""

        def detail(i: int) -> dict:
            consumers = self.stream_detail(i, stream, account, consumers=True)
            named = [c for c in consumers.get("consumer_detail") or [] if c["name"] == consumer]
            return named[0] if named else {}

        return self._leader(detail)

    def _leader(self, detail_on: Callable[[int], dict]) -> int | None:
        for i in range(len(self.nodes)):
            if not self.running(i):
                continue
            with contextlib.suppress(OSError, ValueError):
                if (detail_on(i).get("cluster") or {}).get("leader") == self.node_name(i):
                    return i
        return None

    def stream_detail(
        self, index: int, stream: str, account: str = ACCOUNT, *, consumers: bool = False
    ) -> dict:
        """What one node holds of ``stream`` (its replica's ``state``: messages, first and
        last sequence, ...; its view of the ``cluster``; with ``consumers``, theirs in
        ``consumer_detail``), or {} when it holds none."""
        what = "consumers=true" if consumers else "streams=true"
        jsz = self.monitor(index, f"jsz?acc={urllib.parse.quote(account)}&{what}")
        for details in jsz.get("account_details") or []:
            for detail in details.get("stream_detail") or []:
                if detail.get("name") == stream:
                    return detail
        return {}


def create_events_stream(servers: list[str], replicas: int) -> None:
    """Create the SDK's events stream (``AEGIS_EVENTS``) with ``replicas`` replicas. An SDK
    uses an existing stream as it is, so every SDK version then publishes to this one."""
    import asyncio

    import nats

    from ..infrastructure.events.stream import stream_config

    async def create() -> None:
        nc = await nats.connect(servers)
        try:
            await nc.jetstream().add_stream(stream_config(replicas))
        finally:
            await nc.close()

    asyncio.run(create())


def main(argv: list[str] | None = None) -> None:
    """``python -m aegis_sdk.testing.nats_cluster [SIZE] [--events-replicas N]``: run a
    cluster until Ctrl-C or SIGTERM, then remove it."""
    import argparse

    parser = argparse.ArgumentParser(description="Run a local NATS cluster until Ctrl-C.")
    parser.add_argument("size", nargs="?", type=int, default=3)
    parser.add_argument(
        "--events-replicas",
        type=int,
        default=0,
        help="create the SDK's events stream with this many replicas before reporting ready",
    )
    args = parser.parse_args(argv)
    if sys.platform.startswith("linux"):  # a SIGTERM, handled below, when our parent dies
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    with NatsCluster(args.size) as cluster:
        if args.events_replicas:
            create_events_stream(cluster.urls, args.events_replicas)
        # see nats_server.main: block the signals only now, so that the nodes do not inherit
        # the mask, and wait for them so that the stores are removed on the way out
        signals = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)
        stream = f", stream AEGIS_EVENTS R{args.events_replicas}" if args.events_replicas else ""
        print(
            f"nats-server {PINNED_VERSION} cluster of {args.size} with JetStream{stream} "
            f"at {cluster.url}",
            flush=True,
        )
        reported: set[int] = set()
        while signal.sigtimedwait(signals, 1.0) is None:
            for i in range(len(cluster.nodes)):
                if not cluster.running(i) and i not in reported:  # say why, then go on
                    reported.add(i)
                    print(f"node {i} exited:\n{cluster.nodes[i].log_tail()}", flush=True)


if __name__ == "__main__":
    main()
