"""What a NATS server is: its version and cluster from the INFO greeting, whether this
account may use JetStream, and the replicas of the SDK's events stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import urllib.parse

from .connections import close_quietly, raw_connect, redact

EVENTS_STREAM = "AEGIS_EVENTS"  # the SDK's stream
SHAPE = ("kind", "server_version", "jetstream", "cluster_size", "stream_replicas")


def server_info(url: str, timeout: float = 2.0) -> dict:
    """The server's INFO greeting (version, name, cluster, JetStream), without logging in;
    {} when the first server of ``url`` sends none."""
    first = urllib.parse.urlsplit(url.split(",")[0])
    try:
        with socket.create_connection((first.hostname, first.port or 4222), timeout) as s:
            s.settimeout(timeout)
            line = s.makefile("rb").readline()
        return json.loads(line[5:]) if line.startswith(b"INFO ") else {}
    except (OSError, ValueError):
        return {}


def cluster_size(info: dict) -> int | None:
    """Servers in the cluster, from INFO: every server advertises its peers' client URLs
    (``connect_urls``, itself included). None when a cluster does not advertise them."""
    if not info.get("cluster"):
        return 1 if info else None
    return len(info.get("connect_urls") or []) or None


async def jetstream_facts(nc) -> dict:
    """Whether this account may use JetStream, and the replicas of the SDK's events stream
    (None when the stream does not exist yet)."""
    import nats.js.errors

    js = nc.jetstream(timeout=2.0)
    try:
        await js.account_info()
    except Exception:
        return {"jetstream": False, "stream_replicas": None}
    try:
        stream = await js.stream_info(EVENTS_STREAM)
    except nats.js.errors.NotFoundError:
        return {"jetstream": True, "stream_replicas": None}
    return {"jetstream": True, "stream_replicas": stream.config.num_replicas}


async def _logged_in_facts(url: str) -> dict:
    nc = await raw_connect(url)
    try:
        return await jetstream_facts(nc)
    finally:
        await close_quietly(nc.close)


def describe(url: str, kind: str) -> dict:
    """What the server at ``url`` is, without credentials: version, JetStream, cluster shape."""
    info = server_info(url)
    facts: dict = {"jetstream": bool(info.get("jetstream")), "stream_replicas": None}
    with contextlib.suppress(Exception):  # a note must never fail the benchmark it notes
        facts = asyncio.run(_logged_in_facts(url))
    return {
        "kind": kind,
        "url": redact(url),
        "server_version": info.get("version", "unknown"),
        "server_name": info.get("server_name", ""),
        "cluster": info.get("cluster", ""),
        "cluster_size": cluster_size(info),
        **facts,
        "recorded_at": time.time(),
    }


def shape(note: dict) -> str:
    """``3-node cluster demo, events stream at 3 replicas``: the cluster shape of a note."""
    if not note.get("cluster"):
        servers = "single server"
    elif note.get("cluster_size"):
        servers = f"{note['cluster_size']}-node cluster {note['cluster']}"
    else:
        servers = f"cluster {note['cluster']} of unknown size"
    replicas = note.get("stream_replicas")
    stream = f"{EVENTS_STREAM} at {replicas} replica(s)" if replicas else f"no {EVENTS_STREAM}"
    return f"{servers}, {stream}"
