import os
import uuid

import pytest

from aegis_sdk import NATSAdapter
from aegis_sdk.testing import NatsServer


@pytest.fixture(scope="session")
def nats_url():
    """An external server from AEGIS_NATS_URL (comma-separated for a cluster's nodes), or an
    embedded one for the session."""
    external = os.environ.get("AEGIS_NATS_URL")
    if external:
        servers = [url.strip() for url in external.split(",") if url.strip()]
        yield servers if len(servers) > 1 else external
        return
    with NatsServer() as server:
        yield server.url


@pytest.fixture(scope="session")
def connect_options():
    """Credentials for an external server, from the variables the benchmarks read."""
    names = {
        "AEGIS_NATS_USER": "user",
        "AEGIS_NATS_PASSWORD": "password",
        "AEGIS_NATS_TOKEN": "token",
        "AEGIS_NATS_CREDS": "user_credentials",
    }
    return {key: os.environ[env] for env, key in names.items() if os.environ.get(env)}


@pytest.fixture
async def bus(nats_url, connect_options):
    adapter = NATSAdapter()
    await adapter.connect(nats_url, **connect_options)
    yield adapter
    await adapter.disconnect()


@pytest.fixture
def unique():
    """A fresh name token, so tests sharing one server never see each other's traffic."""
    return f"t{uuid.uuid4().hex[:10]}"
