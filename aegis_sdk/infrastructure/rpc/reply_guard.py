"""A service's replies go to inboxes only (``domain.reply_subjects``): the prefixes one
service method accepts, and what it does with a request that names another subject."""

from __future__ import annotations

import logging
import time

from nats.aio.client import Client

from ...domain.reply_subjects import ServiceCounters, overlaps_forbidden

log = logging.getLogger("aegis_sdk.nats")

LOG_EVERY_SECONDS = 10.0


def reply_prefixes_of(nc: Client, extra: tuple[str, ...]) -> tuple[str, ...]:
    """The connection's own inbox prefix (``_INBOX.`` or its configured ``inbox_prefix``),
    unless it covers a forbidden subject, then ``extra``."""
    own = nc.new_inbox().rsplit(".", 1)[0] + "."
    if overlaps_forbidden(own):
        log.warning("the connection's inbox prefix %r is not used for replies", own)
        return extra
    return (own, *(p for p in extra if p != own))


class Replies:
    """The reply prefixes of one method, and the refusals it counts and logs: at most one
    warning every ``LOG_EVERY_SECONDS``, naming the subjects, never a payload."""

    __slots__ = ("prefixes", "counters", "_logged_at", "_since_log")

    def __init__(self, prefixes: tuple[str, ...], counters: ServiceCounters) -> None:
        self.prefixes = prefixes
        self.counters = counters
        self._logged_at = -LOG_EVERY_SECONDS
        self._since_log = 0

    def refuse(self, subject: str, reply: str) -> None:
        self.counters.refused_replies += 1
        self._since_log += 1
        now = time.monotonic()
        if now - self._logged_at < LOG_EVERY_SECONDS:
            return
        log.warning(
            "dropped %d request(s) on %s whose reply subject is not an inbox (last: %.100r); "
            "replies go only to %s",
            self._since_log,
            subject,
            reply,
            ", ".join(self.prefixes) or "(no prefix)",
        )
        self._logged_at, self._since_log = now, 0
