"""``Service``: what users write. Registers RPC methods and event handlers on a bus."""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ..domain.errors import AegisError, RemoteError, ServiceOverloadedError, ValidationError
from ..domain.models import DEFAULT_RPC_TIMEOUT, Event, RPCRequest, RPCResponse, events_of
from ..domain.reply_subjects import ServiceCounters, validate_reply_prefixes
from ..domain.start_from import NEW, StartFrom, validate_start_from
from ..domain.subjects import validate_event_pattern, validate_name
from ..ports.message_bus import MessageBus, Subscription

log = logging.getLogger("aegis_sdk.service")

RPCHandler = Callable[[dict[str, Any]], Any]
EventCallback = Callable[[Event], Any]

DEFAULT_MAX_CONCURRENCY = 100
DEFAULT_MAX_PENDING = 1000


class Service:
    """A named service: RPC methods in a queue group, event subscriptions, and a client.

    Handlers run concurrently: a slow or hanging async handler holds up no other call.
    Per method, up to ``max_concurrency`` (100) handlers run at once and up to
    ``max_pending`` (1000) more requests wait; beyond that callers get a
    ``ServiceOverloadedError`` at once. An async handler still running at its caller's
    deadline is cancelled, and the caller gets ``RPCTimeoutError``. A sync handler runs on
    the event loop and must not block: make it async, or use ``asyncio.to_thread``.

    Replies go only to inboxes: the connection's inbox prefix (``_INBOX.`` or the
    ``inbox_prefix`` given to ``connect``) and ``reply_prefixes``, for callers that use
    inbox prefixes of their own. A request naming any other reply subject is dropped,
    logged (rate-limited) and counted in ``counters.refused_replies``.
    """

    def __init__(
        self,
        name: str,
        bus: MessageBus,
        instance_id: str | None = None,
        version: str = "0.1.0",
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        max_pending: int = DEFAULT_MAX_PENDING,
        reply_prefixes: Sequence[str] = (),
    ) -> None:
        self.name = validate_name("service name", name)
        self.bus = bus
        self.instance_id = instance_id or f"{name}-{uuid.uuid4().hex[:8]}"
        self.version = version
        if max_concurrency < 1:
            raise ValidationError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
        if max_pending < 0:
            raise ValidationError(f"max_pending must be >= 0, got {max_pending!r}")
        self.max_concurrency = max_concurrency
        self.max_pending = max_pending
        self.reply_prefixes = validate_reply_prefixes(reply_prefixes)
        self.counters = ServiceCounters()
        self._rpc_handlers: dict[str, RPCHandler] = {}
        self._event_handlers: list[tuple[str, str | None, EventCallback, dict[str, Any]]] = []
        self._subscriptions: list[Subscription] = []
        self._running = False

    @property
    def is_running(self) -> bool:
        return self._running

    # -- registration -----------------------------------------------------------------------

    def rpc(self, method: str) -> Callable[[RPCHandler], RPCHandler]:
        validate_name("method", method)

        def register(fn: RPCHandler) -> RPCHandler:
            if method in self._rpc_handlers:
                raise ValidationError(f"method {method!r} is already registered on {self.name}")
            self._rpc_handlers[method] = fn
            return fn

        return register

    def subscribe(
        self,
        pattern: str,
        durable: str | None = None,
        *,
        max_ack_pending: int | None = None,
        start_from: StartFrom = NEW,
    ) -> Callable[[EventCallback], EventCallback]:
        """Handle events matching ``pattern``, one at a time, at least once.

        At most ``max_ack_pending`` events (default 1000) are delivered and not yet
        acknowledged: that bounds the memory a slow handler can make the service hold.
        Keep ``max_ack_pending`` times the handler's duration below the 30 s ack wait, or
        events waiting their turn are delivered again (handled twice, never lost).

        ``start_from`` says where a subscription made for the first time starts reading:
        ``"new"`` (default) events published from now on, ``"all"`` every stored event,
        or a timezone-aware ``datetime``: events stored since then. A durable subscription
        that exists already goes on where it stopped.
        """
        validate_event_pattern(pattern)
        start_from = validate_start_from(start_from)
        if durable is not None:
            validate_name("durable name", durable)
        if max_ack_pending is not None and (
            isinstance(max_ack_pending, bool)
            or not isinstance(max_ack_pending, int)
            or max_ack_pending < 1
        ):
            raise ValidationError(
                f"max_ack_pending must be an integer >= 1, got {max_ack_pending!r}"
            )

        def register(fn: EventCallback) -> EventCallback:
            options: dict[str, Any] = {} if start_from == NEW else {"start_from": start_from}
            if max_ack_pending is not None:
                options["max_ack_pending"] = max_ack_pending
            self._event_handlers.append((pattern, durable, fn, options))
            return fn

        return register

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        if self._running:
            return
        try:
            for method, fn in self._rpc_handlers.items():
                self._subscriptions.append(
                    await self.bus.register_rpc_handler(
                        self.name,
                        method,
                        self._request_handler(fn),
                        max_concurrency=self.max_concurrency,
                        max_pending=self.max_pending,
                        reply_prefixes=self.reply_prefixes,
                        counters=self.counters,
                    )
                )
            for pattern, durable, fn, options in self._event_handlers:
                self._subscriptions.append(
                    await self.bus.subscribe_event(pattern, _as_coroutine(fn), durable, **options)
                )
        except BaseException:
            await self._unsubscribe_all()
            raise
        self._running = True
        log.info("service %s (%s) started", self.name, self.instance_id)

    async def stop(self) -> None:
        await self._unsubscribe_all()
        self._running = False

    async def _unsubscribe_all(self) -> None:
        subs, self._subscriptions = self._subscriptions, []
        for sub in subs:
            await sub.unsubscribe()

    # -- client side ------------------------------------------------------------------------

    async def call_rpc(
        self,
        target: str,
        method: str,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Call ``target.method``; return its result or raise ``RemoteError`` and friends."""
        request = RPCRequest.call(
            target,
            method,
            params or {},
            DEFAULT_RPC_TIMEOUT if timeout is None else timeout,
            self.instance_id,
        )
        response = await self.bus.call_rpc(request)
        if response.success:
            return response.result
        error = response.error or {}
        error_type = error.get("type", "Error")
        cls = ServiceOverloadedError if error_type == "ServiceOverloadedError" else RemoteError
        raise cls(error_type, error.get("message", ""), target=target, method=method)

    async def publish_event(
        self, domain: str, event_type: str, payload: dict[str, Any] | None = None
    ) -> Event:
        event = Event(domain, event_type, payload or {}, source=self.instance_id)
        await self.bus.publish_event(event)
        return event

    async def publish_events(
        self, domain: str, event_type: str, payloads: Sequence[dict[str, Any]]
    ) -> list[Event]:
        events = events_of(domain, event_type, payloads, source=self.instance_id)
        await self.bus.publish_events(events)
        return events

    # -- serving ----------------------------------------------------------------------------

    def _request_handler(self, fn: RPCHandler) -> Callable[[RPCRequest], Awaitable[RPCResponse]]:
        is_async = inspect.iscoroutinefunction(fn)

        async def handle(request: RPCRequest) -> RPCResponse:
            try:
                result = (await fn(request.params)) if is_async else fn(request.params)
                if not is_async and inspect.isawaitable(result):
                    # an async callable that iscoroutinefunction misses (an object with
                    # ``async def __call__``, a decorated coroutine function): run it too
                    result = await result
            except AegisError as exc:
                return RPCResponse.failure(type(exc).__name__, str(exc), source=self.instance_id)
            except Exception as exc:
                log.exception("%s.%s raised", self.name, request.method)
                return RPCResponse.failure(type(exc).__name__, str(exc), source=self.instance_id)
            return RPCResponse.answer(result, request, self.instance_id)

        return handle


def _as_coroutine(fn: EventCallback) -> Callable[[Event], Awaitable[None]]:
    if inspect.iscoroutinefunction(fn):
        return fn

    async def call(event: Event) -> None:
        result = fn(event)
        if inspect.isawaitable(result):
            # an async callable that iscoroutinefunction misses: not awaiting it would ack
            # the event unhandled
            await result

    return call
