"""Servers that require credentials: user/password, token, TLS and mutual TLS with
certificates made for the test. Right credentials work; wrong or missing ones fail fast
with ``AuthenticationError``, never a hang."""

from __future__ import annotations

import json
import time

import pytest

from aegis_sdk import AuthenticationError, BusConnectionError, NATSAdapter, Service
from aegis_sdk.testing import NatsServer, make_certificates

USERS = {"authorization": {"users": [{"user": "alice", "password": "alice-Pw-9431"}]}}
TOKEN = {"authorization": {"token": "tok-Secret-5512"}}
FAST = 3.0  # seconds: an answer, not a hang


@pytest.fixture(scope="module")
def user_server():
    with NatsServer(config=json.dumps(USERS)) as srv:
        yield srv


@pytest.fixture(scope="module")
def token_server():
    with NatsServer(config=json.dumps(TOKEN)) as srv:
        yield srv


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def tls_server(certs):
    with NatsServer(config=json.dumps({"tls": certs.server_tls()})) as srv:
        yield srv


@pytest.fixture(scope="module")
def mtls_server(certs):
    with NatsServer(config=json.dumps({"tls": certs.server_tls(verify_clients=True)})) as srv:
        yield srv


async def works(bus: NATSAdapter, name: str) -> None:
    """RPC and an acknowledged event over ``bus``."""
    svc = Service(name, bus)
    svc.rpc("echo")(lambda params: params)
    await svc.start()
    try:
        assert await svc.call_rpc(name, "echo", {"x": 1}, timeout=2) == {"x": 1}
        await svc.publish_event(name, "checked")
    finally:
        await svc.stop()


async def test_user_password(user_server, unique):
    bus = NATSAdapter(pool_size=2)
    await bus.connect(user_server.url, user="alice", password="alice-Pw-9431")
    try:
        await works(bus, unique)
    finally:
        await bus.disconnect()


async def test_credentials_in_the_url(user_server, unique):
    bus = NATSAdapter()
    await bus.connect(user_server.url.replace("//", "//alice:alice-Pw-9431@"))
    try:
        await works(bus, unique)
    finally:
        await bus.disconnect()


async def test_token(token_server, unique):
    bus = NATSAdapter()
    await bus.connect(token_server.url, token="tok-Secret-5512")
    try:
        await works(bus, unique)
    finally:
        await bus.disconnect()


@pytest.mark.parametrize(
    ("server_name", "url_auth", "options", "secret"),
    [
        ("user_server", "", {"user": "alice", "password": "wrong-Pw-1"}, "wrong-Pw-1"),
        ("user_server", "", {"user": "mallory", "password": "alice-Pw-9431"}, "alice-Pw-9431"),
        ("user_server", "", {}, None),
        ("user_server", "alice:bad-Url-Pw@", {}, "bad-Url-Pw"),
        ("token_server", "", {"token": "tok-Wrong-1"}, "tok-Wrong-1"),
        ("token_server", "", {}, None),
        ("token_server", "tok-Wrong-2@", {}, "tok-Wrong-2"),
    ],
    ids=[
        "wrong password",
        "wrong user",
        "no credentials",
        "wrong password in URL",
        "wrong token",
        "no token",
        "wrong token in URL",
    ],
)
@pytest.mark.parametrize("pool_size", [1, 3])
async def test_wrong_or_missing_credentials_fail_fast(
    request, server_name, url_auth, options, secret, pool_size
):
    server = request.getfixturevalue(server_name)
    url = server.url.replace("//", f"//{url_auth}")
    bus = NATSAdapter(pool_size=pool_size)
    began = time.monotonic()
    with pytest.raises(AuthenticationError) as info:
        await bus.connect(url, **options)
    assert time.monotonic() - began < FAST
    exc = info.value
    assert isinstance(exc, BusConnectionError)  # code catching connection errors sees it
    assert "refused" in str(exc) and "credentials" in str(exc)
    assert str(server.port) in str(exc)
    if secret:
        assert secret not in str(exc) and secret not in repr(exc)
    assert not bus.is_connected


async def test_tls(tls_server, certs, unique):
    bus = NATSAdapter()
    await bus.connect(tls_server.url, tls=certs.client_context())
    try:
        await works(bus, unique)
    finally:
        await bus.disconnect()


async def test_tls_without_trusting_the_server_fails_fast(tls_server):
    began = time.monotonic()
    with pytest.raises(AuthenticationError) as info:
        await NATSAdapter().connect(tls_server.url)  # the system CAs: the test CA is unknown
    assert time.monotonic() - began < FAST
    assert "TLS" in str(info.value) and "certificate verify failed" in str(info.value)


async def test_mutual_tls(mtls_server, certs, unique):
    bus = NATSAdapter()
    await bus.connect(mtls_server.url, tls=certs.client_context(with_client_cert=True))
    try:
        await works(bus, unique)
    finally:
        await bus.disconnect()


async def test_mutual_tls_without_a_client_certificate_fails_fast(mtls_server, certs):
    began = time.monotonic()
    with pytest.raises(AuthenticationError) as info:
        await NATSAdapter().connect(mtls_server.url, tls=certs.client_context())
    assert time.monotonic() - began < FAST
    assert "TLS" in str(info.value)


async def test_unreachable_server_fails_after_the_connect_timeout():
    from aegis_sdk.testing import free_port

    url = f"nats://127.0.0.1:{free_port()}"  # nobody listens there
    began = time.monotonic()
    with pytest.raises(BusConnectionError) as info:
        await NATSAdapter(pool_size=2).connect(url, initial_connect_timeout=1.0)
    took = time.monotonic() - began
    assert 1.0 <= took < FAST
    assert not isinstance(info.value, AuthenticationError)
    assert "within 1 s" in str(info.value) and "ConnectionRefusedError" in str(info.value)
