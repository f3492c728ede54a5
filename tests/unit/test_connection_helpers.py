"""Telling a refusal (stop at once) from trouble worth retrying during the first connect."""

import ssl

import nats.errors
import pytest

from aegis_sdk.infrastructure.transport.refusals import is_refusal


@pytest.mark.parametrize(
    "exc",
    [
        nats.errors.AuthorizationError(),
        nats.errors.Error("nats: 'Authorization Violation'"),
        nats.errors.Error("nats: 'User Authentication Expired'"),
        nats.errors.Error("nats: 'Authentication Timeout'"),
        ssl.SSLCertVerificationError("certificate verify failed"),
        ssl.SSLError("tlsv13 alert certificate required"),
        nats.errors.Error("nats: 'Secure Connection - TLS Required'"),
    ],
)
def test_refusals(exc):
    assert is_refusal(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        nats.errors.UnexpectedEOF(),
        TimeoutError(),
        nats.errors.Error("nats: 'Maximum Connections Exceeded'"),
    ],
)
def test_retryable(exc):
    assert not is_refusal(exc)


VERIFIES_CLIENTS = {"tls_required": True, "tls_verify": True}


@pytest.mark.parametrize("exc", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError()])
def test_a_hang_up_after_tls_is_a_refusal_only_where_client_certificates_are_verified(exc):
    assert is_refusal(exc, VERIFIES_CLIENTS)
    assert not is_refusal(exc, {"tls_required": True})
    assert not is_refusal(exc, {})
    assert not is_refusal(exc)
