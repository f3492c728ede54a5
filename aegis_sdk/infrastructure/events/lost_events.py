"""Events a push consumer delivered where nobody received them, sent again at once.

nats-server learns that the last listener of a push consumer left a moment after the fact
(a stop, a lost connection): messages it delivers in that moment go nowhere, and those in
flight on a lost connection are gone with it. Each waits out the consumer's ack wait (30 s)
before it is redelivered. A subscriber that knows it was the consumer's only receiver can
tell which deliveries it missed, and naks them: a nak puts a pending message up for
redelivery at once, and the server ignores one for a message no longer pending.

Whether it was the only receiver is counted, not guessed: a consumer numbers every
delivery (the delivery sequence in each message's ack subject), so a subscriber that
received as many messages as the sequence advanced since it started counting received
all of them; with other instances in the deliver group it received fewer.
"""

from __future__ import annotations

from nats.aio.client import Client
from nats.js import api

from .stream import STREAM_NAME

ACK_PREFIX = "$JS.ACK."  # the reply subject of every message a consumer delivers
NAK = b"-NAK"
MAX_SWEEP = 10_000  # stream sequences below the last delivered that a sweep naks at most


def ack_sequences(reply: str) -> tuple[int, int] | None:
    """(stream sequence, delivery sequence) from a delivered message's ack subject: the
    v1 form ``$JS.ACK.<stream>.<consumer>.<count>.<sseq>.<dseq>.<ts>.<pending>`` or the
    v2 form, which has a domain and an account hash after ``ACK``."""
    tokens = reply.split(".")
    if len(tokens) == 9:
        offset = 2
    elif len(tokens) >= 11:
        offset = 4
    else:
        return None
    try:
        return int(tokens[offset + 3]), int(tokens[offset + 4])
    except ValueError:
        return None


class Receipts:
    """What one subscription received since it started counting. The delivery path
    itself counts every message (``received``, ``last_reply``) and calls ``new_epoch``
    for the first message after a lost connection."""

    __slots__ = ("baseline", "received", "last_reply", "epoch", "at_loss", "first_after")

    def __init__(self, epoch: float | None = None) -> None:
        self.baseline = 0  # the consumer's delivery sequence when counting started
        self.received = 0
        self.last_reply = ""
        self.epoch = epoch  # the connection loss the counts are since
        self.at_loss: tuple[bool, tuple[int, int] | None] = (False, None)
        self.first_after = ""  # the ack subject of the first message after the loss

    def restart(self, delivered: int) -> None:
        self.baseline, self.received = delivered, 0

    def last(self) -> tuple[int, int] | None:
        return ack_sequences(self.last_reply) if self.last_reply else None

    def alone(self) -> bool:
        """Every delivery up to the last one received came here."""
        last = self.last()
        return last is not None and last[1] - self.baseline <= self.received

    def new_epoch(self, epoch: float | None, reply: str) -> None:
        """The first message since the connection was lost: keep what was known at the
        loss, and count again from this message."""
        self.at_loss = (self.alone(), self.last())
        self.first_after, self.epoch = reply, epoch
        first = ack_sequences(reply)
        self.restart(first[1] - 1 if first else 0)


async def nak_pending(
    nc: Client, info: api.ConsumerInfo, after: int = 0, upto: int | None = None
) -> int:
    """Nak every stream sequence above the ack floor (and above ``after``) up to the last
    delivered one (or ``upto``), at most ``MAX_SWEEP`` of them; return how many naks were
    sent."""
    floor, last = info.ack_floor, info.delivered
    if not info.num_ack_pending or floor is None or last is None or not last.consumer_seq:
        return 0
    top = last.stream_seq if upto is None else min(upto, last.stream_seq)
    first = max(floor.stream_seq + 1, after + 1, top - MAX_SWEEP + 1)
    # any delivery sequence above the consumer's ack floor is accepted with a nak
    prefix = f"{ACK_PREFIX}{STREAM_NAME}.{info.name}.1."
    suffix = f".{last.consumer_seq}.0.0"
    for seq in range(first, top + 1):
        await nc.publish(f"{prefix}{seq}{suffix}", NAK)
    return max(top - first + 1, 0)
