"""Helpers for the fault tests: a server of their own, figures for docs/reliability.md,
and reading back what the event stream holds."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from aegis_sdk import NATSAdapter
from aegis_sdk.testing import NatsServer

from ..stream_contents import stored_message_ids  # noqa: F401 (the fault tests import it here)


@pytest.fixture
def server():
    """A server of this test's own: it may be killed, restarted or configured."""
    srv = NatsServer().start()
    yield srv
    srv.stop()


@pytest.fixture
async def adapters():
    """Connect adapters to a given URL; all disconnected at teardown."""
    made: list[NATSAdapter] = []

    async def make(url: str, **kwargs) -> NATSAdapter:
        connect_options = kwargs.pop("connect", {})
        adapter = NATSAdapter(**kwargs)
        await adapter.connect(url, **connect_options)
        made.append(adapter)
        return adapter

    yield make
    for adapter in reversed(made):
        await adapter.disconnect()


class Figures:
    """What a scenario measured: printed, and written as JSON for docs/reliability.md.

    Set AEGIS_RELIABILITY_OUT to a directory to keep the files; else they go to the
    test's tmp directory.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def record(self, scenario: str, **values: object) -> dict[str, object]:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{scenario}.json"
        path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
        print(f"\nFIGURES {scenario}: {json.dumps(values, sort_keys=True)}")
        return values


@pytest.fixture
def figures(tmp_path) -> Figures:
    out = os.environ.get("AEGIS_RELIABILITY_OUT")
    return Figures(Path(out) if out else tmp_path / "figures")


def figures_for(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    """``Figures`` for module-scoped fixtures."""
    out = os.environ.get("AEGIS_RELIABILITY_OUT")
    return Figures(Path(out) if out else tmp_path_factory.mktemp("figures"))


async def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str = "condition"
) -> float:
    """Poll ``predicate``; return the seconds it took, or fail after ``timeout``."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    while not predicate():
        if loop.time() - began > timeout:
            raise AssertionError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.01)
    return loop.time() - began


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.05)
