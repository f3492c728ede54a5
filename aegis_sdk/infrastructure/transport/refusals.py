"""A first connect that the server (or TLS) refused, told apart from one that failed for
a reason that may pass (a server that is down or slow), and what to tell the user.

nats-py reports both to the error callback and, with unlimited reconnect attempts, tries
again either way; ``Link`` stops at a refusal (``Refused``) and says what to check.
"""

from __future__ import annotations

import ssl
from typing import Any

import nats.errors

_REFUSAL_TEXTS = ("authorization violation", "authentication", "tls required", "secure connection")


def is_refusal(exc: BaseException, server_info: dict[str, Any] | None = None) -> bool:
    """The server (or TLS) refused us: trying again with the same settings cannot help.

    A server that verifies client certificates (``tls_verify`` in its INFO) hangs up on a
    client without an acceptable one right after the TLS handshake; with TLS 1.3 the client
    may see that as a broken pipe or a reset instead of the certificate alert, depending
    on which comes first."""
    if isinstance(exc, nats.errors.AuthorizationError | ssl.SSLError):
        return True
    if isinstance(exc, BrokenPipeError | ConnectionResetError):
        return bool(server_info and server_info.get("tls_verify"))
    text = str(exc).lower()
    return any(t in text for t in _REFUSAL_TEXTS)


class Refused(Exception):
    """Raised from the error callback to end nats-py's connect loop at a refusal."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def refusal_message(where: str, cause: BaseException, described: str) -> str:
    """Which refusal it was and what to check; ``described`` is ``cause`` as text without
    credentials."""
    if isinstance(cause, BrokenPipeError | ConnectionResetError):
        return (
            f"NATS at {where} verifies client certificates and hung up right after the "
            f"TLS handshake ({described}); check the tls= context: its client "
            "certificate and the CA the server trusts"
        )
    if isinstance(cause, ssl.SSLError):
        return (
            f"TLS handshake with NATS at {where} failed ({described}); "
            "check the tls= context: the CA that signed the server, the client certificate"
        )
    return (
        f"NATS at {where} refused the connection ({described}); check the "
        "credentials: user/password, token or credentials file"
    )
