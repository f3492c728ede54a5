"""Serving one RPC subject: decode, admit, run handlers concurrently within limits and
deadlines, reply. Every bad request gets an error reply; nothing here raises to nats-py.
Each method is served on a connection of its own, which ``Served`` closes when it ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg

from ...domain.errors import SerializationError, ValidationError
from ...domain.models import RPCRequest, RPCResponse, request_from_wire
from ...ports.message_bus import RequestHandler, Subscription
from ..serialization import Format, decode, detect_format, encode
from ..transport import frames
from ..transport.deadlines import DeadlineWatch
from ..transport.link import Link, LinkSubscription, sync
from .eager import start_eagerly
from .reply_guard import Replies
from .slots import Slots

log = logging.getLogger("aegis_sdk.nats")


class RequestServer:
    """At most ``max_concurrency`` handlers run at once and ``max_pending`` more wait;
    beyond that a request gets a ``ServiceOverloadedError`` reply at once. A handler still
    running after its caller's deadline is cancelled."""

    def __init__(
        self,
        name: str,
        handler: RequestHandler,
        *,
        max_concurrency: int,
        max_pending: int,
        deadlines: DeadlineWatch,
        tasks: set[asyncio.Task[None]],
        link: Link,
        replies: Replies,
    ) -> None:
        self.name = name
        self.handler = handler
        self.limit = max_concurrency + max_pending
        self.admitted = 0
        self._slots = Slots(max_concurrency)
        self._deadlines = deadlines
        self._tasks = tasks
        self._link = link
        self._replies = replies
        self._reply_prefixes = replies.prefixes

    def dispatch(self, msg: Msg) -> None:
        """Take one request as nats-py reads it (``Dispatch``): check it, admit it, and run
        its handler at once; on Python 3.12+ only a handler that has to wait becomes a
        task (``eager``)."""
        reply = msg.reply
        if not reply:
            log.warning("ignored a request on %s without a reply subject", msg.subject)
            return
        if not reply.startswith(self._reply_prefixes):
            self._replies.refuse(msg.subject, reply)
            return
        try:
            wire, fmt = decode(msg.data)
            request = request_from_wire(wire)
        except (SerializationError, ValidationError) as exc:
            log.warning("rejected request on %s: %s", msg.subject, _short(exc))
            failure = RPCResponse.failure(type(exc).__name__, _short(exc))
            self._start(respond(self._link, msg, failure, detect_format(msg.data)))
            return
        except Exception as exc:  # a gap in validation must not cost the caller its timeout
            log.exception("rejected request on %s: unexpected %s", msg.subject, type(exc).__name__)
            failure = RPCResponse.failure("ValidationError", _short(exc))
            self._start(respond(self._link, msg, failure, detect_format(msg.data)))
            return
        if self.admitted >= self.limit:
            overloaded = RPCResponse.failure(
                "ServiceOverloadedError",
                f"{self.name} has {self.admitted} requests running or waiting, its limit; "
                "retry later",
            )
            self._refuse(msg, _answering(overloaded, request), fmt)
            return
        self.admitted += 1
        task = self._start(self._serve(msg, request, fmt))
        if task is not None:
            self._deadlines.watch(task, request.timeout)
            task.add_done_callback(self._deadlines.release)

    def _refuse(self, msg: Msg, response: RPCResponse, fmt: Format) -> None:
        """An overloaded reply, written into the buffer at once where it can be: under a
        flood every request costs as little as it can, and no task is made for it."""
        if not self._reply_now(msg, response, fmt):
            self._start(respond(self._link, msg, response, fmt))

    def _start(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
        task = start_eagerly(coro)
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return task

    async def _serve(self, msg: Msg, request: RPCRequest, fmt: Format) -> None:
        try:
            if not self._slots.take_now():
                await self._slots.take()
            try:
                response = await self.handler(request)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is None or not self._deadlines.release(task):
                    raise
                task.uncancel()
                response = RPCResponse.failure(
                    "RPCTimeoutError",
                    f"{self.name} did not finish within {request.timeout:g} s",
                )
            except Exception as exc:  # the application layer should not raise
                log.exception("handler of %s failed", self.name)
                response = RPCResponse.failure(type(exc).__name__, str(exc))
            finally:
                self._slots.give_back()
            response = _answering(response, request)
            if not self._reply_now(msg, response, fmt):
                await respond(self._link, msg, response, fmt)
        finally:
            self.admitted -= 1

    def _reply_now(self, msg: Msg, response: RPCResponse, fmt: Format) -> bool:
        """The common reply, written straight into the client's buffer; False when it
        needs ``respond``: headers to echo, an encoding or size problem, nothing to write to."""
        if msg.headers:
            return False
        try:
            data = encode(response.to_wire(), fmt)
        except SerializationError:
            return False
        nc = self._link.nc
        if len(data) > nc.max_payload:
            return False
        frame = frames.pub_frame(msg.reply, "", data)
        if self.admitted == 1 and not nc._ps.buf and frames.write_now(nc, frame):
            return True  # the only request in hand and none more read: no reply to join
        return frames.push(nc, frame)


class Served(Subscription):
    """An RPC method served on a connection of its own, closed with it."""

    def __init__(self, sub: LinkSubscription, links: set[Link]) -> None:
        self._sub = sub
        self._links = links

    async def unsubscribe(self) -> None:
        link = self._sub.link
        if link not in self._links:
            return  # closed already, by the adapter's disconnect
        self._links.discard(link)
        try:
            await self._sub.unsubscribe()
            # the server must know before we return: else it may still route a request
            # here, where nobody answers it any more, and the caller waits its timeout
            await sync(self._sub.nc)
        except nats.errors.Error as exc:
            log.debug("unsubscribe: %s", exc)
        await link.drain()  # replies still being written go out first


def _answering(response: RPCResponse, to: RPCRequest | RPCResponse) -> RPCResponse:
    """``response`` with the ids of the request it answers (or of the reply it replaces)."""
    response.correlation_id = to.correlation_id
    response.trace_id = to.trace_id
    return response


async def respond(link: Link, msg: Msg, response: RPCResponse, fmt: Format) -> None:
    """Reply on the link's connection of the moment: the request may have come in on one
    that the link has since moved off (lame duck mode)."""
    try:
        data = encode(response.to_wire(), fmt)
    except SerializationError as exc:
        failure = RPCResponse.failure("SerializationError", f"result cannot be encoded: {exc}")
        data = encode(_answering(failure, response).to_wire(), fmt)
    nc = link.nc
    try:
        if msg.headers:
            await nc.publish(msg.reply, data, headers=msg.headers)
        elif len(data) > nc.max_payload:
            raise nats.errors.MaxPayloadError
        else:
            await frames.publish(nc, msg.reply, data)
    except nats.errors.MaxPayloadError:
        # checked before sending: the caller gets a reason instead of waiting its timeout
        failure = RPCResponse.failure(
            "PayloadTooLargeError",
            f"the reply of {len(data)} bytes exceeds the server's max payload of "
            f"{nc.max_payload} bytes",
        )
        log.warning(
            "reply on %s too large: %d bytes, limit %s", msg.subject, len(data), nc.max_payload
        )
        await _send(nc, msg, encode(_answering(failure, response).to_wire(), fmt))
    except Exception as exc:  # a closed or reconnecting connection: the caller times out
        log.warning("could not reply on %s: %s", msg.subject, exc)


async def _send(nc: Client, msg: Msg, data: bytes) -> None:
    try:
        await nc.publish(msg.reply, data, headers=msg.headers)
    except Exception as exc:
        log.warning("could not reply on %s: %s", msg.subject, exc)


_MAX_REASON = 300


def _short(exc: BaseException) -> str:
    """An error text short enough to log and echo: bad input may be huge."""
    text = str(exc)
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON] + "... (truncated)"
