"""Cancel request handlers that outlive their caller's deadline.

One sweeping task per adapter instead of a timer per request: registering a deadline is
a dict insert, which keeps the per-request cost low. Cancellation may come up to one
sweep interval late; the caller has stopped waiting by then anyway.
"""

from __future__ import annotations

import asyncio
import contextlib

SWEEP_INTERVAL = 0.1
IDLE_SWEEPS_BEFORE_EXIT = 20  # a sweeper per request would cost more than it saves


class DeadlineWatch:
    def __init__(self, interval: float = SWEEP_INTERVAL) -> None:
        self.interval = interval
        self._deadlines: dict[asyncio.Task, float] = {}
        self._expired: set[asyncio.Task] = set()
        self._sweeper: asyncio.Task | None = None

    def watch(self, task: asyncio.Task, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        self._deadlines[task] = loop.time() + timeout
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = loop.create_task(self._sweep())

    def release(self, task: asyncio.Task) -> bool:
        """Stop watching ``task``; True if it was cancelled because its deadline passed."""
        self._deadlines.pop(task, None)
        if task in self._expired:
            self._expired.discard(task)
            return True
        return False

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        idle = 0
        while idle < IDLE_SWEEPS_BEFORE_EXIT:
            await asyncio.sleep(self.interval)
            idle = 0 if self._deadlines else idle + 1
            now = loop.time()
            for task, deadline in list(self._deadlines.items()):
                if deadline <= now and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()
        self._sweeper = None

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
