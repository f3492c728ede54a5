"""Request/reply on one connection: one wildcard inbox subscription, one future per call.

What nats-py's ``request`` does, plus failing a waiting caller early, where nats-py would
make it wait for its whole timeout: when the server reports that the request's subject may
not be published or that replies cannot be received (the inbox subscription was refused),
and when the connection drops (a reply to the old connection never arrives; a retry made
now is buffered and sent on reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import Header

from ...domain.errors import PermissionDeniedError
from . import frames
from .deadlines import DeadlineWatch
from .dispatch import Dispatch
from .permissions import PermissionWatch

_NO_RESPONDERS = "503"
TIMEOUT_SWEEP = 0.05  # seconds: a call times out at most this late


class ConnectionLost(nats.errors.Error):
    """The connection dropped while the caller waited: the reply cannot come any more."""

    def __str__(self) -> str:
        return (
            "the connection to NATS was lost while waiting for the reply; the request "
            "may or may not have been handled"
        )


# a waiting call cannot get its reply: the connection is gone, going, or cannot send
CONNECTION_TROUBLE = (
    ConnectionLost,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.OutboundBufferLimitError,
)


class RequestMux:
    def __init__(self, nc: Client, watch: PermissionWatch) -> None:
        self._nc = nc
        self._prefix = ""
        self._cut = 0
        self._waiting: dict[str, tuple[asyncio.Future[Msg], str]] = {}
        self._ids = itertools.count(1)
        self._inbox_denied = False
        self._watch = watch
        watch.listeners.append(self._on_violation)
        self._timeouts: DeadlineWatch[asyncio.Future[Msg]] = DeadlineWatch(_time_out, TIMEOUT_SWEEP)

    def close(self) -> None:
        """Stop listening for permission violations and sweeping for timeouts (the
        connection is being closed or retired)."""
        with contextlib.suppress(ValueError):
            self._watch.listeners.remove(self._on_violation)
        self._timeouts.stop()

    @property
    def inbox(self) -> str:
        return f"{self._prefix}*"

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def start(self) -> None:
        self._prefix = self._nc.new_inbox() + "."
        self._cut = len(self._prefix)
        await self._nc.subscribe(self.inbox, future=Dispatch(self._on_reply))

    async def send(
        self, subject: str, payload: bytes, msg_id: str = ""
    ) -> tuple[str, asyncio.Future[Msg]]:
        """Publish a request now, with a ``Nats-Msg-Id`` header when ``msg_id`` is given;
        the future gets its reply. ``forget(token)`` when done."""
        if self._inbox_denied:
            raise self._inbox_error()
        token = f"{next(self._ids):x}"
        future: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()
        self._waiting[token] = (future, subject)
        try:
            alone = len(self._waiting) == 1
            await frames.publish(
                self._nc, subject, payload, self._prefix + token, msg_id, alone=alone
            )
        except BaseException:
            del self._waiting[token]
            raise
        return token, future

    def forget(self, token: str) -> None:
        self._waiting.pop(token, None)

    async def request(self, subject: str, payload: bytes, timeout: float, msg_id: str = "") -> Msg:
        """The reply; raises nats' TimeoutError or NoRespondersError, ``ConnectionLost``,
        or ``PermissionDeniedError`` as soon as the server reports the refusal."""
        token, future = await self.send(subject, payload, msg_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._timeouts.watch(future, timeout)
        try:
            reply = await future
        finally:
            del self._waiting[token]
            self._timeouts.release(future)
        if loop.time() > deadline:  # the sweep is coarse: a reply this late is a timeout
            raise nats.errors.TimeoutError
        return reply

    def _on_reply(self, msg: Msg) -> None:
        entry = self._waiting.get(msg.subject[self._cut :])
        if entry is None or entry[0].done():
            return  # a late reply: its caller gave up
        if msg.headers and msg.headers.get(Header.STATUS) == _NO_RESPONDERS:
            entry[0].set_exception(nats.errors.NoRespondersError())
        else:
            entry[0].set_result(msg)

    def connection_lost(self) -> None:
        """Fail every caller waiting now: its reply was addressed to the lost connection.
        Requests made from now on are buffered and sent once it is back."""
        for future, _ in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionLost())

    def reset(self) -> None:
        """After a reconnect: the inbox was subscribed again, maybe with new permissions."""
        self._inbox_denied = False

    def _inbox_error(self) -> PermissionDeniedError:
        return PermissionDeniedError("subscribe", self.inbox, "the SDK receives replies there")

    def _on_violation(self, operation: str, subject: str) -> None:
        # the server reports the subject in lowercase
        if operation == "subscribe" and subject == self.inbox.lower():
            # no reply can ever arrive: fail every caller, now and until a reconnect
            self._inbox_denied = True
            for future, _ in self._waiting.values():
                if not future.done():
                    future.set_exception(self._inbox_error())
        elif operation == "publish":
            for future, target in self._waiting.values():
                if target.lower() == subject and not future.done():
                    future.set_exception(PermissionDeniedError("publish", target))


def _time_out(future: asyncio.Future[Msg]) -> None:
    if not future.done():
        future.set_exception(nats.errors.TimeoutError())
