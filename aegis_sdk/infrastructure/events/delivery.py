"""One delivered event: decoded, handed to its handler, then acknowledged; nak'ed with a
delay when the handler fails, terminated when it cannot be decoded or failed
``MAX_DELIVER`` times. Nothing here raises to nats-py."""

from __future__ import annotations

import logging
from typing import Any

import nats.errors
from nats.aio.msg import Msg

from ...domain.errors import SerializationError, ValidationError
from ...domain.models import Event, event_from_wire
from ...ports.message_bus import EventHandler
from ..serialization import decode
from .lost_events import ACK_PREFIX
from .stream import MAX_DELIVER, nak_delay

log = logging.getLogger("aegis_sdk.nats")


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
        await settle(msg.term())
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
    if meta.num_delivered >= MAX_DELIVER:
        log.error(
            "dropped event %s (stream sequence %s) after %d failed deliveries: %s: %s",
            event.message_id,
            meta.sequence.stream,
            meta.num_delivered,
            type(exc).__name__,
            exc,
        )
        await settle(msg.term())
    else:
        log.warning(
            "event %s failed on delivery %d (%s: %s); redelivering",
            event.message_id,
            meta.num_delivered,
            type(exc).__name__,
            exc,
        )
        await settle(msg.nak(delay=nak_delay(meta.num_delivered)))


def _stream_sequence(msg: Msg) -> object:
    try:
        return msg.metadata.sequence.stream
    except (nats.errors.Error, ValueError, IndexError):
        return "?"


async def settle(ack: Any) -> None:
    """Await an ack, nak or term; one that cannot be sent is logged."""
    try:
        await ack
    except nats.errors.Error as exc:
        log.warning("could not acknowledge an event: %s", exc)
