"""Pure helpers of the cluster behaviour: which publish errors are retried, and which
servers a connection moves to when its server enters lame duck mode."""

from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from aegis_sdk.infrastructure.events.publisher import retryable
from aegis_sdk.infrastructure.transport.lame_duck import other_servers


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (
            {"code": 503, "err_code": 10008, "description": "JetStream temporarily unavailable"},
            True,
        ),
        (
            {"code": 409, "err_code": 10158, "description": "duplicate message id is in process"},
            True,
        ),
        ({"code": 400, "err_code": 10060, "description": "expected stream does not match"}, False),
        ({"code": 500, "description": "something else"}, False),
        ({}, False),
    ],
)
def test_retryable_publish_errors(error, retry):
    assert retryable(error) is retry


def leaving(url: str, discovered: list[str]):
    return SimpleNamespace(
        connected_url=urlparse(url), discovered_servers=[urlparse(u) for u in discovered]
    )


def test_moves_to_the_other_given_and_discovered_servers():
    link = SimpleNamespace(servers=["nats://u:p@10.0.0.1:4222", "nats://10.0.0.2:4222"])
    nc = leaving("nats://u:p@10.0.0.1:4222", ["nats://10.0.0.2:4222", "nats://10.0.0.3:4222"])
    assert other_servers(link, nc) == ["nats://10.0.0.2:4222", "nats://10.0.0.3:4222"]


def test_behind_one_address_it_tries_that_address_again():
    link = SimpleNamespace(servers=["nats://nats.default.svc:4222"])
    nc = leaving("nats://nats.default.svc:4222", [])
    assert other_servers(link, nc) == ["nats://nats.default.svc:4222"]


def test_default_port_counts_as_the_same_server():
    link = SimpleNamespace(servers=["nats://a", "nats://b:4222"])
    nc = leaving("nats://a:4222", [])
    assert other_servers(link, nc) == ["nats://b:4222"]
