"""Envelope encodings: MessagePack (default) and JSON. Decoding accepts both."""

from __future__ import annotations

import json
from typing import Any, Literal

import msgpack

from ..domain.errors import SerializationError, ValidationError

Format = Literal["msgpack", "json"]
FORMATS: tuple[Format, ...] = ("msgpack", "json")

# A msgpack envelope is a map: it starts with 0x80-0x8f, 0xde or 0xdf. JSON text starts
# with an ASCII byte ('{', '[', '"', a digit, blank...). So an ASCII first byte means JSON,
# and a JSON client that sends a non-object (an array, say) gets an error it can read.
_ASCII_END = 0x80


def validate_format(name: object) -> Format:
    if name not in FORMATS:
        raise ValidationError(f"serializer must be one of {', '.join(FORMATS)}, got {name!r}")
    return name  # type: ignore[return-value]


def detect_format(data: bytes) -> Format:
    return "json" if data and data[0] < _ASCII_END else "msgpack"


_packer = msgpack.Packer(use_bin_type=True)  # reused: half the cost of packb per message


def encode(obj: Any, fmt: Format) -> bytes:
    try:
        if fmt == "msgpack":
            return _packer.pack(obj)
        return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError, OverflowError) as exc:
        raise SerializationError(f"cannot encode message as {fmt}: {exc}") from exc
    except RecursionError:
        raise SerializationError(f"cannot encode message as {fmt}: nested too deeply") from None


def decode(data: bytes) -> tuple[dict[str, Any], Format]:
    """Decode an envelope, returning it with the format it came in."""
    fmt = detect_format(data)
    try:
        if fmt == "msgpack":
            obj = msgpack.unpackb(data, raw=False, strict_map_key=True)
        else:
            obj = json.loads(data)
    except RecursionError:
        raise SerializationError(f"{fmt} message is nested too deeply") from None
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise SerializationError(
            f"undecodable {fmt} message: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(obj, dict):
        raise SerializationError(f"{fmt} message must be a map, got {type(obj).__name__}")
    return obj, fmt
