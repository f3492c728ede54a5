"""Event subscriptions: a JetStream push consumer, the NATS subscription on its deliver
subject, delivery with ack/nak/term, and re-binding after a reconnect.

nats-py replays the subscription when its connection comes back, and a server restarted
on its store still has the consumer: delivery resumes by itself. A server that lost its
store (or an ephemeral consumer removed while nobody listened) has no consumer any more:
``rebind`` then creates it again, delivering what was stored since the connection was lost.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from ..domain.errors import AegisError, PermissionDeniedError, SerializationError, ValidationError
from ..domain.models import Event, event_from_wire
from ..ports.message_bus import EventHandler, Subscription
from . import event_stream
from .connection import Link, LinkSubscription, sync
from .permissions import restore_case
from .serialization import decode

log = logging.getLogger("aegis_sdk.nats")

ACK_PREFIX = "$JS.ACK."  # the reply subject of every message a consumer delivers
REBIND_SLACK_SECONDS = 2.0  # deliver from a little before the loss: clocks and in-flight acks
REBIND_GIVE_UP_SECONDS = 60.0
_REBIND_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0)


class EventSubscription(Subscription):
    def __init__(
        self,
        link: Link,
        pattern: str,
        handler: EventHandler,
        durable: str | None,
        max_ack_pending: int,
        ensure_stream: Callable[[bool], Awaitable[None]],
    ) -> None:
        self.link = link
        self.pattern = pattern
        self.durable = durable
        self._handler = handler
        self._ensure_stream = ensure_stream
        self.deliver = event_stream.deliver_subject_for(durable) if durable else link.nc.new_inbox()
        self._config = event_stream.consumer_config(pattern, self.deliver, durable, max_ack_pending)
        self.consumer = durable or ""
        self._sub: LinkSubscription | None = None
        self.closed = False

    @property
    def _js(self) -> JetStreamContext:
        return self.link.nc.jetstream()  # the link's connection of the moment

    async def open(self) -> None:
        watch = self.link.watch
        mark = watch.mark()
        await self._create_consumer(self._config, mark)
        self._sub = await self.link.subscribe(self.deliver, self.durable or "", self._on_msg)
        await sync(self._sub.nc)  # the server reports a refused SUB before it answers the PING
        if watch.denied("subscribe", self.deliver, mark):
            await self.unsubscribe()
            raise PermissionDeniedError("subscribe", self.deliver, "the consumer delivers there")

    async def _create_consumer(self, config: api.ConsumerConfig, mark: int) -> None:
        try:
            info = await self._js.add_consumer(event_stream.STREAM_NAME, config=config)
        except nats.errors.TimeoutError:
            denied = self.link.watch.denied_prefix("$JS.", mark)
            if denied is not None:
                operation, subject = denied
                subject = restore_case(subject, [event_stream.STREAM_NAME])
                raise PermissionDeniedError(operation, subject, "JetStream API") from None
            raise
        except nats.js.errors.APIError as exc:
            raise ValidationError(
                f"cannot create consumer {self.durable or '(ephemeral)'} for "
                f"{self.pattern!r}: {exc}"
            ) from None
        self.consumer = info.name

    async def unsubscribe(self) -> None:
        self.closed = True
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except nats.errors.Error as exc:
                log.debug("unsubscribe: %s", exc)
        if not self.durable and self.consumer:
            try:
                await self._js.delete_consumer(event_stream.STREAM_NAME, self.consumer)
            except nats.errors.Error as exc:
                log.debug("delete consumer %s: %s", self.consumer, exc)

    # -- after a reconnect -----------------------------------------------------------------

    async def rebind(self) -> None:
        """Make sure the consumer exists; create it again if the server lost it."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + REBIND_GIVE_UP_SECONDS
        attempt = 0
        while not self.closed:
            try:
                await self._rebind_once()
                return
            except (nats.errors.Error, AegisError) as exc:
                if loop.time() > give_up:
                    log.error(
                        "consumer %s for %r could not be checked after a reconnect: %s",
                        self.consumer or "(ephemeral)",
                        self.pattern,
                        self.link.describe(exc),
                    )
                    return
            await asyncio.sleep(_REBIND_DELAYS[min(attempt, len(_REBIND_DELAYS) - 1)])
            attempt += 1

    async def _rebind_once(self) -> None:
        if self.consumer:
            try:
                await self._js.consumer_info(event_stream.STREAM_NAME, self.consumer)
                return
            except nats.js.errors.NotFoundError:
                pass
        await self._ensure_stream(True)
        config = event_stream.consumer_config(
            self.pattern, self.deliver, self.durable, self._config.max_ack_pending or 0
        )
        since = self.link.disconnected_at
        if since is not None:
            config.deliver_policy = api.DeliverPolicy.BY_START_TIME
            config.opt_start_time = datetime.datetime.fromtimestamp(
                since - REBIND_SLACK_SECONDS, tz=datetime.UTC
            )
        await self._create_consumer(config, self.link.watch.mark())
        log.warning(
            "the server had lost consumer %s for %r; created it again",
            self.durable or "(ephemeral)",
            self.pattern,
        )

    # -- delivery ------------------------------------------------------------------------

    async def _on_msg(self, msg: Msg) -> None:
        await deliver_event(msg, self._handler)


async def deliver_event(msg: Msg, handler: EventHandler) -> None:
    """Decode, hand to ``handler``, then ack; nak with a delay if it fails; term an event
    that cannot be decoded or that failed ``MAX_DELIVER`` times. The delivery metadata
    (sequences, delivery count) is parsed only when an event fails: on the path every
    event takes, the ack subject is enough."""
    reply = msg.reply
    if not reply or not reply.startswith(ACK_PREFIX):
        log.warning("ignored a non-JetStream message on %s", msg.subject)
        return
    try:
        wire, _ = decode(msg.data)
        event = event_from_wire(wire)
    except (SerializationError, ValidationError) as exc:
        log.error(
            "rejected event at stream sequence %s on %s: %s",
            _stream_sequence(msg),
            msg.subject,
            exc,
        )
        await _settle(msg.term())
        return
    try:
        await handler(event)
    except Exception as exc:
        await _failed(msg, event, exc)
        return
    try:
        await msg.ack()
    except nats.errors.Error as exc:
        log.warning("could not acknowledge an event: %s", exc)


async def _failed(msg: Msg, event: Event, exc: Exception) -> None:
    meta = msg.metadata
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


def _stream_sequence(msg: Msg) -> object:
    try:
        return msg.metadata.sequence.stream
    except (nats.errors.Error, ValueError, IndexError):
        return "?"


async def _settle(ack: Any) -> None:
    try:
        await ack
    except nats.errors.Error as exc:
        log.warning("could not acknowledge an event: %s", exc)
