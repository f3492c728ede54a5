"""Make sure the events stream exists before publishing or subscribing: checked once per
adapter, created when missing. When a publish later finds nobody storing its subject, the
stream is checked again in the background while publishing goes on: in a cluster that
is a stream between two leaders, whose members may not answer the check for seconds; on
a server that lost its store it is a stream to create. Where the server supports
fast-ingest batch publishing (2.14 and later), the stream allows it (``allow_batched``), and
an existing stream is updated to allow it."""

from __future__ import annotations

import asyncio
import logging

import nats.errors
import nats.js.errors
from nats.aio.client import Client

from ...domain.errors import PublishError
from ..transport.pool import Pool
from .stream import STREAM_NAME, stream_config

log = logging.getLogger("aegis_sdk.nats")
FAST_INGEST_SINCE = (2, 14)


def serves_fast_ingest(nc: Client) -> bool:
    version = nc.connected_server_version
    try:
        return (version.major, version.minor) >= FAST_INGEST_SINCE
    except (TypeError, ValueError):  # an unparseable version: assume an old server
        return False


class StreamGuard:
    def __init__(self, pool: Pool, replicas: int) -> None:
        self._pool = pool
        self.replicas = replicas
        self._ready: asyncio.Future[None] | None = None
        self._ok = False
        self._recheck: asyncio.Future[None] | None = None
        self.fast_ingest = False  # the stream takes fast-ingest batches

    def reset(self) -> None:
        self._ready = None
        self._ok = False
        if self._recheck is not None:
            self._recheck.cancel()
            self._recheck = None

    def invalidate(self) -> None:
        """Nobody stored a publish: check the stream again (creating it if missing) in the
        background, one check at a time."""
        if self._ok and (self._recheck is None or self._recheck.done()):
            self._recheck = asyncio.ensure_future(self._check_again())

    async def _check_again(self) -> None:
        try:
            await self._create()
        except Exception as exc:  # the publishes that wait for the stream report it
            log.debug("checking stream %s again failed: %r", STREAM_NAME, exc)

    async def ensure(self, force: bool = False) -> None:
        if force:
            self._ok = False
        if self._ok:
            return
        if self._ready is None:
            self._ready = asyncio.ensure_future(self._create())
        try:
            await asyncio.shield(self._ready)
        except BaseException:
            self._ready = None
            raise
        self._ready = None
        self._ok = True

    async def _create(self) -> None:
        link = self._pool.next()
        jsm = link.nc.jetstream()
        mark = link.watch.mark()
        fast = serves_fast_ingest(link.nc)
        try:
            info = await jsm.stream_info(STREAM_NAME)
        except nats.js.errors.NotFoundError:
            try:
                await jsm.add_stream(stream_config(self.replicas, fast))
            except nats.js.errors.BadRequestError as exc:
                # another client may have created it meanwhile; that is fine
                if "already in use" not in str(exc):
                    raise
            self.fast_ingest = fast
            return
        except nats.errors.TimeoutError:
            link.watch.check_js_api(mark, [STREAM_NAME])
            raise PublishError("JetStream did not answer: is it enabled on the server?") from None
        self.fast_ingest = bool(info.config.allow_batched)
        if fast and not self.fast_ingest:
            try:
                await jsm.update_stream(info.config.evolve(allow_batched=True))
                self.fast_ingest = True
            except (nats.errors.Error, nats.js.errors.APIError) as exc:
                log.info("publishing without fast-ingest batches: %s", exc)
