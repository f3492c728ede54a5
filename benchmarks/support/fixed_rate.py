"""Open-loop load: calls started on a fixed schedule, whatever the replies do.

A closed loop ("call, wait, call again") stops sending while the system stalls, so a
stall delays one call instead of every call due during it: coordinated omission. Here call
``i`` is due at ``start + i / rate`` and its latency is counted from that *intended* start,
as wrk2, ``nats latency`` and OpenMessaging Benchmark do. How late the generator itself
started each call (its send delay) is kept too, so the correction can be shown.

The event loop's timers decide how punctual the schedule is: the default selector (epoll)
wakes up to 1 ms late, ``select`` with a small timer slack about 50-100 us, so
``precise_loop()`` builds the loop the generator runs on.
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import selectors
import sys
import time
from array import array
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Call = Callable[[int, float], Awaitable[object]]
_PR_SET_TIMERSLACK = 29


def precise_loop() -> asyncio.AbstractEventLoop:
    """An asyncio loop that wakes within tens of microseconds of a timer (``select`` has
    microsecond timeouts; epoll rounds them up to milliseconds)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_TIMERSLACK, 1000, 0, 0, 0)  # 1 us
    return asyncio.SelectorEventLoop(selectors.SelectSelector())


@dataclass
class Outcome:
    """One open-loop run. Latencies and delays in seconds; NaN latency = the call failed."""

    rate: float
    seconds: float  # first intended start to last completion
    latencies: array
    delays: array
    errors: int

    @property
    def sent(self) -> int:
        return len(self.latencies)

    @property
    def completed(self) -> int:
        return self.sent - self.errors

    @property
    def achieved(self) -> float:
        """Completed calls per second over the whole run, backlog included."""
        return self.completed / self.seconds if self.seconds > 0 else 0.0

    def ok_latencies(self) -> list[float]:
        return [v for v in self.latencies if not math.isnan(v)]


async def run(call: Call, rate: float, seconds: float, timeout: float = 30.0) -> Outcome:
    """Start ``call(i, intended_start)`` ``rate`` times a second for ``seconds``; wait for all.

    ``intended_start`` is a ``time.perf_counter()`` value; a call may carry it (an event's
    payload, say) to measure latency on the receiving side.
    """
    loop = asyncio.get_running_loop()
    clock = time.perf_counter
    n = max(int(rate * seconds), 1)
    interval = 1.0 / rate
    latencies = array("d", [math.nan]) * n
    delays = array("d", [0.0]) * n
    state = {"done": 0, "errors": 0}
    finished = loop.create_future()
    running: set[asyncio.Task] = set()

    async def one(i: int, intended: float) -> None:
        try:
            await call(i, intended)
        except Exception:
            state["errors"] += 1
        else:
            latencies[i] = clock() - intended
        state["done"] += 1
        if state["done"] == n and not finished.done():
            finished.set_result(None)

    start = clock() + 0.002
    i = 0
    while i < n:
        now = clock()
        due = start + i * interval
        if due > now:
            await asyncio.sleep(due - now)
            now = clock()
        while i < n:
            intended = start + i * interval
            if intended > now:
                break
            delays[i] = now - intended
            task = loop.create_task(one(i, intended))
            running.add(task)
            task.add_done_callback(running.discard)
            i += 1
    try:
        await asyncio.wait_for(finished, timeout)
    except TimeoutError:
        for task in running:
            task.cancel()
        state["errors"] += len(running)
    return Outcome(rate, clock() - start, latencies, delays, state["errors"])
