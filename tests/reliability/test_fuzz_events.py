"""Fuzzing the event path: garbage published straight into the stream (by a program not
using the SDK) is rejected and logged, never redelivered forever; the events around it
are delivered, and the subscriber goes on."""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aegis_sdk import STREAM_NAME, Service

from .conftest import figures_for
from .fuzzing import FUZZ_SETTINGS, broken_envelopes, good_event, pack, served_target

EXAMPLES = 300
NAME = "evfuzz"


@pytest.fixture(scope="module")
def target():
    with served_target(NAME) as fuzzed:
        yield fuzzed


def test_garbage_events_are_rejected_and_delivery_goes_on(target, tmp_path_factory, caplog):
    caplog.set_level(logging.ERROR, logger="aegis_sdk.nats")
    received: list[str] = []
    durable = f"{NAME}-d"

    async def subscribe():
        subscriber = Service(f"{NAME}-sub", target.bus)
        subscriber.subscribe(f"events.{NAME}.>", durable=durable)(
            lambda e: received.append(e.message_id)
        )
        await subscriber.start()
        return subscriber

    subscriber = target.run(subscribe())
    js = target.nc.jetstream()
    published = {"garbage": 0}

    def publish(data: bytes) -> None:
        target.run(js.publish(f"events.{NAME}.junk", data))
        published["garbage"] += 1

    event_shaped = st.tuples(
        broken_envelopes(good_event(NAME, "junk")), st.sampled_from(["msgpack", "json"])
    ).map(lambda pair: pack(*pair))

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    @given(st.binary(max_size=1024) | event_shaped)
    def garbage(data):
        publish(data)

    garbage()
    good = target.run(target.client.publish_event(NAME, "good", {"after": "garbage"}))

    async def settled() -> tuple[int, int, int]:
        for _ in range(500):
            info = await js.consumer_info(STREAM_NAME, durable)
            if good.message_id in received and info.num_ack_pending == 0:
                break
            await asyncio.sleep(0.02)
        return info.num_ack_pending, info.num_redelivered, info.delivered.stream_seq

    ack_pending, redelivered, delivered_seq = target.run(settled(), timeout=30)
    target.run(subscriber.stop())
    rejected = [r for r in caplog.records if "rejected event" in r.getMessage()]
    figures_for(tmp_path_factory).record(
        "fuzz_events",
        garbage_published=published["garbage"],
        rejected_and_logged=len(rejected),
        accepted_as_events=len(received) - 1,
        good_event_delivered=good.message_id in received,
        left_unacknowledged=ack_pending,
        redelivered=redelivered,
    )
    assert good.message_id in received
    assert ack_pending == 0 and redelivered == 0
    assert delivered_seq >= published["garbage"] + 1
    # each input was either a (broken but acceptable) event or a logged rejection
    assert len(rejected) + len(received) - 1 == published["garbage"]
