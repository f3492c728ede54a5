"""Before a run against ``AEGIS_NATS_URL``: can the suite reach that server, log in and use
JetStream? It connects the way the benchmarks do (the SDK's NATSAdapter and raw nats-py,
credentials from the environment) and, when something fails, prints one line saying what
and what to check, and exits with status 2, in seconds. Without ``AEGIS_NATS_URL`` the
suite starts its own server: nothing to check.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import urllib.parse

from benchmarks.support.connections import (
    CONNECT_TIMEOUT,
    close_quietly,
    connect_options,
    raw_connect,
    redact,
)
from benchmarks.support.server_facts import cluster_size, jetstream_facts, server_info, shape

GREETING_TIMEOUT = 2.0  # seconds for TCP connect, and again for the INFO line
CREDENTIALS = "AEGIS_NATS_USER and AEGIS_NATS_PASSWORD, AEGIS_NATS_TOKEN or AEGIS_NATS_CREDS"
UP = "check AEGIS_NATS_URL and that the server (or the port-forward to it) is running"


class Failed(Exception):
    """What failed and what to check, in one line without credentials."""


def _greeting_problem(server: str) -> str | None:
    """Why ``server`` does not greet like NATS, or None when it does."""
    parts = urllib.parse.urlsplit(server if "//" in server else f"nats://{server}")
    if parts.scheme not in ("nats", "tls"):
        return None  # websocket URLs: left to the clients below
    host, port = parts.hostname or "127.0.0.1", parts.port or 4222
    try:
        sock = socket.create_connection((host, port), GREETING_TIMEOUT)
    except ConnectionRefusedError:
        return "nothing listens there (connection refused)"
    except TimeoutError:
        return f"no answer within {GREETING_TIMEOUT:g} s"
    except OSError as exc:
        return exc.strerror or str(exc)
    with sock:
        sock.settimeout(GREETING_TIMEOUT)
        try:
            line = sock.makefile("rb").readline()
        except OSError:  # a timeout included
            return (
                f"it accepted the connection but sent no NATS greeting within "
                f"{GREETING_TIMEOUT:g} s (a port-forward whose pod is gone? not a NATS port?)"
            )
    if not line:
        return "it closed the connection without a NATS greeting"
    if not line.startswith(b"INFO "):
        return "it answered, but not as a NATS server"
    return None


def reach(url: str) -> None:
    """At least one server of ``url`` greets with NATS INFO (without logging in)."""
    servers = [s.strip() for s in url.split(",") if s.strip()]
    problems = [_greeting_problem(s) for s in servers]
    if any(p is None for p in problems):
        return
    raise Failed(f"cannot reach NATS at {redact(url)}: {problems[0]}; {UP}")


async def log_in(url: str) -> dict:
    """Connect as the benchmarks do, both ways, and read JetStream's facts."""
    from aegis_sdk import AuthenticationError, BusConnectionError, NATSAdapter

    servers = [s.strip() for s in url.split(",") if s.strip()]
    server = servers if len(servers) > 1 else url  # a cluster's nodes go as a list
    bus = NATSAdapter(pool_size=1)
    try:
        await bus.connect(server, initial_connect_timeout=CONNECT_TIMEOUT, **connect_options())
    except AuthenticationError as exc:
        hint = "" if "TLS" in str(exc) else f" (the suite reads them from {CREDENTIALS})"
        raise Failed(f"{exc}{hint}") from None
    except BusConnectionError as exc:
        raise Failed(f"the SDK {exc}; {UP}") from None
    try:
        try:
            nc = await raw_connect(server)
        except ConnectionError as exc:
            raise Failed(f"{exc}; check {CREDENTIALS}") from None
        try:
            facts = await jetstream_facts(nc)
        finally:
            await close_quietly(nc.close, 1)
    finally:
        await close_quietly(bus.disconnect, 1)
    if not facts["jetstream"]:
        raise Failed(
            f"JetStream is not enabled for this account at {redact(url)}; the event "
            "benchmarks need it: start nats-server with -js, or enable JetStream for the account"
        )
    return facts


def check(url: str) -> str:
    """One line on what the suite will measure against; Failed if it cannot."""
    reach(url)
    facts = asyncio.run(log_in(url))
    info = server_info(url)
    note = {**facts, "cluster": info.get("cluster", ""), "cluster_size": cluster_size(info)}
    return (
        f"{redact(url)}: nats-server {info.get('version', '(version unknown)')}, "
        f"JetStream on, {shape(note)}"
    )


def preflight(url: str | None = None) -> int:
    """Check ``url`` (default: ``AEGIS_NATS_URL``) and say so in one line on stderr: 0, or 2
    when the suite could not run there. Without a URL there is nothing to check."""
    url = url or os.environ.get("AEGIS_NATS_URL")
    if not url:
        return 0
    try:
        print(f"preflight: {check(url)}", file=sys.stderr)
    except Failed as exc:
        print(f"preflight: {exc}", file=sys.stderr)
        return 2
    return 0
