"""Helpers for integration tests: extra buses, plain nats-py clients, started services."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import msgpack
import nats
import pytest

from aegis_sdk import NATSAdapter, Service


@pytest.fixture
async def make_bus(nats_url, connect_options):
    """Connect extra adapters (other pool sizes or serializers); all closed at teardown."""
    made: list[NATSAdapter] = []

    async def make(**kwargs) -> NATSAdapter:
        adapter = NATSAdapter(**kwargs)
        await adapter.connect(nats_url, **connect_options)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        await adapter.disconnect()


@pytest.fixture
async def nc(nats_url, connect_options):
    """A plain nats-py client, as a program not using the SDK would have."""
    client = await nats.connect(nats_url, **connect_options)
    yield client
    await client.close()


@pytest.fixture
async def start(bus, make_bus):
    """Start services; each is stopped at teardown, before the buses disconnect."""
    started: list[Service] = []

    async def run(service: Service) -> Service:
        await service.start()
        started.append(service)
        return service

    yield run
    for service in started:
        await service.stop()


def decode_reply(data: bytes) -> dict:
    """Decode a reply the way a plain client would: JSON if it looks like JSON, else msgpack."""
    if data[:1] == b"{":
        return json.loads(data)
    return msgpack.unpackb(data, raw=False)


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until true; fail the test if it stays false for ``timeout`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)
