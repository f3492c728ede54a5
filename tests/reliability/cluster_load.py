"""Steady traffic through a cluster while its nodes fail: publishers, an RPC caller and a
durable subscriber, each recording what the application saw and when."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from aegis_sdk import AegisError, Event, PublishError, Service

PUBLISHERS = 4
PUBLISH_PAUSE = 0.005  # between one task's publishes: a few hundred events/s in all
RPC_INTERVAL = 0.02
RPC_TIMEOUT = 1.0


@dataclass
class Publish:
    began: float
    acked: float
    errors: int  # PublishError raised to the application before it was acknowledged


@dataclass
class Call:
    began: float
    ended: float
    outcome: str  # "ok" or the error's class name


@dataclass
class ClusterLoad:
    """4 tasks publishing events (each retries the same event after a ``PublishError``),
    an RPC caller every 20 ms with a 1 s timeout, a durable subscriber counting deliveries."""

    publisher_bus: object
    caller_bus: object
    target: str  # the echo service's name
    domain: str
    published: dict[str, Publish] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    delivered: Counter[str] = field(default_factory=Counter)
    delivery_times: list[float] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Future] = field(default_factory=list)

    def on_event(self, event: Event) -> None:
        self.delivered[event.message_id] += 1
        self.delivery_times.append(asyncio.get_running_loop().time())

    def start(self) -> None:
        self._tasks = [asyncio.ensure_future(self._publish()) for _ in range(PUBLISHERS)]
        self._tasks.append(asyncio.ensure_future(self._call()))

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.gather(*self._tasks)

    async def _publish(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.stop.is_set():
            event = Event(self.domain, "tick", {}, source="publisher")
            began, errors = loop.time(), 0
            while True:
                try:
                    await self.publisher_bus.publish_event(event)
                    break
                except PublishError:
                    errors += 1  # the application sees it and publishes the same event again
            self.published[event.message_id] = Publish(began, loop.time(), errors)
            await asyncio.sleep(PUBLISH_PAUSE)

    async def _call(self) -> None:
        loop = asyncio.get_running_loop()
        client = Service(f"{self.target}-caller", self.caller_bus)
        while not self.stop.is_set():
            began = loop.time()
            try:
                await client.call_rpc(self.target, "echo", {"n": 1}, timeout=RPC_TIMEOUT)
                outcome = "ok"
            except AegisError as exc:
                outcome = type(exc).__name__
            self.calls.append(Call(began, loop.time(), outcome))
            await asyncio.sleep(RPC_INTERVAL)

    # -- what it saw -------------------------------------------------------------------------

    @property
    def acked(self) -> set[str]:
        return set(self.published)

    def publish_errors(self) -> int:
        return sum(p.errors for p in self.published.values())

    def longest_publish(self, since: float = 0.0) -> float:
        waits = [p.acked - p.began for p in self.published.values() if p.acked >= since]
        return max(waits, default=0.0)

    def last_ack(self) -> float:
        return max((p.acked for p in self.published.values()), default=0.0)

    def first_ack_after(self, moment: float) -> float | None:
        """When the first publish was acknowledged after ``moment``, ignoring acks that
        were already on their way (the longest silence that began around ``moment``)."""
        acks = sorted(p.acked for p in self.published.values())
        gaps = [(b - a, b) for a, b in zip(acks, acks[1:], strict=False) if b > moment]
        around = [(gap, end) for gap, end in gaps if end - gap <= moment + 0.05]
        if not around:
            return None
        return max(around)[1]

    def longest_delivery_pause(self) -> float:
        """The longest time the subscriber received nothing (publishing never stops)."""
        times = sorted(self.delivery_times)
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)

    def failed_calls(self) -> list[Call]:
        return [c for c in self.calls if c.outcome != "ok"]

    def failures_by_kind(self) -> dict[str, int]:
        return dict(Counter(c.outcome for c in self.failed_calls()))

    def delivered_duplicates(self) -> int:
        return sum(n - 1 for n in self.delivered.values())
