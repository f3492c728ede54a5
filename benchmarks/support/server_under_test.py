"""The server a run measures: ``AEGIS_NATS_URL`` when set, else an embedded nats-server."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from .server_notes import record_server


@contextlib.contextmanager
def server_under_test() -> Iterator[str | list[str]]:
    """``AEGIS_NATS_URL`` if set, else an embedded nats-server stopped on exit. The server is
    noted when the run starts, and again at the end, when the events stream exists.

    A comma-separated ``AEGIS_NATS_URL`` (a cluster's nodes) is given as a list, the form
    that ``NATSAdapter.connect`` and ``nats.connect`` take."""
    external = os.environ.get("AEGIS_NATS_URL")
    if external:
        record_server(external, "external")
        servers = [url.strip() for url in external.split(",") if url.strip()]
        try:
            yield servers if len(servers) > 1 else external
        finally:
            record_server(external, "external")
        return
    try:
        from aegis_sdk.testing import NatsServer
    except ImportError as exc:  # an SDK commit without the launcher
        raise NotImplementedError(f"no embedded server launcher: {exc}") from None
    with NatsServer() as server:
        record_server(server.url, "embedded")
        try:
            yield server.url
        finally:
            record_server(server.url, "embedded")
