"""The SDK's events stream on the server under test: created before a raw consumer needs it,
and left without the benchmarks' consumers on a shared server."""

from __future__ import annotations

import contextlib
import os

from .connections import connect_options, raw_client, sdk_bus
from .server_facts import EVENTS_STREAM


async def ensure_events_stream(url, publisher: str, domain: str) -> None:
    """The SDK creates the stream on first use: publish one event as ``publisher``."""
    from aegis_sdk import Service

    async with sdk_bus(url) as bus:
        await Service(publisher, bus).publish_event(domain, "setup", {})


async def forget_consumers(url, durables: list[str]) -> None:
    """On a shared server (``AEGIS_NATS_URL``), leave no consumers behind."""
    if not (connect_options() or os.environ.get("AEGIS_NATS_URL")):
        return
    async with raw_client(url) as nc:
        for durable in durables:
            # already gone, or an older SDK named its stream differently: nothing to clean
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_consumer(EVENTS_STREAM, durable)
