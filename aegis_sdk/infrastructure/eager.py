"""Start a coroutine at once and make it a task only if it suspends.

Python 3.12 does this natively (eager tasks); on 3.11 we drive the first step ourselves.
A request handler that never suspends then finishes without a trip through the event
loop and without a Task, which is most of the cost of serving a small request.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Coroutine, Generator
from typing import Any

NATIVE = sys.version_info >= (3, 12)


def start_eagerly(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro`` until it first suspends; return the task that finishes it, or None."""
    loop = asyncio.get_running_loop()
    if NATIVE:
        task = asyncio.Task(coro, loop=loop, eager_start=True)  # type: ignore[call-arg]
        return None if task.done() else task
    context = contextvars.copy_context()
    try:
        yielded = context.run(coro.send, None)
    except StopIteration:
        return None
    return loop.create_task(_finish(coro, yielded), context=context)


async def _finish(coro: Coroutine[Any, Any, None], yielded: Any) -> None:
    await _Resume(coro, yielded)


class _Resume:
    """Hands what the coroutine yields to the driving task, and the task's answers back."""

    __slots__ = ("_coro", "_yielded")

    def __init__(self, coro: Coroutine[Any, Any, None], yielded: Any) -> None:
        self._coro = coro
        self._yielded = yielded

    def __await__(self) -> Generator[Any, Any, None]:
        coro, yielded = self._coro, self._yielded
        while True:
            try:
                value = yield yielded
            except BaseException as exc:  # thrown in by the task: cancellation, mostly
                try:
                    yielded = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    yielded = coro.send(value)
                except StopIteration:
                    return
