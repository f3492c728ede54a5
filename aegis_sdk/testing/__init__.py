"""Test utilities: an embedded nats-server with JetStream."""

from .nats_server import NatsServer, NatsServerError, find_binary, free_port

__all__ = ["NatsServer", "NatsServerError", "find_binary", "free_port"]
