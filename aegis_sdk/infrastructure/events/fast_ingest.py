"""Fast-ingest batch publishing (JetStream ADR-50, nats-server 2.14 and later, streams with
``allow_batched``): the server stores each message as it arrives and acknowledges every N
of them, instead of one ack per message.

Each message's reply subject carries the batch's control state,
``<inbox>.<batch id>.<flow>.<gap mode>.<sequence>.<operation>.$FI``, and every reply
comes back on the batch's own inbox subscription. The batch runs in gap mode ``fail``:
the server ends the batch at the first missing or refused message, so an ack for
sequence S means that messages 1..S are stored, and the final ack says how many are.
Messages keep their ``Nats-Msg-Id``, so duplicates are dropped as with a plain publish,
and anything not known to be stored can be published again safely.

Messages go out as HPUB frames handed to nats-py's outgoing buffer a window at a time
(``transport.frames``): per message about a fifth of what ``Client.publish`` costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import nats.errors
from nats.aio.msg import Msg

from ...domain.errors import PermissionDeniedError
from ..transport.frames import hpub_frame, ready, send
from ..transport.link import Link

FLOW = 500  # ask for an ack every 500 messages at most; the server may ask for fewer
MAX_OUTSTANDING = 2  # flow acks outstanding before the publisher waits (ADR-50's advice)
OP_START, OP_APPEND, OP_COMMIT = 0, 1, 2
BATCH_DISABLED, BATCH_INVALID = 10205, 10206
NO_RESPONDERS = "503"
LOSS_CHECK = 0.1  # seconds between looks at the connection while waiting for the server

Frame = tuple[str, bytes, str]  # subject, payload, message id


class Unsupported(Exception):
    """The server or the stream does not take fast batches; nothing of this batch was
    stored."""


@dataclass
class Outcome:
    stored: int  # the first ``stored`` messages are known to be stored
    supported: bool = True  # False: the server stored the first message as a plain publish
    no_stream: bool = False  # no stream takes the subject (deleted, or a server's lost store)


class _Replies:
    """What the server said about one batch so far."""

    def __init__(self) -> None:
        self.acked = 0  # highest sequence known stored
        self.flow = 1
        self.final: int | None = None  # the count in the final ack
        self.failed = False  # a gap or an error: the batch is ending
        self.plain_ack = False  # a plain PubAck for message 1: no fast ingest here
        self.error: dict | None = None
        self.no_stream = False
        self.denied: tuple[str, str] | None = None  # a permission violation: the batch is over
        self.first = False
        self._changed = asyncio.Event()

    async def on_reply(self, msg: Msg) -> None:
        if msg.headers and msg.headers.get("Status") == NO_RESPONDERS:
            self.no_stream = self.first = True
            self._changed.set()
            return
        try:
            reply = json.loads(msg.data)
        except ValueError:
            return
        kind = reply.get("type")
        if kind == "ack":
            self.acked = max(self.acked, int(reply.get("seq", 0)))
            self.flow = max(int(reply.get("msgs", 1)), 1)
            self.first = True
        elif kind in ("gap", "err"):
            self.failed = True
            self.error = reply.get("error") or self.error
        elif "error" in reply:
            self.error = reply["error"]
            self.failed = True
            self.first = True
            if self.final is None:
                self.final = 0 if self.acked == 0 else self.acked
        elif "batch" in reply:
            self.final = int(reply.get("count", 0))
            self.first = True
        else:
            self.plain_ack = True
            self.first = True
        self._changed.set()

    def violated(self, operation: str, subject: str) -> None:
        self.denied = (operation, subject)
        self._changed.set()

    async def changed(self, nc, timeout: float) -> bool:
        """Wait for a reply; False after ``timeout`` or as soon as the connection is lost
        (nothing more can come then)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._changed.is_set():
            left = deadline - loop.time()
            if left <= 0 or not nc.is_connected:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, LOSS_CHECK))
        self._changed.clear()
        if self.denied is not None:
            raise PermissionDeniedError(*self.denied)
        return True


async def publish(link: Link, frames: Sequence[Frame], timeout: float) -> Outcome:
    """Publish ``frames`` as one fast batch. ``timeout``: the longest wait for the server
    to make progress. Raises ``Unsupported`` when nothing was stored for that reason, and
    ``PermissionDeniedError`` as soon as the server refuses a subject."""
    nc = link.nc
    batch_id = secrets.token_hex(8)
    inbox = nc.new_inbox()
    base = f"{inbox}.{batch_id}.{FLOW}.fail"
    replies = _Replies()
    listen = f"{inbox}.{batch_id}.>"
    subjects = {subject.lower(): subject for subject, _, _ in frames}

    def on_violation(operation: str, subject: str) -> None:  # the server reports lowercase
        if operation == "publish" and subject in subjects:
            replies.violated(operation, subjects[subject])
        elif operation == "subscribe" and subject == listen.lower():
            replies.violated(operation, listen)

    link.watch.listeners.append(on_violation)
    sub = await nc.subscribe(listen, cb=replies.on_reply)
    try:
        return await _run(link, frames, base, replies, timeout)
    finally:
        link.watch.listeners.remove(on_violation)
        with contextlib.suppress(nats.errors.Error):
            await sub.unsubscribe()


async def _run(
    link: Link, frames: Sequence[Frame], base: str, replies: _Replies, timeout: float
) -> Outcome:
    nc = link.nc
    last = len(frames)
    subject, payload, msg_id = frames[0]
    op = OP_COMMIT if last == 1 else OP_START
    if not ready(nc):
        return Outcome(0)
    await send(nc, hpub_frame(subject, f"{base}.1.{op}.$FI", payload, msg_id))
    while not replies.first:
        if not await replies.changed(nc, timeout):
            return Outcome(0)
    if replies.no_stream:
        return Outcome(0, no_stream=True)
    if replies.plain_ack:
        return Outcome(1, supported=False)
    if replies.error is not None and replies.error.get("err_code") in (
        BATCH_DISABLED,
        BATCH_INVALID,
    ):
        raise Unsupported(replies.error.get("description", "fast batch refused"))
    if replies.final is not None:  # one message, or refused at once (a duplicate counts)
        return Outcome(replies.final)
    sent = 1
    while sent < last and not replies.failed:
        allowed = min(replies.acked + replies.flow * MAX_OUTSTANDING, last)
        if allowed <= sent:
            if not await replies.changed(nc, timeout):
                return Outcome(replies.acked)
            continue
        if not ready(nc):
            return Outcome(replies.acked)
        window = []
        for seq in range(sent + 1, allowed + 1):
            subject, payload, msg_id = frames[seq - 1]
            op = OP_COMMIT if seq == last else OP_APPEND
            window.append(hpub_frame(subject, f"{base}.{seq}.{op}.$FI", payload, msg_id))
        await send(nc, b"".join(window), len(window))
        sent = allowed
    while replies.final is None:
        if not await replies.changed(nc, timeout):
            return Outcome(replies.acked)
    return Outcome(max(replies.final, replies.acked))
