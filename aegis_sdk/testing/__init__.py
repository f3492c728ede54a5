"""Test utilities: an embedded nats-server with JetStream, a local cluster of them, and TLS
certificates."""

from .nats_cluster import NatsCluster
from .nats_server import NatsServer, NatsServerError, find_binary, free_port
from .tls import Certificates, make_certificates

__all__ = [
    "Certificates",
    "NatsCluster",
    "NatsServer",
    "NatsServerError",
    "find_binary",
    "free_port",
    "make_certificates",
]
