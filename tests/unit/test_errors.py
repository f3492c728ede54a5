"""The error hierarchy: everything the SDK raises is an AegisError."""

import inspect

import pytest

import aegis_sdk
from aegis_sdk.domain import errors
from aegis_sdk.domain.errors import (
    AegisError,
    BusConnectionError,
    RemoteError,
    RPCTimeoutError,
    ServiceUnavailableError,
    ValidationError,
)

ERROR_CLASSES = [
    obj
    for _, obj in inspect.getmembers(errors, inspect.isclass)
    if issubclass(obj, BaseException) and obj.__module__ == errors.__name__
]


def test_there_are_errors_to_check():
    assert len(ERROR_CLASSES) >= 8


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_an_aegis_error(cls):
    assert issubclass(cls, AegisError)
    assert issubclass(cls, Exception)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_exported(cls):
    assert getattr(aegis_sdk, cls.__name__) is cls
    assert cls.__name__ in aegis_sdk.__all__


def test_rpc_timeout_error_is_a_timeout_error():
    exc = RPCTimeoutError("orders", "create", 0.3)
    assert isinstance(exc, TimeoutError)
    assert isinstance(exc, AegisError)
    assert (exc.target, exc.method, exc.timeout) == ("orders", "create", 0.3)
    assert "orders.create" in str(exc) and "0.3" in str(exc)
    with pytest.raises(TimeoutError):
        raise exc


def test_validation_error_is_a_value_error():
    assert issubclass(ValidationError, ValueError)


def test_bus_connection_error_is_a_connection_error():
    assert issubclass(BusConnectionError, ConnectionError)


def test_service_unavailable_error_names_target():
    exc = ServiceUnavailableError("orders", "create")
    assert (exc.target, exc.method) == ("orders", "create")
    assert "orders" in str(exc) and "create" in str(exc)


def test_remote_error_carries_remote_type_and_message():
    exc = RemoteError("KeyError", "no such order", target="orders", method="get")
    assert exc.error_type == "KeyError"
    assert exc.remote_message == "no such order"
    assert (exc.target, exc.method) == ("orders", "get")
    assert str(exc) == "orders.get: KeyError: no such order"


def test_authentication_error_is_a_connection_error():
    assert issubclass(aegis_sdk.AuthenticationError, BusConnectionError)


def test_permission_denied_error_names_operation_and_subject():
    exc = aegis_sdk.PermissionDeniedError("publish", "rpc.a.b", "why")
    assert isinstance(exc, PermissionError)
    assert (exc.operation, exc.subject) == ("publish", "rpc.a.b")
    assert "publish" in str(exc) and "'rpc.a.b'" in str(exc) and "(why)" in str(exc)


def test_payload_too_large_is_a_validation_error_with_sizes():
    exc = aegis_sdk.PayloadTooLargeError("event e1", 2000, 1024)
    assert isinstance(exc, ValidationError)
    assert (exc.size, exc.limit) == (2000, 1024)
    assert "2000" in str(exc) and "1024" in str(exc) and "nothing was sent" in str(exc)


def test_service_overloaded_is_a_remote_error():
    exc = aegis_sdk.ServiceOverloadedError("ServiceOverloadedError", "busy", "orders", "get")
    assert isinstance(exc, RemoteError)
    assert exc.error_type == "ServiceOverloadedError" and exc.target == "orders"


def test_publish_error_lists_unacknowledged_events():
    assert aegis_sdk.PublishError("x").unacknowledged == []
    assert aegis_sdk.PublishError("x", ("e1", "e2")).unacknowledged == ["e1", "e2"]
