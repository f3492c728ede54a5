import asyncio

import pytest

from aegis_sdk.infrastructure.rpc.slots import Slots


async def test_free_slots_are_taken_at_once_then_none_is_left():
    slots = Slots(2)
    assert slots.take_now() and slots.take_now()
    assert not slots.take_now()
    slots.give_back()
    assert slots.take_now()


async def test_waiters_get_freed_slots_in_the_order_they_came():
    slots = Slots(1)
    await slots.take()
    order = []

    async def wait(name):
        await slots.take()
        order.append(name)

    waiters = [asyncio.create_task(wait(n)) for n in "abc"]
    await asyncio.sleep(0)
    assert not slots.take_now()  # a newcomer does not overtake the line
    for _ in "abc":
        slots.give_back()
        await asyncio.sleep(0)
    await asyncio.gather(*waiters)
    assert order == ["a", "b", "c"]
    assert slots.free == 0


async def test_a_waiter_cancelled_in_line_loses_no_slot():
    slots = Slots(1)
    await slots.take()
    gone = asyncio.create_task(slots.take())
    after = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    slots.give_back()
    await asyncio.wait_for(after, 1)  # the slot went past the cancelled waiter
    slots.give_back()
    assert slots.free == 1


async def test_a_slot_handed_to_a_waiter_cancelled_before_it_ran_is_passed_on():
    slots = Slots(1)
    await slots.take()
    first = asyncio.create_task(slots.take())
    second = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    slots.give_back()  # handed to first, which has not run yet
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)
    slots.give_back()
    assert slots.free == 1
