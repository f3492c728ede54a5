"""Typed errors of the SDK: every one a subclass of ``AegisError``."""

from __future__ import annotations


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
    """JetStream did not acknowledge an event."""
