"""The adapter's NATS connections, used round-robin."""

from __future__ import annotations

import itertools

from nats.aio.client import Client

from ...domain.errors import BusConnectionError
from .link import Link
from .redaction import Redactor


class Pool:
    def __init__(self) -> None:
        self.links: list[Link] = []
        self.redact = Redactor()
        self._rr = itertools.count()

    @property
    def conns(self) -> list[Client]:
        return [link.nc for link in self.links]

    def pick(self) -> Link:
        """The next connected link round-robin (the next one at all while none is)."""
        links = self.links
        if not links:
            raise BusConnectionError("not connected: call connect() first")
        n = len(links)
        start = next(self._rr)
        for i in range(n):
            link = links[(start + i) % n]
            if link.nc.is_connected:
                return link
        return links[start % n]

    def next(self) -> Link:
        """The next link round-robin, connected or not."""
        if not self.links:
            raise BusConnectionError("not connected: call connect() first")
        return self.links[next(self._rr) % len(self.links)]

    def first(self) -> Link:
        if not self.links:
            raise BusConnectionError("not connected: call connect() first")
        return self.links[0]
