"""Start a coroutine at once and make it a task only if it suspends.

Python 3.12 does this natively (eager tasks): a request handler that never suspends then
finishes without a trip through the event loop, which is most of the cost of serving a
small request. The first step runs as the new task, so ``asyncio.current_task()``,
``asyncio.timeout`` and task groups inside it see their own task.

Python 3.11 has no eager tasks, and driving the first step by hand would run it as the
caller's task (nats-py's reader): an ``asyncio.timeout`` in a handler would then cancel the
reader and the service would stop answering. There the coroutine is an ordinary task.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

NATIVE = sys.version_info >= (3, 12)


def start_eagerly(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro`` until it first suspends (3.12+); return the task that finishes it, or
    None when it is already done."""
    loop = asyncio.get_running_loop()
    if NATIVE:
        task = asyncio.Task(coro, loop=loop, eager_start=True)  # type: ignore[call-arg]
        return None if task.done() else task
    return loop.create_task(coro)
