"""The message bus on NATS (nats-py): RPC on core NATS, events on JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
from collections.abc import Sequence
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from ..domain.errors import (
    BusConnectionError,
    PublishError,
    RPCTimeoutError,
    SerializationError,
    ServiceUnavailableError,
    ValidationError,
)
from ..domain.models import (
    Event,
    RPCRequest,
    RPCResponse,
    event_from_wire,
    response_from_wire,
)
from ..domain.subjects import event_subject, rpc_subject, validate_event_pattern, validate_name
from ..ports.message_bus import EventHandler, MessageBus, RequestHandler, Subscription
from . import event_stream
from .deadlines import DeadlineWatch
from .rpc_server import RequestServer
from .serialization import Format, decode, encode, validate_format

log = logging.getLogger("aegis_sdk.nats")

DEFAULT_PUBLISH_TIMEOUT = 5.0
_PUBLISH_WINDOW = 1000
_RETRY_DELAYS = (0.05, 0.1, 0.25, 0.5, 1.0)
_CREDENTIALS_IN_URL = re.compile(r"//[^/@]*@")


def redact(text: str) -> str:
    """Hide ``user:password@`` or ``token@`` in server URLs."""
    return _CREDENTIALS_IN_URL.sub("//***@", text)


class _NatsSubscription(Subscription):
    def __init__(self, sub: Any, on_close: Any = None, nc: Client | None = None) -> None:
        self._sub = sub
        self._on_close = on_close
        self._nc = nc

    async def unsubscribe(self) -> None:
        try:
            await self._sub.unsubscribe()
            if self._nc is not None:
                # the server must know before we return: else it may still route a request
                # here, where nobody answers it any more, and the caller waits its timeout
                await self._nc.flush()
        except nats.errors.Error as exc:
            log.debug("unsubscribe: %s", exc)
        if self._on_close is not None:
            await self._on_close()


class NATSAdapter(MessageBus):
    """A pool of NATS connections used round-robin.

    ``connect`` passes keyword options (user/password, token, user_credentials, tls, ...)
    through to ``nats.connect``.
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
        self._conns: list[Client] = []
        self._js: list[JetStreamContext] = []
        self._rr = itertools.count()
        self._stream_ready: asyncio.Future[None] | None = None
        self._stream_ok = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._deadlines = DeadlineWatch()

    # -- connection -------------------------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        return any(nc.is_connected for nc in self._conns)

    async def connect(
        self, servers: str | Sequence[str] = "nats://127.0.0.1:4222", **options: Any
    ) -> None:
        if self._conns:
            raise BusConnectionError("already connected; call disconnect() first")
        options.setdefault("max_reconnect_attempts", -1)
        options.setdefault("reconnect_time_wait", 0.5)
        options.setdefault("connect_timeout", 2)
        options.setdefault("error_cb", _log_error)
        options.setdefault("disconnected_cb", _log_disconnected)
        options.setdefault("reconnected_cb", _log_reconnected)
        server_list = [servers] if isinstance(servers, str) else list(servers)
        results = await asyncio.gather(
            *(nats.connect(server_list, **options) for _ in range(self.pool_size)),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        conns = [r for r in results if isinstance(r, Client)]
        if failures:
            await asyncio.gather(*(nc.close() for nc in conns), return_exceptions=True)
            exc = failures[0]
            where = redact(", ".join(server_list))
            raise BusConnectionError(
                f"cannot connect to NATS at {where}: {type(exc).__name__}: {redact(str(exc))}"
            ) from None
        self._conns = conns
        self._js = [nc.jetstream() for nc in conns]

    async def disconnect(self) -> None:
        conns, self._conns, self._js = self._conns, [], []
        self._stream_ready = None
        self._stream_ok = False
        for task in list(self._tasks):
            task.cancel()
        await self._deadlines.close()
        for nc in conns:
            try:
                await nc.drain()
            except Exception as exc:  # a dead connection cannot drain; closing is enough
                log.debug("drain failed (%s); closing", exc)
                await nc.close()

    def _conn(self) -> Client:
        conns = self._conns
        if not conns:
            raise BusConnectionError("not connected: call connect() first")
        n = len(conns)
        start = next(self._rr)
        for i in range(n):
            nc = conns[(start + i) % n]
            if nc.is_connected:
                return nc
        return conns[start % n]

    def _jetstream(self) -> JetStreamContext:
        if not self._js:
            raise BusConnectionError("not connected: call connect() first")
        return self._js[next(self._rr) % len(self._js)]

    # -- RPC ----------------------------------------------------------------------------------

    async def call_rpc(self, request: RPCRequest) -> RPCResponse:
        subject = rpc_subject(request.target, request.method)
        payload = encode(request.to_wire(), self.serializer)
        nc = self._conn()
        try:
            reply = await nc.request(subject, payload, timeout=request.timeout)
        except nats.errors.NoRespondersError:
            raise ServiceUnavailableError(request.target, request.method) from None
        except nats.errors.TimeoutError:
            raise RPCTimeoutError(request.target, request.method, request.timeout) from None
        except nats.errors.MaxPayloadError:
            raise ValidationError(
                f"RPC request of {len(payload)} bytes exceeds the server's max payload "
                f"of {nc.max_payload} bytes"
            ) from None
        except (nats.errors.ConnectionClosedError, nats.errors.ConnectionReconnectingError) as exc:
            raise BusConnectionError(f"RPC {request.target}.{request.method}: {exc}") from None
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
        nc = self._conns_or_fail()[0]
        sub = await nc.subscribe(subject, queue=service, cb=server.on_request)
        # served once this returns: a caller on another connection must not get "no responders"
        await nc.flush()
        return _NatsSubscription(sub, nc=nc)

    # -- events ---------------------------------------------------------------------------------

    async def _ensure_stream(self) -> None:
        if self._stream_ok:
            return
        if self._stream_ready is None:
            self._stream_ready = asyncio.ensure_future(self._create_stream())
        try:
            await asyncio.shield(self._stream_ready)
        except BaseException:
            self._stream_ready = None
            raise
        self._stream_ok = True

    async def _create_stream(self) -> None:
        jsm = self._jetstream()
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
            raise PublishError("JetStream did not answer: is it enabled on the server?") from None

    async def publish_event(self, event: Event) -> None:
        subject = event_subject(event.domain, event.event_type)
        payload = encode(event.to_wire(), self.serializer)
        await self._ensure_stream()
        headers = {"Nats-Msg-Id": event.message_id}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.publish_timeout
        for delay in itertools.chain(_RETRY_DELAYS, itertools.repeat(_RETRY_DELAYS[-1])):
            remaining = deadline - loop.time()
            js = self._jetstream()
            try:
                await js.publish(subject, payload, timeout=max(remaining, 0.01), headers=headers)
                return
            except nats.errors.MaxPayloadError:
                raise ValidationError(
                    f"event of {len(payload)} bytes exceeds the server's max payload"
                ) from None
            except nats.js.errors.APIError as exc:
                raise PublishError(f"JetStream rejected event {event.message_id}: {exc}") from None
            except nats.js.errors.NoStreamResponseError as exc:
                last = exc
                self._stream_ok = False  # deleted behind our back, or a fresh server
                with contextlib.suppress(nats.errors.Error, PublishError):
                    await self._ensure_stream()
            except (
                nats.errors.TimeoutError,
                nats.errors.ConnectionClosedError,
                nats.errors.ConnectionReconnectingError,
                nats.errors.OutboundBufferLimitError,
            ) as exc:
                last = exc
            if loop.time() + delay >= deadline:
                break
            await asyncio.sleep(delay)
        raise PublishError(
            f"event {event.message_id} on {subject} was not acknowledged within "
            f"{self.publish_timeout:g} s ({type(last).__name__}); it may or may not be stored, "
            "and publishing it again with the same message_id is safe"
        )

    async def publish_events(self, events: Sequence[Event]) -> None:
        """Pipelined publish: up to two windows of acks outstanding, each bounded in time."""
        if not events:
            return
        await self._ensure_stream()
        encoded = [
            (event_subject(e.domain, e.event_type), encode(e.to_wire(), self.serializer), e)
            for e in events
        ]
        outstanding: list[asyncio.Future[Any]] = []
        failures: list[tuple[Event, BaseException | str]] = []
        for start in range(0, len(encoded), _PUBLISH_WINDOW):
            window = []
            for subject, payload, event in encoded[start : start + _PUBLISH_WINDOW]:
                js = self._jetstream()
                try:
                    fut = await js.publish_async(
                        subject, payload, headers={"Nats-Msg-Id": event.message_id}
                    )
                except nats.errors.MaxPayloadError:
                    raise ValidationError(
                        f"event {event.message_id} of {len(payload)} bytes exceeds the "
                        "server's max payload"
                    ) from None
                fut.event = event  # type: ignore[attr-defined]
                window.append(fut)
            failures += await self._settle_window(outstanding)
            outstanding = window
        failures += await self._settle_window(outstanding)
        if failures:
            event, first = failures[0]
            raise PublishError(
                f"{len(failures)} of {len(events)} events were not acknowledged (first: "
                f"{event.message_id}: {first}); publishing them again with the same "
                "message_id is safe"
            )

    async def _settle_window(
        self, futures: list[asyncio.Future[Any]]
    ) -> list[tuple[Event, BaseException | str]]:
        if not futures:
            return []
        done, pending = await asyncio.wait(futures, timeout=self.publish_timeout)
        for fut in pending:
            fut.cancel()
        failed: list[tuple[Event, BaseException | str]] = [
            (f.event, f.exception())
            for f in done
            if f.exception() is not None  # type: ignore[attr-defined]
        ]
        failed += [(f.event, "no ack within the publish timeout") for f in pending]  # type: ignore[attr-defined]
        return failed

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
        nc = self._conns_or_fail()[0]
        await self._ensure_stream()
        jsm = self._js[0]
        deliver = event_stream.deliver_subject_for(durable) if durable else nc.new_inbox()
        config = event_stream.consumer_config(pattern, deliver, durable, max_ack_pending)
        try:
            info = await jsm.add_consumer(event_stream.STREAM_NAME, config=config)
        except nats.js.errors.APIError as exc:
            raise ValidationError(
                f"cannot create consumer {durable or '(ephemeral)'} for {pattern!r}: {exc}"
            ) from None
        consumer_name = info.name

        async def on_event(msg: Msg) -> None:
            await self._deliver_event(msg, handler)

        sub = await nc.subscribe(deliver, queue=durable or "", cb=on_event)

        async def delete_ephemeral() -> None:
            try:
                await jsm.delete_consumer(event_stream.STREAM_NAME, consumer_name)
            except nats.errors.Error as exc:
                log.debug("delete consumer %s: %s", consumer_name, exc)

        return _NatsSubscription(sub, None if durable else delete_ephemeral)

    async def _deliver_event(self, msg: Msg, handler: EventHandler) -> None:
        try:
            meta = msg.metadata
        except nats.errors.NotJSMessageError:
            log.warning("ignored a non-JetStream message on %s", msg.subject)
            return
        try:
            wire, _ = decode(msg.data)
            event = event_from_wire(wire)
        except (SerializationError, ValidationError) as exc:
            log.error(
                "rejected event at stream sequence %s on %s: %s",
                meta.sequence.stream,
                msg.subject,
                exc,
            )
            await _settle(msg.term())
            return
        try:
            await handler(event)
        except Exception as exc:
            if meta.num_delivered >= event_stream.MAX_DELIVER:
                log.error(
                    "dropped event %s (stream sequence %s) after %d failed deliveries: %s: %s",
                    event.message_id,
                    meta.sequence.stream,
                    meta.num_delivered,
                    type(exc).__name__,
                    exc,
                )
                await _settle(msg.term())
            else:
                log.warning(
                    "event %s failed on delivery %d (%s: %s); redelivering",
                    event.message_id,
                    meta.num_delivered,
                    type(exc).__name__,
                    exc,
                )
                await _settle(msg.nak(delay=event_stream.nak_delay(meta.num_delivered)))
            return
        await _settle(msg.ack())

    # -- helpers --------------------------------------------------------------------------------

    def _conns_or_fail(self) -> list[Client]:
        if not self._conns:
            raise BusConnectionError("not connected: call connect() first")
        return self._conns


async def _settle(ack: Any) -> None:
    try:
        await ack
    except nats.errors.Error as exc:
        log.warning("could not acknowledge an event: %s", exc)


async def _log_error(exc: Exception) -> None:
    log.warning("NATS error: %s: %s", type(exc).__name__, redact(str(exc)))


async def _log_disconnected() -> None:
    log.info("disconnected from NATS")


async def _log_reconnected() -> None:
    log.info("reconnected to NATS")
