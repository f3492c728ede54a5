"""A subscription's messages handed straight to a function as nats-py reads them.

With a callback, nats-py puts every message on a queue that one task per subscription
empties: per message a queue hop and a trip through the event loop. ``Client.subscribe``
also takes ``future=`` (meant for a single reply), whose ``set_result(msg)`` nats-py calls
right from its reader for every message while ``cancelled()`` is false. ``Dispatch``
stands in for that future and calls ``handle(msg)`` at once. ``handle`` must not block and
should not raise: an exception here would reach nats-py's reader, so it is logged instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nats.aio.msg import Msg

log = logging.getLogger("aegis_sdk.nats")


class Dispatch:
    __slots__ = ("_handle",)

    def __init__(self, handle: Callable[[Msg], None]) -> None:
        self._handle = handle

    def cancelled(self) -> bool:
        return False

    def done(self) -> bool:
        return False

    def set_result(self, msg: Msg) -> None:
        try:
            self._handle(msg)
        except Exception:
            log.exception("handling a message on %s failed", msg.subject)
