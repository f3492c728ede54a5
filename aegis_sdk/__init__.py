"""aegis_sdk: RPC (request/reply, MessagePack) and JetStream events for services over NATS."""

from .application.service import Service
from .domain.errors import (
    AegisError,
    BusConnectionError,
    PublishError,
    RemoteError,
    RPCTimeoutError,
    SerializationError,
    ServiceUnavailableError,
    ValidationError,
)
from .domain.models import Event, RPCRequest, RPCResponse
from .infrastructure.event_stream import STREAM_NAME
from .infrastructure.nats_adapter import NATSAdapter

__version__ = "0.1.0"

__all__ = [
    "STREAM_NAME",
    "AegisError",
    "BusConnectionError",
    "Event",
    "NATSAdapter",
    "PublishError",
    "RPCRequest",
    "RPCResponse",
    "RPCTimeoutError",
    "RemoteError",
    "SerializationError",
    "Service",
    "ServiceUnavailableError",
    "ValidationError",
]
