"""A durable subscriber that starts again, or whose connection comes back, while a backlog
waits behind a filled stream: it gets every event of the backlog at once, and none waits
out the consumer's 30 s ack wait.

nats-server pushes to a consumer's deliver subject as soon as it sees interest there, and
learns a moment late that the last listener left; a message it pushes into that gap is
redelivered only after the ack wait. Each test loops 20 times, since the gap is a race.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from aegis_sdk import NATSAdapter, Service
from aegis_sdk.testing import NatsServer

from .tcp_proxy import TcpProxy

FILL = 100_000  # other events in the stream: the race needs a stream with some history
BACKLOG = 3_000
CYCLES = 20
STRAGGLER = 1.0  # seconds: no event may arrive this long after the one before it
WAIT = 45.0  # longer than the ack wait, so a straggler is measured, not timed out


class Arrivals:
    """When each event first reached the handler."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    async def handle(self, event) -> None:
        self.at.setdefault(event.message_id, time.monotonic())

    async def all_of(self, ids: list[str]) -> None:
        deadline = time.monotonic() + WAIT
        while any(i not in self.at for i in ids):
            if time.monotonic() > deadline:
                missing = sum(i not in self.at for i in ids)
                raise AssertionError(f"{missing} of {len(ids)} events not delivered in {WAIT} s")
            await asyncio.sleep(0.01)

    def longest_gap(self, ids: list[str]) -> float:
        """The longest time between two events arriving one after the other."""
        times = sorted(self.at[i] for i in ids)
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)


@pytest.fixture(scope="module")
def filled_server():
    """One server for the module, its events stream already holding ``FILL`` events."""

    async def fill(url: str) -> None:
        bus = NATSAdapter()
        await bus.connect(url)
        publisher = Service("filler", bus)
        for _ in range(FILL // 10_000):
            await publisher.publish_events("filler", "old", [{"n": 1}] * 10_000)
        await bus.disconnect()

    with NatsServer() as server:
        asyncio.run(fill(server.url))
        yield server


async def publish_backlog(publisher: Service, domain: str) -> list[str]:
    events = await publisher.publish_events(domain, "tick", [{"i": i} for i in range(BACKLOG)])
    return [e.message_id for e in events]


def subscriber(bus: NATSAdapter, name: str, arrivals: Arrivals) -> Service:
    service = Service(name, bus)
    service.subscribe(f"events.{name}.*", durable=f"{name}-drain")(arrivals.handle)
    return service


async def test_a_restarted_subscriber_gets_its_backlog_at_once(
    filled_server, adapters, figures, unique
):
    publisher = Service("publisher", await adapters(filled_server.url))
    arrivals = Arrivals()
    service = subscriber(await adapters(filled_server.url), unique, arrivals)
    gaps = []
    for _ in range(CYCLES):
        await service.start()  # a deployment that starts and stops at once
        await service.stop()
        ids = await publish_backlog(publisher, unique)
        await service.start()
        await arrivals.all_of(ids)
        gaps.append(arrivals.longest_gap(ids))
        await service.stop()
    figures.record("subscriber_restart", cycles=CYCLES, backlog=BACKLOG, longest_gaps=gaps)
    assert max(gaps) < STRAGGLER, f"an event waited {max(gaps):.1f} s after the others"


async def test_a_subscriber_stopped_amid_its_backlog_loses_no_time(
    filled_server, adapters, figures, unique
):
    publisher = Service("publisher", await adapters(filled_server.url))
    arrivals = Arrivals()
    service = subscriber(await adapters(filled_server.url), unique, arrivals)
    await service.start()
    await service.stop()
    gaps = []
    for _ in range(CYCLES):
        ids = await publish_backlog(publisher, unique)
        await service.start()
        while sum(i in arrivals.at for i in ids) < BACKLOG // 2:
            await asyncio.sleep(0.001)
        await service.stop()  # events in hand are handled, none is dropped
        await service.start()
        await arrivals.all_of(ids)
        gaps.append(arrivals.longest_gap(ids))
        await service.stop()
    figures.record("subscriber_stopped_amid_backlog", cycles=CYCLES, longest_gaps=gaps)
    assert max(gaps) < STRAGGLER, f"an event waited {max(gaps):.1f} s after the others"


async def test_a_subscriber_whose_connection_came_back_gets_its_backlog_at_once(
    filled_server, adapters, figures, unique
):
    proxy = await TcpProxy(filled_server.host, filled_server.port).start()
    try:
        publisher = Service("publisher", await adapters(filled_server.url))
        arrivals = Arrivals()
        bus = await adapters(proxy.url)
        service = subscriber(bus, unique, arrivals)
        await service.start()
        gaps = []
        for _ in range(CYCLES):
            proxy.cut()  # the server sees the subscriber go; events come meanwhile
            ids = await publish_backlog(publisher, unique)
            await arrivals.all_of(ids)
            gaps.append(arrivals.longest_gap(ids))
        await service.stop()
        await bus.disconnect()
    finally:
        await proxy.close()
    figures.record("subscriber_reconnect", cycles=CYCLES, backlog=BACKLOG, longest_gaps=gaps)
    assert max(gaps) < STRAGGLER, f"an event waited {max(gaps):.1f} s after the others"
