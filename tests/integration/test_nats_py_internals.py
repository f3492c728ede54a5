"""The nats-py internals the SDK's hot paths lean on, checked on their own against a real
server: ``subscribe(future=...)`` handing every message to ``set_result``
(``infrastructure/transport/dispatch.py``), frames handed to ``Client._send_command``, frames put
into the outgoing buffer with the flusher kicked, frames written to the transport's stream
when nothing waits before them (``infrastructure/transport/frames.py``), and the parser's
buffer holding only what follows the message it hands over (``infrastructure/rpc/server.py``). A
nats-py release that changes any of them fails here by name."""

from __future__ import annotations

import contextlib
import logging

import nats

from aegis_sdk.infrastructure.transport import frames
from aegis_sdk.infrastructure.transport.dispatch import Dispatch
from aegis_sdk.infrastructure.transport.link import sync

from .conftest import wait_for


@contextlib.asynccontextmanager
async def receiving(nats_url, connect_options, subject):
    """A subscription on a connection of its own, known to the server once yielded."""
    receiver = await nats.connect(nats_url, **connect_options)
    try:
        sub = await receiver.subscribe(subject)
        await sync(receiver)
        yield sub
    finally:
        await receiver.close()


async def test_subscribe_future_hands_over_every_message_in_order(nc, unique):
    got: list = []
    sub = await nc.subscribe(f"{unique}.dispatch", future=Dispatch(got.append))
    for i in range(100):
        await nc.publish(f"{unique}.dispatch", str(i).encode())
    await nc.flush()
    await wait_for(lambda: len(got) >= 100)
    assert [m.data for m in got] == [str(i).encode() for i in range(100)]
    await sub.unsubscribe()


async def test_a_failing_handler_is_logged_and_the_next_messages_still_arrive(nc, unique, caplog):
    got: list = []

    def handle(msg):
        if msg.data == b"2":
            raise ValueError("handler failed")
        got.append(msg.data)

    await nc.subscribe(f"{unique}.failing", future=Dispatch(handle))
    with caplog.at_level(logging.ERROR, logger="aegis_sdk.nats"):
        for i in range(5):
            await nc.publish(f"{unique}.failing", str(i).encode())
        await nc.flush()
        await wait_for(lambda: len(got) >= 4)
    assert got == [b"0", b"1", b"3", b"4"]
    assert any("handling a message" in r.getMessage() for r in caplog.records)
    assert nc.is_connected


async def test_frames_sent_directly_arrive_as_published(nc, nats_url, connect_options, unique):
    async with receiving(nats_url, connect_options, f"{unique}.wire") as sub:
        before = nc.stats["out_msgs"]
        data = (
            frames.pub_frame(f"{unique}.wire", "", b"one")
            + frames.hpub_frame(f"{unique}.wire", f"{unique}.reply", b"two", "id-2")
            + frames.hpub_frame(f"{unique}.wire", "", b"three", "id-3")
        )
        assert frames.ready(nc)
        await frames.send(nc, data, messages=3)
        first, second, third = [await sub.next_msg(timeout=2) for _ in range(3)]
    assert (first.data, first.reply, first.headers) == (b"one", "", None)
    assert (second.data, second.reply) == (b"two", f"{unique}.reply")
    assert second.headers == {"Nats-Msg-Id": "id-2"}
    assert (third.data, third.reply, third.headers) == (b"three", "", {"Nats-Msg-Id": "id-3"})
    assert nc.stats["out_msgs"] == before + 3


async def test_a_frame_pushed_without_awaiting_arrives_as_published(
    nc, nats_url, connect_options, unique
):
    async with receiving(nats_url, connect_options, f"{unique}.push") as sub:
        before = nc.stats["out_msgs"]
        assert frames.push(nc, frames.pub_frame(f"{unique}.push", f"{unique}.reply", b"pushed"))
        got = await sub.next_msg(timeout=2)  # the flusher was kicked: nothing else sends it
    assert (got.data, got.reply) == (b"pushed", f"{unique}.reply")
    assert nc.stats["out_msgs"] == before + 1


async def test_push_refuses_a_frame_beyond_the_buffer_limit_and_a_closed_client(
    nats_url, connect_options, unique
):
    small = await nats.connect(nats_url, pending_size=64, **connect_options)
    frame = frames.pub_frame(f"{unique}.big", "", b"x" * 100)
    assert not frames.push(small, frame)  # send() would have to flush and wait first
    assert small._pending_data_size == 0
    await small.close()
    assert not frames.push(small, frames.pub_frame(f"{unique}.late", "", b"x"))


async def test_a_frame_written_now_arrives_and_only_when_nothing_waits_before_it(
    nc, nats_url, connect_options, unique
):
    async with receiving(nats_url, connect_options, f"{unique}.now") as sub:
        before = nc.stats["out_msgs"]
        assert frames.write_now(nc, frames.pub_frame(f"{unique}.now", "", b"first"))
        assert (await sub.next_msg(timeout=2)).data == b"first"
        assert nc.stats["out_msgs"] == before + 1

        assert frames.push(nc, frames.pub_frame(f"{unique}.now", "", b"buffered"))
        late = frames.pub_frame(f"{unique}.now", "", b"later")
        assert not frames.write_now(nc, late)  # it would overtake the buffered frame
        assert frames.push(nc, late)
        got = [(await sub.next_msg(timeout=2)).data for _ in range(2)]
    assert got == [b"buffered", b"later"]


async def test_write_now_refuses_a_closed_client(nats_url, connect_options, unique):
    client = await nats.connect(nats_url, **connect_options)
    await client.close()
    assert not frames.write_now(client, frames.pub_frame(f"{unique}.closed", "", b"x"))


async def test_the_parser_hands_over_a_message_with_only_the_rest_of_the_read_left(nc, unique):
    left: list[bytes] = []
    sub = await nc.subscribe(
        f"{unique}.parse", future=Dispatch(lambda _: left.append(bytes(nc._ps.buf)))
    )
    second = f"MSG {unique}.parse {sub._id} 3\r\ntwo\r\n".encode()
    await nc._ps.parse(f"MSG {unique}.parse {sub._id} 3\r\none\r\n".encode() + second)
    assert left == [second, b""]
    await sub.unsubscribe()
