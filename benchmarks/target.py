"""The server a run measures: credentials from the environment, a bounded raw nats-py
connect, what the server is (version, JetStream, cluster, events stream), and the note of
it kept beside asv's results.

peer.py, run as a script, imports this file as ``target``: so no relative imports here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import time
import urllib.parse
from pathlib import Path

CONNECT_TIMEOUT = 5.0  # seconds for a first connect to succeed or fail
EVENTS_STREAM = "AEGIS_EVENTS"  # the SDK's stream
ENVIRONMENT = {
    "AEGIS_NATS_USER": "user",
    "AEGIS_NATS_PASSWORD": "password",
    "AEGIS_NATS_TOKEN": "token",
    "AEGIS_NATS_CREDS": "user_credentials",
}


def connect_options() -> dict[str, str]:
    """Credentials for an external target, from the environment; never stored in results."""
    return {key: os.environ[env] for env, key in ENVIRONMENT.items() if os.environ.get(env)}


def redact(text: str) -> str:
    """``text`` without ``user:password@`` in URLs and without the environment's secrets."""
    text = re.sub(r"//[^/@\s]*@", "//", text)
    for env in ("AEGIS_NATS_PASSWORD", "AEGIS_NATS_TOKEN"):
        if os.environ.get(env):
            text = text.replace(os.environ[env], "***")
    return text


class _FirstConnectFailed(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


async def raw_connect(servers: str | list[str], timeout: float = CONNECT_TIMEOUT, **options):
    """A nats-py connection to ``servers`` (a URL, or a cluster's URLs) with the
    environment's credentials.

    nats-py retries a failed *first* connect forever (wrong password or nobody listening
    alike); here it ends with a ConnectionError saying why once every server has failed
    once, and so does ``timeout``. Once connected, reconnecting is nats-py's as usual.
    ``options`` go to ``connect`` as well.
    """
    from nats.aio.client import Client

    if isinstance(servers, str):  # AEGIS_NATS_URL's form: one URL, or a cluster's, comma-separated
        servers = servers.split(",")
    pool = [server.strip() for server in servers if server.strip()]
    nc = Client()
    connecting = True
    failures: list[BaseException] = []

    async def on_error(exc: Exception) -> None:
        if connecting:
            failures.append(exc)
            if len(failures) >= len(pool):
                raise _FirstConnectFailed(exc)  # out of nats-py's connect loop

    where = redact(",".join(pool))
    try:
        await asyncio.wait_for(
            nc.connect(
                pool,
                error_cb=on_error,
                connect_timeout=min(2.0, timeout),
                **connect_options(),
                **options,
            ),
            timeout,
        )
    except _FirstConnectFailed as failed:
        await _abandon(nc)
        cause = failed.cause
        reason = redact(f"{type(cause).__name__}: {cause}".rstrip(": "))
        raise ConnectionError(f"nats-py cannot connect to {where}: {reason}") from None
    except TimeoutError:
        await _abandon(nc)
        raise ConnectionError(f"nats-py cannot connect to {where} within {timeout:g} s") from None
    connecting = False
    return nc


async def _abandon(nc) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.close(), 0.5)


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
        await _abandon(nc)


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


SHAPE = ("kind", "server_version", "jetstream", "cluster_size", "stream_replicas")


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


def note_path(conf_dir: Path, machine: str, commit: str) -> Path:
    return conf_dir / ".asv" / "targets" / machine / f"{commit}.json"


def record_target(url: str, kind: str) -> None:
    """Note which server a run measured, beside asv's results (never credentials), under the
    machine name ./dev records results under (AEGIS_ASV_MACHINE, else the host name)."""
    commit, conf_dir = os.environ.get("ASV_COMMIT"), os.environ.get("ASV_CONF_DIR")
    if not commit or not conf_dir:
        return
    machine = os.environ.get("AEGIS_ASV_MACHINE") or socket.gethostname()
    path = note_path(Path(conf_dir), machine, commit)
    note = describe(url, kind)
    with contextlib.suppress(OSError, ValueError):
        earlier = json.loads(path.read_text())
        same_server = all(earlier.get(k) == note[k] for k in SHAPE if k != "stream_replicas")
        if note["stream_replicas"] is None and same_server:
            # an area whose server never had the stream: keep what another area saw
            note["stream_replicas"] = earlier.get("stream_replicas")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(note, indent=1))
