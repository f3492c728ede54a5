"""The message bus on NATS (nats-py): RPC on core NATS, events on JetStream.

A thin face over the pieces: the connection pool (``transport.pool``) and the links it
holds (``transport.link``), which move off a server in lame duck mode
(``transport.lame_duck``); the RPC client (``rpc.client``) and server (``rpc.server``);
event publishing (``events.publisher``), subscriptions (``events.subscriptions``) and the
events stream (``events.stream_guard``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from nats.aio.client import Client

from ..domain.errors import (
    AegisError,
    BusConnectionError,
    PermissionDeniedError,
    ValidationError,
)
from ..domain.models import Event, RPCRequest, RPCResponse
from ..domain.reply_subjects import ServiceCounters, validate_reply_prefixes
from ..domain.start_from import NEW, StartFrom, validate_start_from
from ..domain.subjects import rpc_subject, validate_event_pattern, validate_name
from ..ports.message_bus import EventHandler, MessageBus, RequestHandler, Subscription
from .events.publisher import EventPublisher
from .events.stream import MAX_ACK_PENDING
from .events.stream_guard import StreamGuard
from .events.subscriptions import EventSubscription
from .rpc.client import RPCClient
from .rpc.reply_guard import Replies, reply_prefixes_of
from .rpc.server import RequestServer, Served
from .serialization import Format, validate_format
from .transport.deadlines import DeadlineWatch
from .transport.dispatch import Dispatch
from .transport.lame_duck import move_off
from .transport.link import USER_CALLBACKS, Link, sync
from .transport.pool import Pool
from .transport.redaction import Redactor, redact

log = logging.getLogger("aegis_sdk.nats")

DEFAULT_PUBLISH_TIMEOUT = 5.0
DEFAULT_INITIAL_CONNECT_TIMEOUT = 10.0

__all__ = ["NATSAdapter", "redact"]


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
        self._pool = Pool()
        self._stream = StreamGuard(self._pool, stream_replicas)
        self._rpc = RPCClient(self._pool, self.serializer)
        self._publisher = EventPublisher(self._pool, self._stream, self.serializer, publish_timeout)
        self._tasks: set[asyncio.Task[None]] = set()
        self._deadlines = DeadlineWatch()
        self._event_subs: set[EventSubscription] = set()
        self._serving: set[Link] = set()  # a connection per RPC method served
        self._connect_args: tuple[list[str], dict[str, Any], dict[str, Any], float] | None = None

    @property
    def publish_timeout(self) -> float:
        return self._publisher.timeout

    @publish_timeout.setter
    def publish_timeout(self, seconds: float) -> None:
        self._publisher.timeout = seconds

    @property
    def stream_replicas(self) -> int:
        return self._stream.replicas

    # -- connection -------------------------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        return any(link.nc.is_connected for link in self._pool.links)

    @property
    def _conns(self) -> list[Client]:
        return self._pool.conns

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
        if self._pool.links:
            raise BusConnectionError("already connected; call disconnect() first")
        server_list = [servers] if isinstance(servers, str) else list(servers)
        self._pool.redact = Redactor(server_list, options)
        options.setdefault("max_reconnect_attempts", -1)
        options.setdefault("reconnect_time_wait", 0.5)
        options.setdefault("connect_timeout", 2)
        callbacks = {name: options.pop(name) for name in USER_CALLBACKS if options.get(name)}
        links = [self._new_link(i, callbacks) for i in range(self.pool_size)]
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
        self._pool.links = links
        self._connect_args = (server_list, options, callbacks, initial_connect_timeout)

    async def disconnect(self) -> None:
        links, self._pool.links = self._pool.links, []
        links += list(self._serving)
        self._serving.clear()
        self._stream.reset()
        self._event_subs.clear()
        for task in list(self._tasks):
            task.cancel()
        await self._deadlines.close()
        for link in links:
            await link.drain()

    def _new_link(self, index: int, callbacks: dict[str, Any]) -> Link:
        return Link(index, self._pool.redact, callbacks, self._on_reconnected, move_off)

    def _on_reconnected(self, link: Link) -> None:
        for sub in list(self._event_subs):
            if sub.link is link and not sub.closed:
                task = asyncio.get_running_loop().create_task(sub.rebind())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    # -- RPC ----------------------------------------------------------------------------------

    async def call_rpc(self, request: RPCRequest) -> RPCResponse:
        return await self._rpc.call(request)

    async def register_rpc_handler(
        self,
        service: str,
        method: str,
        handler: RequestHandler,
        *,
        max_concurrency: int = 100,
        max_pending: int = 1000,
        reply_prefixes: Sequence[str] = (),
        counters: ServiceCounters | None = None,
    ) -> Subscription:
        subject = rpc_subject(service, method)
        link = await self._serving_link()
        server = RequestServer(
            f"{service}.{method}",
            handler,
            max_concurrency=max_concurrency,
            max_pending=max_pending,
            deadlines=self._deadlines,
            tasks=self._tasks,
            link=link,
            replies=Replies(
                reply_prefixes_of(link.nc, validate_reply_prefixes(reply_prefixes)),
                counters or ServiceCounters(),
            ),
        )
        try:
            mark = link.watch.mark()
            sub = await link.subscribe(subject, service, dispatch=Dispatch(server.dispatch))
            # served once this returns: a caller on another connection must not get "no
            # responders"; and the server reports a refused SUB before it answers the PING
            await sync(sub.nc)
            if link.watch.denied("subscribe", subject, mark):
                raise PermissionDeniedError("subscribe", subject)
        except BaseException:
            self._serving.discard(link)
            await link.close()
            raise
        return Served(sub, self._serving)

    async def _serving_link(self) -> Link:
        """A connection of its own for one RPC method: a flood of requests to one method
        queues in its socket and its turns of the event loop, not in front of another
        method's requests and replies."""
        if not self._pool.links or self._connect_args is None:
            raise BusConnectionError("not connected: call connect() first")
        servers, options, callbacks, timeout = self._connect_args
        index = len(self._pool.links) + len(self._serving)
        link = self._new_link(index, callbacks)
        self._serving.add(link)
        try:
            await link.open(servers, options, timeout, calls=False)
        except BaseException:
            self._serving.discard(link)
            raise
        return link

    # -- events ---------------------------------------------------------------------------------

    async def publish_event(self, event: Event) -> None:
        """Return once JetStream stored ``event``. Retries (same ``Nats-Msg-Id``, so the
        stream keeps one copy) until ``publish_timeout``; then raises ``PublishError``."""
        await self._publisher.publish(event)

    async def publish_events(self, events: Sequence[Event]) -> None:
        """Return once JetStream stored every event: sent as one fast-ingest batch on
        nats-server 2.14 and later, pipelined on older servers. Each event keeps its
        ``Nats-Msg-Id``, so sending one again stores it once; events still not acknowledged
        after ``publish_timeout`` without progress raise ``PublishError`` listing them."""
        await self._publisher.publish_many(events)

    async def subscribe_event(
        self,
        pattern: str,
        handler: EventHandler,
        durable: str | None = None,
        *,
        max_ack_pending: int = MAX_ACK_PENDING,
        start_from: StartFrom = NEW,
    ) -> Subscription:
        """Deliver events matching ``pattern`` to ``handler``, at least once. A new consumer
        starts at ``start_from``: ``"new"`` events, ``"all"`` stored ones, or those stored
        since an aware ``datetime``; an existing durable one goes on where it stopped."""
        validate_event_pattern(pattern)
        start_from = validate_start_from(start_from)
        if durable is not None:
            validate_name("durable name", durable)
        if isinstance(max_ack_pending, bool) or not isinstance(max_ack_pending, int):
            raise ValidationError(f"max_ack_pending must be an integer, got {max_ack_pending!r}")
        if max_ack_pending < 1:
            raise ValidationError(f"max_ack_pending must be >= 1, got {max_ack_pending}")
        link = self._pool.first()
        await self._stream.ensure()
        sub = EventSubscription(
            link,
            pattern,
            handler,
            durable,
            max_ack_pending,
            self._stream.ensure,
            start_from,
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
