"""Publishing events to JetStream: one at a time with retries until acknowledged, or many
as one fast-ingest batch (``fast_ingest``; nats-server 2.14 and later), pipelined only on
older servers. At-least-once: every event carries ``Nats-Msg-Id``, so a retry is stored once.

An attempt waits for its ack a short while, not the whole publish timeout: in a cluster a
publish that reached a stream leader which then died is never answered, while the same
event sent again reaches the next leader once one is elected (and until then gets "no
responders" at once, so retrying every 0.25 s costs nothing).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence
from typing import Any

import nats.errors
import nats.js.errors

from ...domain.errors import (
    PayloadTooLargeError,
    PermissionDeniedError,
    PublishError,
    ValidationError,
)
from ...domain.models import Event
from ...domain.subjects import event_subject
from ..serialization import Format, encode
from ..transport.pool import Pool
from ..transport.request_mux import CONNECTION_TROUBLE, RequestMux
from . import fast_ingest
from .stream import STREAM_NAME
from .stream_guard import StreamGuard

PUBLISH_WINDOW = 1000
RETRY_DELAYS = (0.05, 0.1, 0.25)  # then every 0.25 s
ACK_WAITS = (0.5, 1.0, 2.0)  # how long attempt 1, 2, 3 (and later) wait for the ack
WINDOW_STALL = 1.0  # a pipelined window with no ack for this long is published again
JS_UNAVAILABLE = 503
JS_MSG_ID_IN_PROCESS = 10158  # an earlier attempt with this Nats-Msg-Id awaits its quorum

_Pending = tuple[asyncio.Future[Any], str, RequestMux, Event]


class EventPublisher:
    def __init__(
        self, pool: Pool, stream: StreamGuard, serializer: Format, publish_timeout: float
    ) -> None:
        self._pool = pool
        self._stream = stream
        self.serializer = serializer
        self.timeout = publish_timeout

    async def publish(self, event: Event) -> None:
        """Return once JetStream stored ``event``. Retries (same ``Nats-Msg-Id``, so the
        stream keeps one copy) until the publish timeout; then raises ``PublishError``."""
        subject = event_subject(event.domain, event.event_type)
        payload = encode(event.to_wire(), self.serializer)
        message_id = checked_id(event.message_id, payload, self._pool.pick().nc.max_payload)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        last: BaseException | str = "no attempt"
        ack_waits = itertools.chain(ACK_WAITS, itertools.repeat(ACK_WAITS[-1]))
        for delay in itertools.chain(RETRY_DELAYS, itertools.repeat(RETRY_DELAYS[-1])):
            link = self._pool.pick()
            try:
                await self._stream.ensure()
                wait = min(next(ack_waits), max(deadline - loop.time(), 0.01))
                reply = await link.requests.request(subject, payload, wait, message_id)
                error = ack_error(reply.data)
                if error is None:
                    return
                if not retryable(error):
                    raise PublishError(
                        f"JetStream rejected event {event.message_id}: "
                        f"{error.get('description', error)}",
                        [event],
                    )
                last = str(error.get("description", "JetStream unavailable"))
            except nats.errors.NoRespondersError:
                last = "no stream stores this subject"
                self._stream.invalidate()  # deleted behind our back, or a fresh server
            except (TimeoutError, *CONNECTION_TROUBLE) as exc:  # nats' TimeoutError too
                last = exc
            except PublishError as exc:
                if exc.unacknowledged:
                    raise
                last = exc  # the stream could not be checked (yet)
            except nats.js.errors.APIError as exc:  # creating the stream failed
                if exc.code != JS_UNAVAILABLE:
                    raise PublishError(
                        f"cannot create stream {STREAM_NAME} for event {event.message_id}: {exc}",
                        [event],
                    ) from None
                last = exc
            if loop.time() + delay >= deadline:
                break
            await asyncio.sleep(delay)
        redact = self._pool.redact
        why = last if isinstance(last, str) else redact(f"{type(last).__name__} {last}")
        raise PublishError(
            f"event {event.message_id} on {subject} was not acknowledged within "
            f"{self.timeout:g} s ({why}); it may or may not be stored, "
            "and publishing it again with the same message_id is safe",
            [event],
        )

    async def publish_many(self, events: Sequence[Event]) -> None:
        """Return once every event is stored. Where the stream takes fast-ingest batches
        (nats-server 2.14 and later, ``StreamGuard``) the events go as one batch; one cut
        short is begun again from the first event not known to be stored, and after
        ``timeout`` without progress ``PublishError`` lists the rest. On older servers
        they are pipelined (up to two windows of acks outstanding, each bounded in time),
        then the events without an ack are published one by one (``publish``'s retries);
        those still failing raise ``PublishError`` listing them."""
        if not events:
            return
        events = list(events)
        limit, serializer = self._pool.pick().nc.max_payload, self.serializer
        subjects: dict[tuple[str, str], str] = {}
        frames: list[fast_ingest.Frame] = []
        for e in events:
            payload = encode(e.to_wire(), serializer)
            message_id = checked_id(e.message_id, payload, limit)
            key = (e.domain, e.event_type)
            subject = subjects.get(key) or subjects.setdefault(key, event_subject(*key))
            frames.append((subject, payload, message_id))
        await self._stream.ensure()
        stored = await self._fast(frames, events) if self._stream.fast_ingest else 0
        if stored < len(events):
            await self._pipelined(frames[stored:], events[stored:], len(events))

    async def _fast(self, frames: list[fast_ingest.Frame], events: list[Event]) -> int:
        """Fast-ingest batches until every event is stored; a batch cut short (a lost
        connection, a restarted server) is followed by a new one from the first event not
        known to be stored. Gives up after ``timeout`` without progress with
        ``PublishError``. Returns how many events, from the first, are stored: fewer than
        all when the stream does not take fast batches after all."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.timeout
        delays = itertools.chain(RETRY_DELAYS, itertools.repeat(RETRY_DELAYS[-1]))
        stored = 0
        while stored < len(frames) and self._stream.fast_ingest:
            link = self._pool.pick()
            outcome = fast_ingest.Outcome(0)
            if link.nc.is_connected:
                try:
                    await self._stream.ensure()
                    rest = frames[stored:] if stored else frames
                    outcome = await fast_ingest.publish(link, rest, self.timeout)
                except fast_ingest.Unsupported:
                    self._stream.fast_ingest = False
                except PermissionDeniedError:
                    raise
                except (nats.errors.Error, OSError, PublishError):
                    pass  # the connection or the stream is in trouble: try again in time
                if not outcome.supported:
                    self._stream.fast_ingest = False
                if outcome.no_stream:
                    self._stream.invalidate()
            if outcome.stored:
                stored += outcome.stored
                give_up = loop.time() + self.timeout
                continue
            if loop.time() >= give_up:
                rest_events = events[stored:]
                raise PublishError(
                    f"{len(rest_events)} of {len(events)} events were not acknowledged "
                    f"within {self.timeout:g} s without progress; publishing them again "
                    "with the same message_id is safe",
                    rest_events,
                )
            await asyncio.sleep(min(next(delays), max(give_up - loop.time(), 0)))
        return stored

    async def _pipelined(
        self, frames: list[fast_ingest.Frame], events: list[Event], total: int
    ) -> None:
        outstanding: list[_Pending] = []
        failed: list[Event] = []
        for start in range(0, len(frames), PUBLISH_WINDOW):
            window: list[_Pending] = []
            end = start + PUBLISH_WINDOW
            chunk = zip(frames[start:end], events[start:end], strict=True)
            for (subject, payload, message_id), event in chunk:
                link = self._pool.pick()
                try:
                    token, future = await link.requests.send(subject, payload, message_id)
                except (nats.errors.Error, OSError):
                    failed.append(event)  # e.g. the outbound buffer is full while reconnecting
                    continue
                window.append((future, token, link.requests, event))
            failed += await self._settle_window(outstanding)
            outstanding = window
        failed += await self._settle_window(outstanding)
        if failed:
            order = {id(e): i for i, e in enumerate(events)}
            failed.sort(key=lambda e: order[id(e)])
            await self._republish(failed, total)

    async def _settle_window(self, window: list[_Pending]) -> list[Event]:
        """Wait for a window's acks while they keep coming, at most the publish timeout;
        return the events without a positive one."""
        if not window:
            return []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        waiting = {p[0] for p in window}
        while waiting and loop.time() < deadline:
            done, waiting = await asyncio.wait(
                waiting, timeout=min(WINDOW_STALL, deadline - loop.time())
            )
            if not done:
                break
        failed = []
        for future, token, requests, event in window:
            requests.forget(token)
            if not future.done():
                future.cancel()
                failed.append(event)
            elif future.exception() is not None or ack_error(future.result().data):
                failed.append(event)
        return failed

    async def _republish(self, failed: list[Event], total: int) -> None:
        for i, event in enumerate(failed):
            try:
                await self.publish(event)
            except PublishError as exc:
                rest = failed[i:]
                raise PublishError(
                    f"{len(rest)} of {total} events were not acknowledged (first: {exc}); "
                    "publishing them again with the same message_id is safe",
                    rest,
                ) from None


MSG_ID_HEADER = len(b"NATS/1.0\r\nNats-Msg-Id: \r\n\r\n")  # the block, less the id


def checked_id(message_id: Any, payload: bytes, limit: int) -> str:
    """An event's message id, checked as its ``Nats-Msg-Id`` header (a line break in it
    would start a header of its own, an empty one would turn off de-duplication) and for
    the size of the frame it heads: ``payload`` and its header block within ``limit``."""
    if type(message_id) is not str or not message_id or not message_id.isprintable():
        raise ValidationError(
            "an event's message_id must be a non-empty string of printable characters, "
            f"got {message_id!r:.80}"
        )
    size = len(payload) + MSG_ID_HEADER + len(message_id)
    if size > limit:
        raise PayloadTooLargeError(f"event {message_id}", size, limit)
    return message_id


def retryable(error: dict[str, Any]) -> bool:
    """JetStream cannot store it just now (no leader, no quorum yet): try again."""
    return error.get("code") == JS_UNAVAILABLE or error.get("err_code") == JS_MSG_ID_IN_PROCESS


def ack_error(data: bytes) -> dict[str, Any] | None:
    """The error of a JetStream publish ack, or None when the event was stored."""
    try:
        ack = json.loads(data)
    except ValueError:
        return {"code": 0, "description": f"unreadable ack {data[:80]!r}"}
    error = ack.get("error") if isinstance(ack, dict) else None
    return error if isinstance(error, dict) else None
