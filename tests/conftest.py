import os
import uuid

import pytest

from aegis_sdk import NATSAdapter
from aegis_sdk.testing import NatsServer


@pytest.fixture(scope="session")
def nats_url():
    """An external server from AEGIS_NATS_URL, or an embedded one for the session."""
    external = os.environ.get("AEGIS_NATS_URL")
    if external:
        yield external
        return
    with NatsServer() as server:
        yield server.url


@pytest.fixture
async def bus(nats_url):
    adapter = NATSAdapter()
    await adapter.connect(nats_url)
    yield adapter
    await adapter.disconnect()


@pytest.fixture
def unique():
    """A fresh name token, so tests sharing one server never see each other's traffic."""
    return f"t{uuid.uuid4().hex[:10]}"
