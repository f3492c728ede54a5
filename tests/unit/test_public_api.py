"""The public surface: exported names and the documented signatures."""

import inspect

import pytest

import aegis_sdk
from aegis_sdk import NATSAdapter, Service
from aegis_sdk.ports import MessageBus

EMPTY = inspect.Parameter.empty


@pytest.mark.parametrize("name", aegis_sdk.__all__)
def test_all_names_importable(name):
    namespace: dict = {}
    exec(f"from aegis_sdk import {name}", namespace)
    assert namespace[name] is getattr(aegis_sdk, name)


def test_star_import_gives_exactly_all():
    namespace: dict = {}
    exec("from aegis_sdk import *", namespace)
    assert set(aegis_sdk.__all__) <= set(namespace)


def test_expected_names_are_public():
    expected = {
        "Service", "NATSAdapter", "RPCRequest", "RPCResponse", "Event", "STREAM_NAME",
        "AegisError", "ValidationError", "SerializationError", "RPCTimeoutError",
        "ServiceUnavailableError", "RemoteError", "BusConnectionError", "PublishError",
        "AuthenticationError", "PermissionDeniedError", "PayloadTooLargeError",
        "ServiceOverloadedError",
    }  # fmt: skip
    assert expected <= set(aegis_sdk.__all__)
    assert aegis_sdk.STREAM_NAME == "AEGIS_EVENTS"


def test_testing_exports():
    from aegis_sdk import testing

    for name in testing.__all__:
        assert hasattr(testing, name)
    assert {"NatsServer", "NatsServerError", "find_binary"} <= set(testing.__all__)


def positional(obj):
    return [
        (p.name, p.default)
        for p in inspect.signature(obj).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def test_nats_adapter_signature():
    assert positional(NATSAdapter) == [("pool_size", 1), ("serializer", "msgpack")]
    adapter = NATSAdapter()
    assert adapter.pool_size == 1 and adapter.serializer == "msgpack"
    assert isinstance(adapter, MessageBus)


def test_service_signature():
    assert positional(Service) == [
        ("name", EMPTY),
        ("bus", EMPTY),
        ("instance_id", None),
        ("version", "0.1.0"),
    ]
    service = Service("orders", NATSAdapter())
    assert service.name == "orders"
    assert service.version == "0.1.0"
    assert service.instance_id.startswith("orders")
    assert Service("orders", NATSAdapter(), "orders-1", "2.0").instance_id == "orders-1"


def test_rpc_request_signature():
    params = positional(aegis_sdk.RPCRequest)
    assert [name for name, _ in params] == ["target", "method", "params", "timeout"]
    assert params[0][1] is EMPTY and params[1][1] is EMPTY
    assert params[3][1] == 5.0
    req = aegis_sdk.RPCRequest("orders", "get", {"id": 1}, 2.0)
    assert (req.target, req.method, req.params, req.timeout) == ("orders", "get", {"id": 1}, 2.0)
    assert aegis_sdk.RPCRequest("orders", "get").params == {}


def test_event_signature():
    params = positional(aegis_sdk.Event)
    assert [name for name, _ in params] == ["domain", "event_type", "payload", "version"]
    assert params[0][1] is EMPTY and params[1][1] is EMPTY
    assert params[3][1] == "1.0"
    ev = aegis_sdk.Event("order", "created", {"id": 1})
    assert (ev.domain, ev.event_type, ev.payload) == ("order", "created", {"id": 1})
    assert ev.version == "1.0"


@pytest.mark.parametrize("cls", [aegis_sdk.RPCRequest, aegis_sdk.RPCResponse, aegis_sdk.Event])
def test_header_fields_are_keyword_arguments(cls):
    sig = inspect.signature(cls)
    for name in ("message_id", "correlation_id", "trace_id", "timestamp", "source"):
        assert sig.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_version():
    assert aegis_sdk.__version__ == "0.1.0"
