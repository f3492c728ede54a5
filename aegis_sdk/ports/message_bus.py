"""The message-bus port: what the application needs from a transport."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence

from ..domain.models import Event, RPCRequest, RPCResponse
from ..domain.reply_subjects import ServiceCounters
from ..domain.start_from import NEW, StartFrom

RequestHandler = Callable[[RPCRequest], Awaitable[RPCResponse]]
EventHandler = Callable[[Event], Awaitable[None]]


class Subscription(ABC):
    @abstractmethod
    async def unsubscribe(self) -> None: ...


class MessageBus(ABC):
    @property
    @abstractmethod
    def is_connected(self) -> bool: ...

    @abstractmethod
    async def connect(self, servers: str | Sequence[str], **options: object) -> None: ...

    @abstractmethod
    async def disconnect(self) -> None: ...

    @abstractmethod
    async def call_rpc(self, request: RPCRequest) -> RPCResponse:
        """Send a request and return the reply; raise on timeout or no responders."""

    @abstractmethod
    async def register_rpc_handler(
        self,
        service: str,
        method: str,
        handler: RequestHandler,
        *,
        max_concurrency: int,
        max_pending: int,
        reply_prefixes: Sequence[str] = (),
        counters: ServiceCounters | None = None,
    ) -> Subscription:
        """Serve ``rpc.<service>.<method>`` in the service's queue group.

        At most ``max_concurrency`` handlers run at once and ``max_pending`` more wait;
        beyond that a request gets a ``ServiceOverloadedError`` reply at once. Replies go
        only to the connection's inbox prefix and ``reply_prefixes``; other requests are
        dropped and counted in ``counters``.
        """

    @abstractmethod
    async def publish_event(self, event: Event) -> None:
        """Return once the event store acknowledged the event."""

    @abstractmethod
    async def publish_events(self, events: Sequence[Event]) -> None:
        """Publish many events as one batch, not a round trip each; return once all are
        acknowledged."""

    @abstractmethod
    async def subscribe_event(
        self,
        pattern: str,
        handler: EventHandler,
        durable: str | None = None,
        *,
        max_ack_pending: int = 1000,
        start_from: StartFrom = NEW,
    ) -> Subscription:
        """Deliver matching events at least once; ack after ``handler`` returns.

        At most ``max_ack_pending`` events are delivered and not yet acknowledged. A new
        subscription starts at ``start_from`` (``domain.start_from``).
        """
