"""Connecting to the server under test: credentials from the environment (never stored),
a raw nats-py connect that fails fast, and the SDK's and raw nats-py's clients as context
managers that close what they opened."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator

CONNECT_TIMEOUT = 5.0  # seconds for a first connect to succeed or fail
ENVIRONMENT = {
    "AEGIS_NATS_USER": "user",
    "AEGIS_NATS_PASSWORD": "password",
    "AEGIS_NATS_TOKEN": "token",
    "AEGIS_NATS_CREDS": "user_credentials",
}


def connect_options() -> dict[str, str]:
    """Credentials for an external server, from the environment; never stored in results."""
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
        await close_quietly(nc.close)
        cause = failed.cause
        reason = redact(f"{type(cause).__name__}: {cause}".rstrip(": "))
        raise ConnectionError(f"nats-py cannot connect to {where}: {reason}") from None
    except TimeoutError:
        await close_quietly(nc.close)
        raise ConnectionError(f"nats-py cannot connect to {where} within {timeout:g} s") from None
    connecting = False
    return nc


async def close_quietly(close, timeout: float = 0.5) -> None:
    """Close a connection, whatever state it is in, within ``timeout`` seconds."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(close(), timeout)


@contextlib.asynccontextmanager
async def raw_client(servers: str | list[str], **options) -> AsyncIterator:
    """A raw nats-py connection (``raw_connect``), closed on exit."""
    nc = await raw_connect(servers, **options)
    try:
        yield nc
    finally:
        await nc.close()


@contextlib.asynccontextmanager
async def sdk_bus(servers: str | list[str], **adapter_options) -> AsyncIterator:
    """An SDK ``NATSAdapter`` connected with the environment's credentials, disconnected on
    exit; ``adapter_options`` go to ``NATSAdapter`` (``pool_size``, ``serializer``)."""
    from aegis_sdk import NATSAdapter

    bus = NATSAdapter(**adapter_options)
    await bus.connect(servers, **connect_options())
    try:
        yield bus
    finally:
        await bus.disconnect()


@contextlib.asynccontextmanager
async def sdk_and_raw(servers: str | list[str], **adapter_options) -> AsyncIterator[tuple]:
    """Both clients a comparison needs on one server: (SDK bus, raw nats-py connection)."""
    async with sdk_bus(servers, **adapter_options) as bus, raw_client(servers) as nc:
        yield bus, nc
