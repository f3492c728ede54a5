"""Test utilities: an embedded nats-server with JetStream, a local cluster of them, and TLS
certificates.

Loaded on first use, so that ``python -m aegis_sdk.testing.nats_server`` (or
``.nats_cluster``) runs its module once, not a second copy imported by this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "Certificates": "tls",
    "NatsCluster": "nats_cluster",
    "NatsServer": "nats_server",
    "NatsServerError": "nats_server",
    "find_binary": "nats_server",
    "free_port": "nats_server",
    "make_certificates": "tls",
}

__all__ = [
    "Certificates",
    "NatsCluster",
    "NatsServer",
    "NatsServerError",
    "find_binary",
    "free_port",
    "make_certificates",
]

if TYPE_CHECKING:
    from .nats_cluster import NatsCluster
    from .nats_server import NatsServer, NatsServerError, find_binary, free_port
    from .tls import Certificates, make_certificates


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
