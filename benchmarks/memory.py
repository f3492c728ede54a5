"""Resident memory of a service process, at rest and its peak under load (bytes)."""

from __future__ import annotations

from .delivery import _EventDelivery
from .rpc import _ConcurrentRPC


class _Memory:
    """Reports the memory figures that the measuring ``setup_cache`` recorded."""

    unit = "bytes"
    version = "2"

    def track_rss_at_rest(self, cache):
        return cache["rss_rest"]

    def track_peak_rss_under_load(self, cache):
        return cache["rss_peak"]


class RPCServiceMemory(_Memory, _ConcurrentRPC):
    """An RPC service process: after start-up, and its peak (ru_maxrss) after the throughput
    runs."""


class SubscriberMemory(_Memory, _EventDelivery):
    """An event-subscriber process: after start-up, and its peak after the delivery runs."""
