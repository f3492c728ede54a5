"""The request multiplexer, against a fake nats-py client: replies, timeouts, no
responders, and callers failed early (permission violations, a lost connection)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import nats.errors
import pytest

from aegis_sdk import PermissionDeniedError
from aegis_sdk.infrastructure.transport.permissions import PermissionWatch
from aegis_sdk.infrastructure.transport.request_mux import ConnectionLost, RequestMux


@dataclass
class FakeMsg:
    subject: str
    data: bytes = b""
    headers: dict[str, str] | None = None


@dataclass
class FakeClient:
    """Publishes through ``publish`` (as the SDK does while not connected); delivers
    replies through the subscription's dispatcher, as nats-py's reader does."""

    published: list[tuple[str, bytes, str, Any]] = field(default_factory=list)
    subscriptions: dict[str, Any] = field(default_factory=dict)
    is_connected: bool = False

    def new_inbox(self) -> str:
        return "_INBOX.fake"

    async def subscribe(self, subject, future):
        self.subscriptions[subject] = future

    async def publish(self, subject, payload, reply="", headers=None):
        self.published.append((subject, payload, reply, headers))

    async def reply_to(self, index: int, **msg: Any) -> None:
        self.subscriptions["_INBOX.fake.*"].set_result(FakeMsg(self.published[index][2], **msg))


@pytest.fixture
async def setup():
    nc, watch = FakeClient(), PermissionWatch()
    mux = RequestMux(nc, watch)
    await mux.start()
    return nc, watch, mux


async def test_a_reply_reaches_its_caller(setup):
    nc, _, mux = setup
    call = asyncio.ensure_future(mux.request("rpc.a.b", b"x", 1))
    await asyncio.sleep(0)
    assert nc.published[0][:2] == ("rpc.a.b", b"x") and nc.published[0][3] is None
    assert mux.waiting == 1
    await nc.reply_to(0, data=b"answer")
    assert (await call).data == b"answer"
    assert mux.waiting == 0
    await nc.reply_to(0, data=b"late")  # nobody waits: ignored


async def test_timeout_and_no_responders(setup):
    nc, _, mux = setup
    with pytest.raises(nats.errors.TimeoutError):
        await mux.request("rpc.a.b", b"", 0.01)
    call = asyncio.ensure_future(mux.request("rpc.a.b", b"", 1))
    await asyncio.sleep(0)
    await nc.reply_to(1, headers={"Status": "503"})
    with pytest.raises(nats.errors.NoRespondersError):
        await call
    assert mux.waiting == 0


async def test_a_denied_publish_fails_only_its_callers_at_once(setup):
    _, watch, mux = setup
    denied = asyncio.ensure_future(mux.request("rpc.Forbidden.x", b"", 10))
    other = asyncio.ensure_future(mux.request("rpc.ok.x", b"", 0.2))
    await asyncio.sleep(0)
    watch.report("publish", "rpc.forbidden.x")  # as the server writes it: lowercase
    with pytest.raises(PermissionDeniedError) as info:
        await asyncio.wait_for(denied, 1)
    assert info.value.subject == "rpc.Forbidden.x"
    with pytest.raises(nats.errors.TimeoutError):
        await other


async def test_a_denied_inbox_fails_everyone_until_reset(setup):
    _, watch, mux = setup
    waiting = asyncio.ensure_future(mux.request("rpc.a.b", b"", 10))
    await asyncio.sleep(0)
    watch.report("subscribe", "_INBOX.fake.*")
    with pytest.raises(PermissionDeniedError):
        await asyncio.wait_for(waiting, 1)
    with pytest.raises(PermissionDeniedError) as info:
        await mux.request("rpc.a.b", b"", 10)
    assert "receives replies" in str(info.value)
    mux.reset()
    with pytest.raises(nats.errors.TimeoutError):
        await mux.request("rpc.a.b", b"", 0.01)


async def test_a_lost_connection_fails_the_callers_waiting_then(setup):
    _, _, mux = setup
    waiting = asyncio.ensure_future(mux.request("rpc.a.b", b"", 10))
    await asyncio.sleep(0)
    mux.connection_lost()
    with pytest.raises(ConnectionLost) as info:
        await asyncio.wait_for(waiting, 1)
    assert "may or may not have been handled" in str(info.value)
    with pytest.raises(nats.errors.TimeoutError):  # a new request waits normally
        await mux.request("rpc.a.b", b"", 0.01)


async def test_send_then_forget(setup):
    nc, _, mux = setup
    token, future = await mux.send("events.a.b", b"e", "1")
    assert mux.waiting == 1
    assert nc.published[-1][3] == {"Nats-Msg-Id": "1"}  # not connected: nats-py's publish
    await nc.reply_to(0, data=b"{}")
    assert future.result().data == b"{}"
    mux.forget(token)
    mux.forget(token)  # twice is fine
    assert mux.waiting == 0


async def test_a_failed_publish_leaves_nothing_waiting(setup):
    nc, _, mux = setup

    async def broken(*args, **kwargs):
        raise nats.errors.OutboundBufferLimitError

    nc.publish = broken
    with pytest.raises(nats.errors.OutboundBufferLimitError):
        await mux.request("rpc.a.b", b"", 1)
    assert mux.waiting == 0
