"""Message models and their wire envelopes (plain dicts, encoding-agnostic)."""

from __future__ import annotations

import itertools
import math
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import ValidationError
from .subjects import is_name, validate_name

DEFAULT_RPC_TIMEOUT = 5.0


class _IdSource:
    """128-bit ids, 32 hex digits: 64 random bits per process, then a counter.

    As unique as uuid4 for our purposes (JetStream de-duplication, tracing) and about
    twenty times cheaper, which matters on the per-message path. The counter starts below
    2**32, so it keeps to 16 hex digits for the next 2**64 - 2**32 ids.
    """

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self._format = (secrets.token_hex(8) + "%016x").__mod__
        self._counter = itertools.count(secrets.randbits(32))

    def __call__(self) -> str:
        return self._format(next(self._counter))

    def many(self, n: int) -> list[str]:
        """``n`` new ids at once, for about half the cost per id of calling ``n`` times."""
        return list(map(self._format, itertools.islice(self._counter, n)))


new_id = _IdSource()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=new_id.reseed)


@dataclass(slots=True)
class Message:
    """Fields every message carries."""

    message_id: str = field(default_factory=new_id, kw_only=True)
    correlation_id: str = field(default="", kw_only=True)
    trace_id: str = field(default_factory=new_id, kw_only=True)
    timestamp: float = field(default_factory=time.time, kw_only=True)
    source: str = field(default="", kw_only=True)

    def __post_init__(self) -> None:
        if not self.correlation_id:
            self.correlation_id = self.message_id

    def _header(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "trace_id": self.trace_id,
            "timestamp": self.timestamp,
            "source": self.source,
        }


@dataclass(slots=True)
class RPCRequest(Message):
    target: str
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    timeout: float = DEFAULT_RPC_TIMEOUT

    def __post_init__(self) -> None:
        Message.__post_init__(self)
        validate_name("service name", self.target)
        validate_name("method", self.method)
        self.params = _dict_or_empty("params", self.params)
        if (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, int | float)
            or not _finite(self.timeout)
            or self.timeout <= 0
        ):
            raise ValidationError(
                f"timeout must be a positive number of seconds, got {_brief(self.timeout)}"
            )

    @classmethod
    def call(
        cls, target: str, method: str, params: dict[str, Any], timeout: float, source: str
    ) -> RPCRequest:
        """A new request, as ``RPCRequest(target, method, params, timeout, source=source)``
        builds it, checked on a direct path when every argument is plainly right."""
        if (
            type(target) is str
            and type(method) is str
            and type(params) is dict
            and type(source) is str
            and is_name(target)
            and is_name(method)
            and _plain_number(timeout)
            and timeout > 0
        ):
            request = object.__new__(cls)
            request.message_id = request.correlation_id = new_id()
            request.trace_id = new_id()
            request.timestamp = time.time()
            request.source = source
            request.target, request.method = target, method
            request.params, request.timeout = params, timeout
            return request
        return cls(target, method, params, timeout, source=source)

    def to_wire(self) -> dict[str, Any]:
        wire = self._header()
        wire["target"] = self.target
        wire["method"] = self.method
        wire["params"] = self.params
        wire["timeout"] = self.timeout
        return wire


@dataclass(slots=True)
class RPCResponse(Message):
    success: bool
    result: Any = None
    error: dict[str, str] | None = None

    def to_wire(self) -> dict[str, Any]:
        wire = self._header()
        wire["success"] = self.success
        wire["result"] = self.result
        wire["error"] = self.error
        return wire

    @classmethod
    def answer(cls, result: Any, request: RPCRequest, source: str) -> RPCResponse:
        """A success answering ``request``: what ``RPCResponse(True, result, None,
        correlation_id=..., trace_id=..., source=source)`` builds, without its checks."""
        response = object.__new__(cls)
        response.message_id = new_id()
        response.correlation_id = request.correlation_id
        response.trace_id = request.trace_id
        response.timestamp = time.time()
        response.source = source
        response.success, response.result, response.error = True, result, None
        return response

    @classmethod
    def failure(cls, error_type: str, message: str, **header: Any) -> RPCResponse:
        return cls(False, None, {"type": error_type, "message": message}, **header)


@dataclass(slots=True)
class Event(Message):
    domain: str
    event_type: str
    payload: dict[str, Any] = field(default_factory=dict)
    version: str = "1.0"

    def __post_init__(self) -> None:
        Message.__post_init__(self)
        validate_name("event domain", self.domain)
        validate_name("event type", self.event_type)
        self.payload = _dict_or_empty("event payload", self.payload)
        if not isinstance(self.version, str):
            raise ValidationError(f"event version must be a string, got {self.version!r}")

    def to_wire(self) -> dict[str, Any]:
        wire = self._header()
        wire["domain"] = self.domain
        wire["event_type"] = self.event_type
        wire["payload"] = self.payload
        wire["version"] = self.version
        return wire


def events_of(domain: str, event_type: str, payloads: Any, *, source: str = "") -> list[Event]:
    """``Event(domain, event_type, payload, source=source)`` for each payload, the names
    validated once instead of per event."""
    if not isinstance(payloads, list | tuple):
        payloads = list(payloads)
    if not payloads:
        validate_name("event domain", domain)
        validate_name("event type", event_type)
        return []
    first = Event(domain, event_type, payloads[0], source=source)
    events = [first]
    now = time.time
    rest = payloads[1:]
    ids = iter(new_id.many(2 * len(rest)))
    for payload, message_id, trace_id in zip(rest, ids, ids, strict=True):
        if payload is None:
            payload = {}
        elif not isinstance(payload, dict):
            raise ValidationError(f"event payload must be a dict, got {type(payload).__name__}")
        event = object.__new__(Event)
        event.message_id = event.correlation_id = message_id
        event.trace_id = trace_id
        event.timestamp = now()
        event.source = source
        event.domain = first.domain
        event.event_type = first.event_type
        event.payload = payload
        event.version = "1.0"
        events.append(event)
    return events


_HEADER_FIELDS = ("message_id", "correlation_id", "trace_id", "source")


def _dict_or_empty(kind: str, value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, ``{}`` for None."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{kind} must be a dict, got {type(value).__name__}")
    return value


def _finite(number: int | float) -> bool:
    """True for a number that converts to a finite float (a huge int does not)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _brief(value: Any) -> str:
    """A short description of a bad value: bad input can be huge."""
    if not isinstance(value, int | float):
        return type(value).__name__
    try:
        text = repr(value)
    except ValueError:  # an int beyond the str conversion limit
        return "a huge int"
    return text if len(text) <= 40 else text[:40] + "..."


def _field(wire: dict[str, Any], name: str, types: type | tuple[type, ...], kind: str) -> Any:
    try:
        value = wire[name]
    except KeyError:
        raise ValidationError(f"{kind} is missing field {name!r}") from None
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        expected = " or ".join(t.__name__ for t in _as_tuple(types))
        raise ValidationError(
            f"{kind} field {name!r} must be {expected}, got {type(value).__name__}"
        )
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _header_from_wire(wire: Any, kind: str) -> dict[str, Any]:
    if not isinstance(wire, dict):
        raise ValidationError(f"{kind} must be a map, got {type(wire).__name__}")
    header: dict[str, Any] = {}
    for name in _HEADER_FIELDS:
        value = wire.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise ValidationError(
                    f"{kind} field {name!r} must be str, got {type(value).__name__}"
                )
            header[name] = value
    ts = wire.get("timestamp")
    if ts is not None:
        if isinstance(ts, bool) or not isinstance(ts, int | float) or not _finite(ts):
            raise ValidationError(
                f"{kind} field 'timestamp' must be a finite number, got {_brief(ts)}"
            )
        header["timestamp"] = float(ts)
    return header


_MAX_FAST_INT = 2**53  # ints up to this compare and convert exactly; larger take the slow path


def _plain_number(value: Any) -> bool:
    """A finite float, or an int that is surely finite as a float (never a bool)."""
    kind = type(value)
    if kind is float:
        return -math.inf < value < math.inf
    return kind is int and -_MAX_FAST_INT <= value <= _MAX_FAST_INT


def _fill_plain_header(message: Message, wire: dict[str, Any]) -> bool:
    """Fill ``message``'s header from ``wire`` in one pass when every header field is
    absent or of its type (what the SDK itself sends); False otherwise."""
    get = wire.get
    message_id, correlation_id, trace_id = get("message_id"), get("correlation_id"), get("trace_id")
    source, ts = get("source"), get("timestamp")
    if (
        (message_id is not None and type(message_id) is not str)
        or (correlation_id is not None and type(correlation_id) is not str)
        or (trace_id is not None and type(trace_id) is not str)
        or (source is not None and type(source) is not str)
        or (ts is not None and not _plain_number(ts))
    ):
        return False
    message.message_id = message_id = message_id or new_id()
    message.correlation_id = correlation_id or message_id
    message.trace_id = trace_id or new_id()
    message.timestamp = time.time() if ts is None else float(ts)
    message.source = source or ""
    return True


def request_from_wire(wire: Any) -> RPCRequest:
    """Build a request from a decoded envelope; ``ValidationError`` names what is wrong.

    A well-formed envelope (every field of its type) takes a direct path; anything else
    goes through the field-by-field checks that say what is wrong.
    """
    if type(wire) is dict:
        target, method = wire.get("target"), wire.get("method")
        params = wire.get("params", {})
        timeout = wire.get("timeout", DEFAULT_RPC_TIMEOUT)
        if (
            type(target) is str
            and type(method) is str
            and is_name(target)
            and is_name(method)
            and type(params) is dict
            and _plain_number(timeout)
            and timeout > 0
        ):
            request = object.__new__(RPCRequest)
            if _fill_plain_header(request, wire):
                request.target, request.method = target, method
                request.params, request.timeout = params, timeout
                return request
    return _checked_request(wire)


def _checked_request(wire: Any) -> RPCRequest:
    header = _header_from_wire(wire, "RPC request")
    timeout = wire.get("timeout", DEFAULT_RPC_TIMEOUT)
    return RPCRequest(
        _field(wire, "target", str, "RPC request"),
        _field(wire, "method", str, "RPC request"),
        wire.get("params", {}),
        timeout,
        **header,
    )


def response_from_wire(wire: Any) -> RPCResponse:
    """Build a reply from a decoded envelope (a direct path for a well-formed success)."""
    if type(wire) is dict and wire.get("success") is True:
        response = object.__new__(RPCResponse)
        if _fill_plain_header(response, wire):
            response.success, response.result, response.error = True, wire.get("result"), None
            return response
    return _checked_response(wire)


def _checked_response(wire: Any) -> RPCResponse:
    header = _header_from_wire(wire, "RPC response")
    success = _field(wire, "success", bool, "RPC response")
    error = wire.get("error")
    if not success:
        if not isinstance(error, dict):
            raise ValidationError("RPC response with success=false must carry an error map")
        error = {"type": str(error.get("type", "Error")), "message": str(error.get("message", ""))}
    return RPCResponse(success, wire.get("result"), error, **header)


def event_from_wire(wire: Any) -> Event:
    header = _header_from_wire(wire, "event")
    return Event(
        _field(wire, "domain", str, "event"),
        _field(wire, "event_type", str, "event"),
        wire.get("payload", {}),
        wire.get("version", "1.0"),
        **header,
    )
