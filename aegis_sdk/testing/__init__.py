"""Test utilities: an embedded nats-server with JetStream, and TLS certificates for it."""

from .nats_server import NatsServer, NatsServerError, find_binary, free_port
from .tls import Certificates, make_certificates

__all__ = [
    "Certificates",
    "NatsServer",
    "NatsServerError",
    "find_binary",
    "free_port",
    "make_certificates",
]
