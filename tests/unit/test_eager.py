import asyncio
import contextvars

import pytest

from aegis_sdk.infrastructure.rpc.eager import NATIVE, start_eagerly

VAR = contextvars.ContextVar("VAR", default="unset")
eager_only = pytest.mark.skipif(not NATIVE, reason="Python 3.11 has no eager tasks")


async def finished(task):
    """Wait for the task ``start_eagerly`` made, if it made one (it did not when the
    coroutine finished before it returned)."""
    if task is not None:
        await asyncio.wait_for(task, 1)


@eager_only
async def test_coroutine_that_never_suspends_finishes_without_a_task():
    done = []

    async def work():
        done.append(1)

    assert start_eagerly(work()) is None
    assert done == [1]


@eager_only
async def test_first_step_runs_before_start_eagerly_returns():
    steps = []
    gate = asyncio.Event()

    async def work():
        steps.append("before")
        await gate.wait()
        steps.append("after")

    task = start_eagerly(work())
    assert steps == ["before"]
    assert task is not None and not task.done()
    gate.set()
    await asyncio.wait_for(task, 1)
    assert steps == ["before", "after"]


async def test_suspended_coroutine_is_finished_by_the_task_through_many_awaits():
    results = []

    async def work():
        for i in range(5):
            await asyncio.sleep(0)
            await asyncio.sleep(0.001)
            results.append(i)

    task = start_eagerly(work())
    await asyncio.wait_for(task, 1)
    assert results == [0, 1, 2, 3, 4]


async def test_exception_after_suspension_surfaces_in_the_task():
    async def work():
        await asyncio.sleep(0)
        raise KeyError("boom")

    task = start_eagerly(work())
    with pytest.raises(KeyError):
        await task


async def test_cancelling_the_task_cancels_the_coroutine_where_it_waits():
    seen = []

    async def work():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append("cancelled inside")
            raise

    task = start_eagerly(work())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["cancelled inside"]


async def test_coroutine_can_catch_cancellation_and_finish():
    async def work():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            asyncio.current_task().uncancel()
            await asyncio.sleep(0)

    task = start_eagerly(work())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.wait_for(task, 1)
    assert not task.cancelled()


async def test_context_changes_do_not_leak_into_the_caller():
    async def work():
        VAR.set("inside")
        await asyncio.sleep(0)
        assert VAR.get() == "inside"

    task = start_eagerly(work())
    assert VAR.get() == "unset"
    await task


async def test_a_coroutine_that_never_suspends_runs_to_its_end_on_every_python():
    done = []

    async def work():
        done.append(1)

    await finished(start_eagerly(work()))
    assert done == [1]


async def test_the_first_step_runs_as_its_own_task_not_the_callers():
    caller = asyncio.current_task()
    seen = []

    async def work():
        seen.append(asyncio.current_task())

    await finished(start_eagerly(work()))
    assert seen[0] is not None and seen[0] is not caller


async def test_a_timeout_in_the_coroutine_cancels_only_the_coroutine():
    outcome = []

    async def work():
        try:
            async with asyncio.timeout(0.01):
                await asyncio.sleep(10)
        except TimeoutError:
            outcome.append("timed out")

    await finished(start_eagerly(work()))
    await asyncio.sleep(0.02)  # the caller, still running, was not cancelled
    assert outcome == ["timed out"]
