"""Leaving a server in lame duck mode without failing a call.

A server told to stop gracefully (``nats-server --signal ldm``, a Kubernetes rolling
upgrade) hands its JetStream leaderships over, sends its clients an INFO with ``ldm``, and
after its grace period closes the connections still open. nats-py only reports that INFO
(``lame_duck_mode_cb``); left alone, its connection is closed under it: calls waiting for
a reply fail, and a service is unreachable until it has reconnected and subscribed again.

So the link moves first: a new connection to another server, every subscription made on
it there too (the server now delivers to both; queue groups share the work), new calls
sent on the new one, the old subscriptions drained (messages already delivered are
handled and acknowledged), and the old connection closed once the replies it still waits
for have come, or the server closed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

from nats.aio.client import Client

from .link import Link, sync
from .request_mux import RequestMux

log = logging.getLogger("aegis_sdk.nats")

CONNECT_TIMEOUT = 5.0
DRAIN_TIMEOUT = 5.0
RETIRE_WAIT = 60.0  # the server closes the old connection long before, at the grace period


async def move_off(link: Link, old: Client) -> None:
    """Move ``link`` from ``old`` (whose server is in lame duck mode) to another server."""
    new = Client()
    requests = RequestMux(new, link.watch)
    try:
        await asyncio.wait_for(
            link.connect(new, requests, other_servers(link, old)), CONNECT_TIMEOUT
        )
        await requests.start()
    except Exception as exc:
        log.warning(
            "connection %d could not move off a server in lame duck mode (%s); it "
            "reconnects when the server closes it",
            link.index,
            link.describe(exc),
        )
        await _abandon(new, requests)
        return
    except asyncio.CancelledError:
        await _abandon(new, requests)
        raise
    if link.closing or link.nc is not old:
        await _abandon(new, requests)
        return
    old_requests = link.requests
    link.nc, link.requests = new, requests  # new calls and subscriptions go here now
    link.retiring.add(old)
    try:
        drained = []
        while moving := [s for s in link.subscriptions if s.nc is old]:
            for subscription in moving:
                drained.append(await subscription.move_to(new))
        await sync(new)  # the server delivers to the new subscriptions before the old go
    except Exception as exc:
        # what is still subscribed on the old connection must not be lost with it: it stays
        # (reconnecting by itself when the server closes it) until the adapter disconnects
        log.warning("connection %d: moving its subscriptions failed: %s", link.index, exc)
        return
    try:
        for sub in drained:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sub.drain(), DRAIN_TIMEOUT)
        log.warning(
            "connection %d moved to %s: its server is shutting down (lame duck mode)",
            link.index,
            link.redact(_address(new)),
        )
        await _finish(old, old_requests)
    finally:
        old_requests.close()
        await _close(old)
        link.retiring.discard(old)


def other_servers(link: Link, leaving: Client) -> list[str]:
    """The servers the link knows, given and discovered, but the one that is leaving
    (all of them when no other is known: behind one address there may be many)."""
    here = leaving.connected_url
    known = [*link.servers, *(url.geturl() for url in leaving.discovered_servers)]
    others = [url for url in dict.fromkeys(known) if here is None or not _same(url, here)]
    return others or link.servers


def _same(url: str, here: Any) -> bool:
    there = urlsplit(url if "://" in url else f"nats://{url}")
    return (there.hostname, there.port or 4222) == (here.hostname, here.port or 4222)


def _address(nc: Client) -> str:
    url = nc.connected_url
    return f"{url.hostname}:{url.port}" if url else "?"


async def _finish(nc: Client, requests: RequestMux) -> None:
    """Wait for the replies still due on a connection moved off, while it lasts."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + RETIRE_WAIT
    while requests.waiting and nc.is_connected and loop.time() < give_up:
        await asyncio.sleep(0.01)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.flush(), 1.0)  # acks and replies written on it


async def _abandon(nc: Client, requests: RequestMux) -> None:
    requests.close()
    await _close(nc)


async def _close(nc: Client) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.close(), 2.0)
