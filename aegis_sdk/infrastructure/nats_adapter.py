"""The message bus on NATS (nats-py): RPC on core NATS, events on JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Sequence
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext

from ..domain.errors import (
    AegisError,
    BusConnectionError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PublishError,
    RPCTimeoutError,
    ServiceUnavailableError,
    ValidationError,
)
from ..domain.models import Event, RPCRequest, RPCResponse, response_from_wire
from ..domain.subjects import event_subject, rpc_subject, validate_event_pattern, validate_name
from ..ports.message_bus import EventHandler, MessageBus, RequestHandler, Subscription
from . import event_stream
from .connection import USER_CALLBACKS, Link, sync
from .deadlines import DeadlineWatch
from .event_subscriptions import EventSubscription
from .permissions import restore_case
from .redaction import Redactor, redact
from .requests import ConnectionLost
from .rpc_server import RequestServer
from .serialization import Format, decode, encode, validate_format

log = logging.getLogger("aegis_sdk.nats")

DEFAULT_PUBLISH_TIMEOUT = 5.0
DEFAULT_INITIAL_CONNECT_TIMEOUT = 10.0
_PUBLISH_WINDOW = 1000
_RETRY_DELAYS = (0.05, 0.1, 0.25, 0.5, 1.0)
_CONNECTION_TROUBLE = (
    ConnectionLost,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.OutboundBufferLimitError,
)
_JS_UNAVAILABLE = 503

__all__ = ["NATSAdapter", "redact"]


_Pending = tuple[asyncio.Future[Any], str, Link, Event]


def _headers_size(headers: dict[str, str]) -> int:
    """Bytes of the NATS header block that carries ``headers``."""
    return len(b"NATS/1.0\r\n\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers.items())


class _NatsSubscription(Subscription):
    def __init__(self, sub: Any, nc: Client) -> None:
        self._sub = sub
        self._nc = nc

    async def unsubscribe(self) -> None:
        try:
            await self._sub.unsubscribe()
            # the server must know before we return: else it may still route a request
            # here, where nobody answers it any more, and the caller waits its timeout
            await sync(self._nc)
        except nats.errors.Error as exc:
            log.debug("unsubscribe: %s", exc)


class NATSAdapter(MessageBus):
    """A pool of NATS connections used round-robin.

    ``connect`` passes keyword options (user/password, token, user_credentials, tls, ...)
    through to ``nats.connect``. Every connection reconnects by itself, forever, and
    replays its subscriptions. A call waiting when its connection drops fails with
    ``BusConnectionError``; calls made during the outage are buffered and wait within their
    own timeouts; event publishes are retried until ``publish_timeout``.
    """

    def __init__(
        self,
        pool_size: int = 1,
        serializer: str = "msgpack",
        *,
        publish_timeout: float = DEFAULT_PUBLISH_TIMEOUT,
        stream_replicas: int = 1,
    ) -> None:
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise ValidationError(f"pool_size must be an integer >= 1, got {pool_size!r}")
        self.pool_size = pool_size
        self.serializer: Format = validate_format(serializer)
        self.publish_timeout = publish_timeout
        self.stream_replicas = stream_replicas
        self._links: list[Link] = []
        self._conns: list[Client] = []
        self._js: list[JetStreamContext] = []
        self._rr = itertools.count()
        self._redact = Redactor()
        self._stream_ready: asyncio.Future[None] | None = None
        self._stream_ok = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._deadlines = DeadlineWatch()
        self._event_subs: set[EventSubscription] = set()

    # -- connection -------------------------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        return any(nc.is_connected for nc in self._conns)

    async def connect(
        self,
        servers: str | Sequence[str] = "nats://127.0.0.1:4222",
        *,
        initial_connect_timeout: float = DEFAULT_INITIAL_CONNECT_TIMEOUT,
        **options: Any,
    ) -> None:
        """Open ``pool_size`` connections.

        Wrong or missing credentials and TLS failures raise ``AuthenticationError`` at once;
        a server that cannot be reached raises ``BusConnectionError`` after
        ``initial_connect_timeout`` seconds. Neither message contains credentials.
        """
        if self._links:
            raise BusConnectionError("already connected; call disconnect() first")
        server_list = [servers] if isinstance(servers, str) else list(servers)
        self._redact = Redactor(server_list, options)
        options.setdefault("max_reconnect_attempts", -1)
        options.setdefault("reconnect_time_wait", 0.5)
        options.setdefault("connect_timeout", 2)
        callbacks = {name: options.pop(name) for name in USER_CALLBACKS if options.get(name)}
        links = [
            Link(i, self._redact, callbacks, self._on_reconnected) for i in range(self.pool_size)
        ]
        results = await asyncio.gather(
            *(link.open(server_list, options, initial_connect_timeout) for link in links),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            await asyncio.gather(*(link.close() for link in links))
            for failure in failures:  # a refusal says the most
                if isinstance(failure, AegisError) and type(failure) is not BusConnectionError:
                    raise failure
            raise failures[0]
        self._links = links
        self._conns = [link.nc for link in links]
        self._js = [link.nc.jetstream() for link in links]

    async def disconnect(self) -> None:
        links, self._links, self._conns, self._js = self._links, [], [], []
        self._stream_ready = None
        self._stream_ok = False
        self._event_subs.clear()
        for task in list(self._tasks):
            task.cancel()
        await self._deadlines.close()
        for link in links:
            await link.drain()

    def _link(self) -> Link:
        links = self._links
        if not links:
            raise BusConnectionError("not connected: call connect() first")
        n = len(links)
        start = next(self._rr)
        for i in range(n):
            link = links[(start + i) % n]
            if link.nc.is_connected:
                return link
        return links[start % n]

    def _first_link(self) -> Link:
        if not self._links:
            raise BusConnectionError("not connected: call connect() first")
        return self._links[0]

    def _on_reconnected(self, link: Link) -> None:
        for sub in list(self._event_subs):
            if sub.link is link and not sub.closed:
                task = asyncio.get_running_loop().create_task(sub.rebind())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def _check_size(self, what: str, payload: bytes, nc: Client, headers: dict[str, str]) -> None:
        size = len(payload) + _headers_size(headers)
        if size > nc.max_payload:
            raise PayloadTooLargeError(what, size, nc.max_payload)

    # -- RPC ----------------------------------------------------------------------------------

    async def call_rpc(self, request: RPCRequest) -> RPCResponse:
        subject = rpc_subject(request.target, request.method)
        payload = encode(request.to_wire(), self.serializer)
        link = self._link()
        if len(payload) > link.nc.max_payload:
            raise PayloadTooLargeError(
                f"RPC request to {subject}", len(payload), link.nc.max_payload
            )
        try:
            reply = await link.requests.request(subject, payload, request.timeout)
        except nats.errors.NoRespondersError:
            raise ServiceUnavailableError(request.target, request.method) from None
        except nats.errors.TimeoutError:
            raise RPCTimeoutError(request.target, request.method, request.timeout) from None
        except _CONNECTION_TROUBLE as exc:
            raise BusConnectionError(
                f"RPC {request.target}.{request.method}: {link.describe(exc)}"
            ) from None
        wire, _ = decode(reply.data)
        return response_from_wire(wire)

    async def register_rpc_handler(
        self,
        service: str,
        method: str,
        handler: RequestHandler,
        *,
        max_concurrency: int = 100,
        max_pending: int = 1000,
    ) -> Subscription:
        subject = rpc_subject(service, method)
        server = RequestServer(
            f"{service}.{method}",
            handler,
            max_concurrency=max_concurrency,
            max_pending=max_pending,
            deadlines=self._deadlines,
            tasks=self._tasks,
        )
        link = self._first_link()
        nc = link.nc
        mark = link.watch.mark()
        sub = await nc.subscribe(subject, queue=service, cb=server.on_request)
        # served once this returns: a caller on another connection must not get "no
        # responders"; and the server reports a refused SUB before it answers the PING
        await sync(nc)
        if link.watch.denied("subscribe", subject, mark):
            with contextlib.suppress(nats.errors.Error):
                await sub.unsubscribe()
            raise PermissionDeniedError("subscribe", subject)
        return _NatsSubscription(sub, nc)

    # -- events ---------------------------------------------------------------------------------

    async def _ensure_stream(self, force: bool = False) -> None:
        if force:
            self._stream_ok = False
        if self._stream_ok:
            return
        if self._stream_ready is None:
            self._stream_ready = asyncio.ensure_future(self._create_stream())
        try:
            await asyncio.shield(self._stream_ready)
        except BaseException:
            self._stream_ready = None
            raise
        self._stream_ready = None
        self._stream_ok = True

    async def _create_stream(self) -> None:
        if not self._links:
            raise BusConnectionError("not connected: call connect() first")
        i = next(self._rr) % len(self._links)
        link, jsm = self._links[i], self._js[i]
        mark = link.watch.mark()
        try:
            await jsm.stream_info(event_stream.STREAM_NAME)
        except nats.js.errors.NotFoundError:
            try:
                await jsm.add_stream(event_stream.stream_config(self.stream_replicas))
            except nats.js.errors.BadRequestError as exc:
                # another client may have created it meanwhile; that is fine
                if "already in use" not in str(exc):
                    raise
        except nats.errors.TimeoutError:
            denied = link.watch.denied_prefix("$JS.", mark)
            if denied is not None:
                operation, subject = denied
                subject = restore_case(subject, [event_stream.STREAM_NAME])
                raise PermissionDeniedError(operation, subject, "JetStream API") from None
            raise PublishError("JetStream did not answer: is it enabled on the server?") from None

    async def publish_event(self, event: Event) -> None:
        """Return once JetStream stored ``event``. Retries (same ``Nats-Msg-Id``, so the
        stream keeps one copy) until ``publish_timeout``; then raises ``PublishError``."""
        subject = event_subject(event.domain, event.event_type)
        payload = encode(event.to_wire(), self.serializer)
        headers = {"Nats-Msg-Id": event.message_id}
        self._check_size(f"event {event.message_id}", payload, self._link().nc, headers)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.publish_timeout
        last: BaseException | str = "no attempt"
        for delay in itertools.chain(_RETRY_DELAYS, itertools.repeat(_RETRY_DELAYS[-1])):
            link = self._link()
            try:
                await self._ensure_stream()
                remaining = max(deadline - loop.time(), 0.01)
                reply = await link.requests.request(subject, payload, remaining, headers)
                error = _ack_error(reply.data)
                if error is None:
                    return
                if error.get("code") != _JS_UNAVAILABLE:
                    raise PublishError(
                        f"JetStream rejected event {event.message_id}: "
                        f"{error.get('description', error)}",
                        [event],
                    )
                last = str(error.get("description", "JetStream unavailable"))
            except nats.errors.NoRespondersError:
                last = "no stream stores this subject"
                self._stream_ok = False  # deleted behind our back, or a fresh server
            except (nats.errors.TimeoutError, *_CONNECTION_TROUBLE) as exc:
                last = exc
            except PublishError as exc:
                if exc.unacknowledged:
                    raise
                last = exc  # the stream could not be checked (yet)
            except nats.js.errors.APIError as exc:  # creating the stream failed
                if exc.code != _JS_UNAVAILABLE:
                    raise PublishError(
                        f"cannot create stream {event_stream.STREAM_NAME} for event "
                        f"{event.message_id}: {exc}",
                        [event],
                    ) from None
                last = exc
            if loop.time() + delay >= deadline:
                break
            await asyncio.sleep(delay)
        why = last if isinstance(last, str) else self._redact(f"{type(last).__name__} {last}")
        raise PublishError(
            f"event {event.message_id} on {subject} was not acknowledged within "
            f"{self.publish_timeout:g} s ({why}); it may or may not be stored, "
            "and publishing it again with the same message_id is safe",
            [event],
        )

    async def publish_events(self, events: Sequence[Event]) -> None:
        """Pipelined publish: up to two windows of acks outstanding, each bounded in time.
        Events without an ack are then published one by one (``publish_event``'s retries);
        those still failing raise ``PublishError`` listing them."""
        if not events:
            return
        nc = self._link().nc
        encoded = []
        for e in events:
            payload = encode(e.to_wire(), self.serializer)
            headers = {"Nats-Msg-Id": e.message_id}
            self._check_size(f"event {e.message_id}", payload, nc, headers)
            encoded.append((event_subject(e.domain, e.event_type), payload, headers, e))
        await self._ensure_stream()
        outstanding: list[_Pending] = []
        failed: list[Event] = []
        for start in range(0, len(encoded), _PUBLISH_WINDOW):
            window: list[_Pending] = []
            for subject, payload, headers, event in encoded[start : start + _PUBLISH_WINDOW]:
                link = self._link()
                try:
                    token, future = await link.requests.send(subject, payload, headers)
                except (nats.errors.Error, OSError):
                    failed.append(event)  # e.g. the outbound buffer is full while reconnecting
                    continue
                window.append((future, token, link, event))
            failed += await self._settle_window(outstanding)
            outstanding = window
        failed += await self._settle_window(outstanding)
        if failed:
            order = {id(e): i for i, e in enumerate(events)}
            failed.sort(key=lambda e: order[id(e)])
            await self._republish(failed, len(events))

    async def _settle_window(self, window: list[_Pending]) -> list[Event]:
        """Wait for a window's acks; return the events without a positive one."""
        if not window:
            return []
        await asyncio.wait([p[0] for p in window], timeout=self.publish_timeout)
        failed = []
        for future, token, link, event in window:
            link.requests.forget(token)
            if not future.done():
                future.cancel()
                failed.append(event)
            elif future.exception() is not None or _ack_error(future.result().data):
                failed.append(event)
        return failed

    async def _republish(self, failed: list[Event], total: int) -> None:
        for i, event in enumerate(failed):
            try:
                await self.publish_event(event)
            except PublishError as exc:
                rest = failed[i:]
                raise PublishError(
                    f"{len(rest)} of {total} events were not acknowledged (first: {exc}); "
                    "publishing them again with the same message_id is safe",
                    rest,
                ) from None

    async def subscribe_event(
        self,
        pattern: str,
        handler: EventHandler,
        durable: str | None = None,
        *,
        max_ack_pending: int = event_stream.MAX_ACK_PENDING,
    ) -> Subscription:
        validate_event_pattern(pattern)
        if durable is not None:
            validate_name("durable name", durable)
        if isinstance(max_ack_pending, bool) or not isinstance(max_ack_pending, int):
            raise ValidationError(f"max_ack_pending must be an integer, got {max_ack_pending!r}")
        if max_ack_pending < 1:
            raise ValidationError(f"max_ack_pending must be >= 1, got {max_ack_pending}")
        link = self._first_link()
        await self._ensure_stream()
        sub = EventSubscription(
            link, self._js[0], pattern, handler, durable, max_ack_pending, self._ensure_stream
        )
        await sub.open()
        self._event_subs.add(sub)
        return _Tracked(sub, self._event_subs)


class _Tracked(Subscription):
    """An event subscription that leaves the adapter's re-bind list when closed."""

    def __init__(self, sub: EventSubscription, registry: set[EventSubscription]) -> None:
        self._sub = sub
        self._registry = registry

    async def unsubscribe(self) -> None:
        self._registry.discard(self._sub)
        await self._sub.unsubscribe()


def _ack_error(data: bytes) -> dict[str, Any] | None:
    """The error of a JetStream publish ack, or None when the event was stored."""
    try:
        ack = json.loads(data)
    except ValueError:
        return {"code": 0, "description": f"unreadable ack {data[:80]!r}"}
    error = ack.get("error") if isinstance(ack, dict) else None
    return error if isinstance(error, dict) else None
