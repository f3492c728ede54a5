"""Subject rules: which names are valid and how they map to NATS subjects."""

from __future__ import annotations

import functools
import re

from .errors import ValidationError

RPC_PREFIX = "rpc"
EVENT_PREFIX = "events"

_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")


def validate_name(kind: str, value: object) -> str:
    """Return ``value`` if it is one subject token: letters, digits, ``_`` or ``-``."""
    if not isinstance(value, str):
        raise ValidationError(f"{kind} must be a string, got {type(value).__name__}")
    if not is_name(value):
        raise ValidationError(
            f"{kind} {value!r} is invalid: use 1-128 letters, digits, '_' or '-' "
            "(no dots, spaces or wildcards)"
        )
    return value


@functools.lru_cache(maxsize=4096)
def is_name(value: str) -> bool:
    """One subject token (callers check that ``value`` is a str)."""
    return _NAME.fullmatch(value) is not None


_SUBJECT_CACHE_SIZE = 4096
_subjects: dict[tuple[str, object, object], str] = {}


def _cached_subject(
    prefix: str, first_kind: str, first: object, second_kind: str, second: object
) -> str:
    key = (prefix, first, second)
    try:
        return _subjects[key]
    except (KeyError, TypeError):  # TypeError: unhashable, so invalid; validation says why
        subject = (
            f"{prefix}.{validate_name(first_kind, first)}.{validate_name(second_kind, second)}"
        )
        if len(_subjects) < _SUBJECT_CACHE_SIZE:
            _subjects[key] = subject
        return subject


def rpc_subject(service: str, method: str) -> str:
    return _cached_subject(RPC_PREFIX, "service name", service, "method", method)


def event_subject(domain: str, event_type: str) -> str:
    return _cached_subject(EVENT_PREFIX, "event domain", domain, "event type", event_type)


def validate_event_pattern(pattern: object) -> str:
    """An event subscription pattern: ``events.<domain|*>.<type|*>`` or ending in ``>``."""
    if not isinstance(pattern, str):
        raise ValidationError(f"event pattern must be a string, got {type(pattern).__name__}")
    tokens = pattern.split(".")
    if tokens[0] != EVENT_PREFIX or len(tokens) < 2:
        raise ValidationError(f"event pattern {pattern!r} must start with '{EVENT_PREFIX}.'")
    for i, token in enumerate(tokens[1:], start=1):
        if token == ">" and i == len(tokens) - 1:
            continue
        if token == "*":
            continue
        if not _NAME.fullmatch(token):
            raise ValidationError(
                f"event pattern {pattern!r} has invalid token {token!r}: use names, "
                "'*' for one token or a final '>'"
            )
    if len(tokens) > 3 or (len(tokens) == 2 and tokens[1] != ">"):
        raise ValidationError(
            f"event pattern {pattern!r} must look like 'events.<domain>.<type>' "
            "(each part a name or '*') or 'events.>'/'events.<domain>.>'"
        )
    return pattern
