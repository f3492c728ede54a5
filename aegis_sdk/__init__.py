"""aegis_sdk: RPC (request/reply, MessagePack) and JetStream events for services over NATS."""

from .application.service import Service
from .domain.errors import (
    AegisError,
    AuthenticationError,
    BusConnectionError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PublishError,
    RemoteError,
    RPCTimeoutError,
    SerializationError,
    ServiceOverloadedError,
    ServiceUnavailableError,
    ValidationError,
)
from .domain.models import Event, RPCRequest, RPCResponse
from .infrastructure.events.stream import STREAM_NAME
from .infrastructure.nats_adapter import NATSAdapter

__version__ = "0.1.0"

__all__ = [
    "STREAM_NAME",
    "AegisError",
    "AuthenticationError",
    "BusConnectionError",
    "Event",
    "NATSAdapter",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PublishError",
    "RPCRequest",
    "RPCResponse",
    "RPCTimeoutError",
    "RemoteError",
    "SerializationError",
    "Service",
    "ServiceOverloadedError",
    "ServiceUnavailableError",
    "ValidationError",
]
