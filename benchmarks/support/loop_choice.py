"""Run a coroutine on the event loop a benchmark names: asyncio's own or uvloop."""

from __future__ import annotations

import asyncio


def run_on(loop_name: str, coro):
    if loop_name == "uvloop":
        import uvloop

        return uvloop.run(coro)
    return asyncio.run(coro)
