"""Event subscriptions: a JetStream push consumer, the NATS subscription on its deliver
subject, each event handed to ``delivery`` (handler, then ack/nak/term), and re-binding
after a reconnect.

The subscription listens before the consumer is created, as nats-py's ``js.subscribe``
orders it: a consumer pushes as soon as it sees interest, and one that pushes while
nobody listens loses that message until its ack wait (30 s) has passed.

Deliveries that nobody received (a stop or a lost connection leaves a gap in which the
server still pushes) are sent again at once instead of after the 30 s ack wait
(``lost_events``): by a subscription that starts and finds nobody bound and events
unacknowledged; by one that stops, having handled the events in hand, once the server
shows nobody bound; and after a reconnect by one that was its consumer's only receiver.

nats-py replays the subscription when its connection comes back, and a server restarted
on its store still has the consumer: delivery resumes by itself. A server that lost its
store (or an ephemeral consumer removed while nobody listened) has no consumer any more:
``rebind`` then creates it again, delivering what was stored since the connection was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from collections.abc import Awaitable, Callable

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from ...domain.errors import AegisError, PermissionDeniedError, ValidationError
from ...domain.start_from import NEW, StartFrom
from ...ports.message_bus import EventHandler, Subscription
from ..transport.link import Link, LinkSubscription, sync
from . import lost_events, stream
from .delivery import deliver_event, settle

log = logging.getLogger("aegis_sdk.nats")

REBIND_SLACK_SECONDS = 2.0  # deliver from a little before the loss: clocks and in-flight acks
REBIND_GIVE_UP_SECONDS = 60.0
DRAIN_SECONDS = 5.0  # stopping waits this long for the handler and the events in hand
UNBIND_WAIT = 0.25  # seconds a stopping subscriber waits to see whether it was the last
FIRST_DELIVERY_WAIT = 0.2  # seconds a reconnected subscriber waits for its first event
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
        start_from: StartFrom = NEW,
    ) -> None:
        self.link = link
        self.pattern = pattern
        self.durable = durable
        self._handler = handler
        self._ensure_stream = ensure_stream
        self.deliver = stream.deliver_subject_for(durable) if durable else link.nc.new_inbox()
        self._config = stream.consumer_config(
            pattern, self.deliver, durable, max_ack_pending, start_from
        )
        self.consumer = durable or ""
        self._sub: LinkSubscription | None = None
        self._in_hand: Msg | None = None
        self.receipts = lost_events.Receipts(link.disconnected_at)
        self.closed = False

    @property
    def _js(self) -> JetStreamContext:
        return self.link.nc.jetstream()  # the link's connection of the moment

    async def open(self) -> None:
        watch = self.link.watch
        mark = watch.mark()
        existing = await self._existing_consumer(mark)
        self._sub = await self.link.subscribe(self.deliver, self.durable or "", self._on_msg)
        try:
            await sync(self._sub.nc)  # the server reports a refused SUB before the PONG
            if watch.denied("subscribe", self.deliver, mark):
                raise PermissionDeniedError(
                    "subscribe", self.deliver, "the consumer delivers there"
                )
            config = self._config
            if existing is not None:  # it goes on where it stopped: keep its start
                config = config.evolve(
                    deliver_policy=existing.config.deliver_policy,
                    opt_start_time=existing.config.opt_start_time,
                    opt_start_seq=existing.config.opt_start_seq,
                )
            await self._create_consumer(config, mark)
            if existing is not None:
                self.receipts.restart(existing.delivered.consumer_seq if existing.delivered else 0)
                if not existing.push_bound:
                    await self._resend_lost(existing)
        except BaseException:
            await self.unsubscribe()
            raise

    async def _existing_consumer(self, mark: int) -> api.ConsumerInfo | None:
        if not self.durable:
            return None
        try:
            return await self._js.consumer_info(stream.STREAM_NAME, self.durable)
        except nats.js.errors.NotFoundError:
            return None
        except nats.errors.TimeoutError:
            self.link.watch.check_js_api(mark, [stream.STREAM_NAME])
            raise

    async def _resend_lost(
        self, info: api.ConsumerInfo, after: int = 0, upto: int | None = None
    ) -> None:
        sent = await lost_events.nak_pending(self.link.nc, info, after, upto)
        if sent:
            log.debug(
                "consumer %s: %d unacknowledged, none bound here: %d naks sent",
                info.name,
                info.num_ack_pending,
                sent,
            )

    async def _unbound(self) -> api.ConsumerInfo | None:
        """The durable consumer's info once the server shows nobody bound to it; None if
        others stay bound (or the server does not answer) for ``UNBIND_WAIT`` seconds."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + UNBIND_WAIT
        while True:
            info = await self._js.consumer_info(stream.STREAM_NAME, self.consumer)
            if not info.push_bound:
                return info
            if loop.time() > give_up:
                return None
            await asyncio.sleep(0.005)

    async def _create_consumer(self, config: api.ConsumerConfig, mark: int) -> None:
        try:
            info = await self._js.add_consumer(stream.STREAM_NAME, config=config)
        except nats.errors.TimeoutError:
            self.link.watch.check_js_api(mark, [stream.STREAM_NAME])
            raise
        except nats.js.errors.APIError as exc:
            raise ValidationError(
                f"cannot create consumer {self.durable or '(ephemeral)'} for "
                f"{self.pattern!r}: {exc}"
            ) from None
        self.consumer = info.name

    async def unsubscribe(self) -> None:
        """Stop listening; the handler running now finishes, and the events already
        received are handled, for at most ``DRAIN_SECONDS``. What is left then is
        nak'ed, so that it is redelivered at once rather than at its ack wait."""
        self.closed = True
        if self._sub is not None:
            await self._drain(self._sub)
            if self.durable and self.receipts.alone():
                try:
                    info = await self._unbound()
                    if info is not None:
                        await self._resend_lost(info)
                except (nats.errors.Error, OSError) as exc:
                    log.debug("checking consumer %s after stopping: %s", self.consumer, exc)
        if not self.durable and self.consumer:
            try:
                await self._js.delete_consumer(stream.STREAM_NAME, self.consumer)
            except nats.errors.Error as exc:
                log.debug("delete consumer %s: %s", self.consumer, exc)

    async def _drain(self, sub: LinkSubscription) -> None:
        try:
            await asyncio.wait_for(sub.drain(), DRAIN_SECONDS)
            return
        except TimeoutError:
            log.warning(
                "stopping %s: events still in hand after %g s are redelivered",
                self.durable or "(ephemeral)",
                DRAIN_SECONDS,
            )
        except (nats.errors.Error, OSError) as exc:
            log.debug("drain: %s", exc)
        left = [] if self._in_hand is None else [self._in_hand]
        left += sub.stop()
        for msg in left:
            await settle(msg.nak())
        with contextlib.suppress(nats.errors.Error, OSError):
            await sub.unsubscribe()

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
                info = await self._js.consumer_info(stream.STREAM_NAME, self.consumer)
            except nats.js.errors.NotFoundError:
                pass
            else:
                await self._resend_missed(info)
                return
        await self._ensure_stream(True)
        config = self._config
        since = self.link.disconnected_at
        if since is not None:  # what was stored since the loss: the old consumer's rest
            lost_at = datetime.datetime.fromtimestamp(since - REBIND_SLACK_SECONDS, tz=datetime.UTC)
            config = config.evolve()
            stream.start_at(config, lost_at)
        await self._create_consumer(config, self.link.watch.mark())
        log.warning(
            "the server had lost consumer %s for %r; created it again",
            self.durable or "(ephemeral)",
            self.pattern,
        )

    async def _resend_missed(self, info: api.ConsumerInfo) -> None:
        """After a reconnect: what the consumer delivered after the last event received
        before the loss, and before the first one received since, never arrived here; if
        every delivery before the loss came here, nobody else has it either."""
        receipts, loss = self.receipts, self.link.disconnected_at
        loop = asyncio.get_running_loop()
        give_up = loop.time() + FIRST_DELIVERY_WAIT
        while receipts.epoch is not loss and loop.time() < give_up:
            await asyncio.sleep(0.005)
        if receipts.epoch is loss:
            (alone, last), first = receipts.at_loss, lost_events.ack_sequences(receipts.first_after)
        else:  # nothing came since the loss: the consumer had nothing more for us
            alone, last, first = receipts.alone(), receipts.last(), None
            info = await self._js.consumer_info(stream.STREAM_NAME, self.consumer)
            receipts.epoch = loss
            receipts.restart(info.delivered.consumer_seq if info.delivered else 0)
        if alone and last is not None:
            await self._resend_lost(info, after=last[0], upto=first[0] - 1 if first else None)

    # -- delivery ------------------------------------------------------------------------

    async def _on_msg(self, msg: Msg) -> None:
        receipts = self.receipts
        if self.link.disconnected_at is not receipts.epoch:
            receipts.new_epoch(self.link.disconnected_at, msg.reply)
        receipts.received += 1
        receipts.last_reply = msg.reply
        self._in_hand = msg
        await deliver_event(msg, self._handler)
        self._in_hand = None
