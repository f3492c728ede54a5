"""Typed errors of the SDK: every one a subclass of ``AegisError``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class AegisError(Exception):
    """Base of every error the SDK raises."""


class ValidationError(AegisError, ValueError):
    """A name, argument or message field is invalid; the message says which and why."""


class SerializationError(AegisError):
    """A message could not be encoded or decoded."""


class RPCTimeoutError(AegisError, TimeoutError):
    """No reply arrived before the call's deadline."""

    def __init__(self, target: str, method: str, timeout: float) -> None:
        super().__init__(f"RPC {target}.{method} got no reply within {timeout:g} s")
        self.target = target
        self.method = method
        self.timeout = timeout


class ServiceUnavailableError(AegisError):
    """Nobody listens on the subject: the call failed at once, without waiting."""

    def __init__(self, target: str, method: str) -> None:
        super().__init__(f"no instance of service {target!r} serves method {method!r}")
        self.target = target
        self.method = method


class RemoteError(AegisError):
    """The remote handler failed; carries the remote error's type and message."""

    def __init__(self, error_type: str, message: str, target: str = "", method: str = "") -> None:
        where = f"{target}.{method}: " if target else ""
        super().__init__(f"{where}{error_type}: {message}")
        self.error_type = error_type
        self.remote_message = message
        self.target = target
        self.method = method


class BusConnectionError(AegisError, ConnectionError):
    """Not connected, or the connection to NATS failed."""


class PublishError(AegisError):
    """JetStream did not acknowledge an event.

    ``unacknowledged`` lists the events without an ack (for a batch, possibly several):
    each may or may not be stored, and publishing it again (same ``message_id``) is safe.
    """

    def __init__(self, message: str, unacknowledged: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.unacknowledged = list(unacknowledged)


class AuthenticationError(BusConnectionError):
    """NATS refused this client: wrong or missing credentials, or a failed TLS handshake.

    Raised by ``connect`` at the first refusal: retrying with the same settings cannot help.
    The message never contains the credentials.
    """


class PermissionDeniedError(AegisError, PermissionError):
    """The server's permissions forbid this connection to publish or subscribe there."""

    def __init__(self, operation: str, subject: str, detail: str = "") -> None:
        why = f" ({detail})" if detail else ""
        super().__init__(
            f"NATS denied permission to {operation} on {subject!r} for this connection's "
            f"user{why}; grant it in the server's authorization config"
        )
        self.operation = operation
        self.subject = subject


class PayloadTooLargeError(ValidationError):
    """A message is larger than the server accepts; it was not sent."""

    def __init__(self, what: str, size: int, limit: int) -> None:
        super().__init__(
            f"{what} of {size} bytes exceeds the server's max payload of {limit} bytes; "
            "nothing was sent"
        )
        self.size = size
        self.limit = limit


class ServiceOverloadedError(RemoteError):
    """The service had as many requests running and waiting as its limits allow; it
    refused this one at once. Retrying later (with backoff) is safe."""
