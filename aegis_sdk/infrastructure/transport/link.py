"""One pooled NATS connection: a bounded first connect that stops at the first refusal,
callbacks that log without credentials and collect permission violations, the request
multiplexer that callers use on it, and the subscriptions made through it, which follow
it to another server when its server goes into lame duck mode (the mover it is given:
``lame_duck.move_off``).

nats-py, with unlimited reconnect attempts, retries the *first* connect forever too: with
a wrong password or a server that is down, ``connect`` would never return. Here a refusal
(credentials, TLS; ``refusals``) ends it at once with ``AuthenticationError``, anything
else once ``timeout`` has passed with ``BusConnectionError``. After the first connect,
reconnecting is nats-py's: forever, every ``reconnect_time_wait`` seconds, subscriptions
replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import nats.errors
from nats.aio.client import Client

from ...domain.errors import AuthenticationError, BusConnectionError
from .permissions import PermissionWatch, parse_violation
from .redaction import Redactor
from .refusals import Refused, is_refusal, refusal_message
from .request_mux import RequestMux

log = logging.getLogger("aegis_sdk.nats")

Callback = Callable[..., Awaitable[None]]
# moves a link off a connection whose server is in lame duck mode (``lame_duck.move_off``)
Mover = Callable[["Link", Client], Coroutine[Any, Any, None]]
USER_CALLBACKS = ("error_cb", "disconnected_cb", "reconnected_cb", "lame_duck_mode_cb")
_ABANDON_TIMEOUT = 0.25


async def sync(nc: Client) -> None:
    """Return once the server has processed everything this client sent so far.

    One ``flush`` is not enough: nats-py writes its PING straight to the socket, ahead of
    commands (a SUB, an UNSUB) still queued for its flusher task, so the PONG may come
    before the server saw them. By the time that PONG is back the flusher has written
    them, and a second PING follows them on the wire.
    """
    await nc.flush()
    await nc.flush()


class LinkSubscription:
    """A subscription made through a ``Link``: it stays valid when the link moves to
    another connection (``unsubscribe`` acts on whichever connection holds it now).
    Messages go to ``cb`` (nats-py's queue and task) or to a ``Dispatch``."""

    def __init__(
        self, link: Link, subject: str, queue: str, delivery: dict[str, Any], nc: Client
    ) -> None:
        self.link = link
        self.subject = subject
        self.queue = queue
        self.delivery = delivery  # {"cb": ...} or {"future": Dispatch(...)}
        self.nc = nc
        self.sub: Any = None

    async def move_to(self, nc: Client) -> Any:
        """Subscribe on ``nc`` too; return the old subscription, for the caller to drain."""
        old = self.sub
        self.sub = await nc.subscribe(self.subject, queue=self.queue, **self.delivery)
        self.nc = nc
        return old

    async def unsubscribe(self) -> None:
        self.link.subscriptions.discard(self)
        await self.sub.unsubscribe()

    async def drain(self) -> None:
        """Unsubscribe, then hand the messages already received to the callback."""
        self.link.subscriptions.discard(self)
        await self.sub.drain()

    def stop(self) -> list[Any]:
        """Stop handing messages to the callback (cancelling the one it is handling) and
        return those still waiting for it."""
        self.link.subscriptions.discard(self)
        self.sub._stop_processing()
        self.sub._conn._remove_sub(self.sub._id)
        queue = self.sub._pending_queue
        waiting = []
        while queue is not None and not queue.empty():
            waiting.append(queue.get_nowait())
            queue.task_done()
        return waiting


class Link:
    def __init__(
        self,
        index: int,
        redactor: Redactor,
        callbacks: dict[str, Callback],
        on_reconnected: Callable[[Link], None],
        move_off: Mover,
    ) -> None:
        self.index = index
        self.nc = Client()
        self.watch = PermissionWatch()
        self.requests = RequestMux(self.nc, self.watch)
        self.redact = redactor
        self.disconnected_at: float | None = None  # wall-clock time of the last loss
        self.subscriptions: set[LinkSubscription] = set()
        self.servers: list[str] = []
        self.options: dict[str, Any] = {}
        self.retiring: set[Client] = set()  # connections moved off, finishing their calls
        self._callbacks = callbacks
        self._on_reconnected = on_reconnected
        self._move_off = move_off
        self._connecting = False
        self._closing = False
        self._last_error: BaseException | None = None
        self._move: asyncio.Task[None] | None = None

    @property
    def closing(self) -> bool:
        return self._closing

    def describe(self, exc: BaseException) -> str:
        text = self.redact(exc)
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

    async def open(
        self, servers: list[str], options: dict[str, Any], timeout: float, *, calls: bool = True
    ) -> None:
        """Connect; ``calls``: also listen for the replies to calls made on it."""
        self.servers, self.options = list(servers), dict(options)
        where = self.redact(", ".join(servers))
        self._connecting = True
        try:
            await asyncio.wait_for(self.connect(self.nc, self.requests, servers), timeout)
        except Refused as refused:
            await self.close(_ABANDON_TIMEOUT)
            cause = refused.cause
            raise AuthenticationError(refusal_message(where, cause, self.describe(cause))) from None
        except TimeoutError:
            await self.close(_ABANDON_TIMEOUT)
            last = f"; last error: {self.describe(self._last_error)}" if self._last_error else ""
            raise BusConnectionError(
                f"cannot connect to NATS at {where} within {timeout:g} s{last}"
            ) from None
        except (nats.errors.Error, OSError) as exc:
            await self.close(_ABANDON_TIMEOUT)
            raise BusConnectionError(
                f"cannot connect to NATS at {where}: {self.describe(exc)}"
            ) from None
        finally:
            self._connecting = False
        if calls:
            await self.requests.start()

    async def connect(self, nc: Client, requests: RequestMux, servers: list[str]) -> None:
        """Connect ``nc`` with this link's options; its callbacks know which connection
        (the link's current one, or one it moved off) they speak for."""

        async def disconnected() -> None:
            await self._disconnected(nc, requests)

        async def reconnected() -> None:
            await self._reconnected(nc, requests)

        async def lame_duck() -> None:
            await self._lame_duck(nc)

        await nc.connect(
            servers,
            **self.options,
            error_cb=self._error,
            disconnected_cb=disconnected,
            reconnected_cb=reconnected,
            lame_duck_mode_cb=lame_duck,
        )

    async def subscribe(
        self, subject: str, queue: str, cb: Callback | None = None, *, dispatch: Any = None
    ) -> LinkSubscription:
        nc = self.nc
        delivery = {"cb": cb} if dispatch is None else {"future": dispatch}
        handle = LinkSubscription(self, subject, queue, delivery, nc)
        handle.sub = await nc.subscribe(subject, queue=queue, **delivery)
        self.subscriptions.add(handle)
        return handle

    async def close(self, timeout: float = 2.0) -> None:
        self._closing = True
        self._stop_moving()
        self.requests.close()
        # bounded: after a failed TLS upgrade nats-py's close waits forever for the socket
        for nc in [self.nc, *self.retiring]:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), timeout)

    async def drain(self) -> None:
        self._closing = True
        self._stop_moving()
        self.requests.close()
        for nc in list(self.retiring):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), 2.0)
        try:
            await self.nc.drain()
        except Exception as exc:  # a dead connection cannot drain; closing is enough
            log.debug("drain failed (%s); closing", self.describe(exc))
            await self.close()

    def _stop_moving(self) -> None:
        if self._move is not None and not self._move.done():
            self._move.cancel()

    # -- nats-py callbacks ------------------------------------------------------------------

    async def _error(self, exc: Exception) -> None:
        self._last_error = exc
        violation = parse_violation(str(exc))
        if violation is not None:
            operation, subject = violation
            log.error(
                "NATS denied permission to %s on %r (connection %d)",
                operation,
                subject,
                self.index,
            )
            self.watch.report(operation, subject)
        elif self._connecting:
            log.debug("connect attempt failed: %s", self.describe(exc))
        else:
            log.warning("NATS error on connection %d: %s", self.index, self.describe(exc))
        await self._user("error_cb", exc)
        if self._connecting and is_refusal(exc, self.nc._server_info):
            raise Refused(exc)  # out of nats-py's connect loop, which would retry forever

    async def _disconnected(self, nc: Client, requests: RequestMux) -> None:
        requests.connection_lost()
        if nc is not self.nc:  # one this link moved off: it is closed once its calls are done
            return
        self.disconnected_at = time.time()
        if self._closing:
            log.debug("connection %d to NATS closed", self.index)
        else:
            log.warning("connection %d to NATS lost; reconnecting", self.index)
        await self._user("disconnected_cb")

    async def _reconnected(self, nc: Client, requests: RequestMux) -> None:
        if nc is not self.nc:
            return
        log.warning("connection %d to NATS is back", self.index)
        requests.reset()
        self._on_reconnected(self)
        await self._user("reconnected_cb")

    async def _lame_duck(self, nc: Client) -> None:
        if nc is self.nc and not self._closing and (self._move is None or self._move.done()):
            self._move = asyncio.get_running_loop().create_task(self._move_off(self, nc))
        await self._user("lame_duck_mode_cb")

    async def _user(self, name: str, *args: Any) -> None:
        callback = self._callbacks.get(name)
        if callback is not None:
            try:
                await callback(*args)
            except Exception:
                log.exception("the %s passed to connect() failed", name)
