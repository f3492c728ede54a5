"""Act on things that outlive their deadline: cancel request handlers whose caller stopped
waiting, fail reply futures whose caller's timeout passed.

One sweeping task per watch instead of a timer per item: registering a deadline is a dict
insert, which keeps the per-request cost low (``asyncio.wait_for`` costs about 5 us a call
more). The action may come up to one sweep interval late.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

SWEEP_INTERVAL = 0.1
IDLE_SWEEPS_BEFORE_EXIT = 20  # a sweeper per request would cost more than it saves

T = TypeVar("T", bound=Hashable)


def cancel(task: asyncio.Task) -> None:
    task.cancel()


class DeadlineWatch(Generic[T]):
    def __init__(
        self, expire: Callable[[T], None] = cancel, interval: float = SWEEP_INTERVAL
    ) -> None:
        self.interval = interval
        self._expire = expire
        self._deadlines: dict[T, float] = {}
        self._expired: set[T] = set()
        self._sweeper: asyncio.Task | None = None

    def watch(self, item: T, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        self._deadlines[item] = loop.time() + timeout
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = loop.create_task(self._sweep())

    def release(self, item: T) -> bool:
        """Stop watching ``item``; True if its deadline passed and it was acted on."""
        self._deadlines.pop(item, None)
        if item in self._expired:
            self._expired.discard(item)
            return True
        return False

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        idle = 0
        while idle < IDLE_SWEEPS_BEFORE_EXIT:
            await asyncio.sleep(self.interval)
            idle = 0 if self._deadlines else idle + 1
            now = loop.time()
            for item, deadline in list(self._deadlines.items()):
                if deadline <= now and item not in self._expired:
                    self._expired.add(item)
                    self._expire(item)
        self._sweeper = None

    def stop(self) -> None:
        """Stop sweeping, without waiting for the sweeper to end."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
