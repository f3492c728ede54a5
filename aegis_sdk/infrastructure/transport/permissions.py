"""Permission violations that the server reports on a connection.

NATS does not answer a forbidden publish or subscribe: it sends an asynchronous ``-ERR``
that nats-py hands to the error callback. ``PermissionWatch`` keeps the recent ones per
connection, so that an operation can check, right after the server has seen it, whether
it was refused, and notifies listeners (the request multiplexer fails waiting callers).
The server lowercases that text, subject included, so subjects are compared without
regard to case.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable

from ...domain.errors import PermissionDeniedError

_VIOLATION = re.compile(
    r'permissions violation for (publish|subscription) to "([^"]*)"', re.IGNORECASE
)
_KEEP = 256

Listener = Callable[[str, str], None]
_JS_API_WORDS = {
    "$js", "api", "info", "stream", "streams", "consumer", "consumers", "create", "update",
    "delete", "names", "list", "msg", "get", "durable", "purge", "direct", "leader",
}  # fmt: skip


def restore_case(reported: str, known: Iterable[str] = ()) -> str:
    """A lowercased JetStream API subject with its uppercase tokens (and ``known`` names,
    such as the stream's) restored: what to grant in the server's config."""
    names = {name.lower(): name for name in known}
    tokens = reported.split(".")
    return ".".join(names.get(t, t.upper() if t in _JS_API_WORDS else t) for t in tokens)


def parse_violation(text: str) -> tuple[str, str] | None:
    """``("publish" | "subscribe", subject)`` from a server error text, else None; the
    subject in lowercase, as the server may have lowercased it."""
    match = _VIOLATION.search(text)
    if match is None:
        return None
    operation = "publish" if match.group(1).lower() == "publish" else "subscribe"
    return operation, match.group(2).lower()


class PermissionWatch:
    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self._last = 0
        self._recent: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.listeners: list[Listener] = []

    def mark(self) -> int:
        """A point in time: ``denied(..., since=mark)`` sees only later violations."""
        return self._last

    def report(self, operation: str, subject: str) -> None:
        self._last = next(self._seq)
        key = (operation, subject.lower())
        self._recent.pop(key, None)
        self._recent[key] = self._last
        while len(self._recent) > _KEEP:
            self._recent.popitem(last=False)
        for listener in list(self.listeners):
            listener(*key)  # the subject in lowercase

    def denied(self, operation: str, subject: str, since: int = 0) -> bool:
        return self._recent.get((operation, subject.lower()), 0) > since

    def denied_prefix(self, prefix: str, since: int = 0) -> tuple[str, str] | None:
        """The latest violation after ``since`` on a subject starting with ``prefix``
        (as the server reported it: lowercase)."""
        prefix = prefix.lower()
        for (operation, subject), seq in reversed(self._recent.items()):
            if seq <= since:
                return None
            if subject.startswith(prefix):
                return operation, subject
        return None

    def check(self, operation: str, subject: str, since: int) -> None:
        if self.denied(operation, subject, since):
            raise PermissionDeniedError(operation, subject)

    def check_js_api(self, since: int, known: Iterable[str] = ()) -> None:
        """Raise ``PermissionDeniedError`` for the latest JetStream API subject denied
        after ``since``, its case restored (``restore_case``): what to grant."""
        denied = self.denied_prefix("$JS.", since)
        if denied is not None:
            operation, subject = denied
            subject = restore_case(subject, known)
            raise PermissionDeniedError(operation, subject, "JetStream API") from None
