"""Where a service may send its replies: only to inboxes.

A request names its reply subject, and a service publishes its reply there with its own
permissions. Left unchecked, a caller who may only publish on ``rpc.>`` could name
``events.payment.captured`` and have the service write a message into the events stream,
or name a JetStream API subject and have the service call it (a confused deputy). Server
permissions cannot stop this: a service must be allowed to reply to its callers, and
``allow_responses`` admits a reply on whatever subject a request names.

So a service replies only on subjects under an inbox prefix: its connection's own
(``_INBOX.``, or the ``inbox_prefix`` given to ``connect``) and those its user names. A
prefix may never cover the events stream, RPC subjects or the server's own subjects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ValidationError
from .subjects import EVENT_PREFIX, RPC_PREFIX

# subjects no reply may go to, whatever prefix a user allows
FORBIDDEN = (f"{EVENT_PREFIX}.", f"{RPC_PREFIX}.", "$JS.", "$KV.", "$O.", "$SYS.", "_AEGIS.")
_BAD_CHARACTERS = frozenset(" \t\r\n*>")


def validate_reply_prefixes(prefixes: Iterable[object]) -> tuple[str, ...]:
    """Reply-subject prefixes as given to ``Service``: each one or more subject tokens,
    ending in a dot (one is added), no wildcards, not covering a forbidden subject."""
    if isinstance(prefixes, str):
        raise ValidationError(
            f"reply_prefixes must be a list of prefixes, not one string: [{prefixes!r}]"
        )
    checked = []
    for prefix in prefixes:
        if not isinstance(prefix, str) or not prefix.strip("."):
            raise ValidationError(
                f"a reply prefix must be a subject such as '_APP.', got {prefix!r}"
            )
        if _BAD_CHARACTERS & set(prefix) or ".." in prefix or prefix.startswith("."):
            raise ValidationError(
                f"reply prefix {prefix!r} is not a plain subject prefix (no blanks or wildcards)"
            )
        prefix = prefix if prefix.endswith(".") else prefix + "."
        if overlaps_forbidden(prefix):
            raise ValidationError(
                f"reply prefix {prefix!r} would let callers direct replies into "
                f"{', '.join(FORBIDDEN)}: replies go to inboxes only"
            )
        checked.append(prefix)
    return tuple(checked)


def overlaps_forbidden(prefix: str) -> bool:
    return any(prefix.startswith(f) or f.startswith(prefix) for f in FORBIDDEN)


def replies_allowed(subject: str, prefixes: tuple[str, ...]) -> bool:
    """``subject`` is under one of ``prefixes`` (which cover no forbidden subject)."""
    return subject.startswith(prefixes)


@dataclass
class ServiceCounters:
    """What a service counts. ``refused_replies``: requests dropped unanswered because
    their reply subject was not an inbox the service replies to."""

    refused_replies: int = 0
