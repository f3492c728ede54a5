"""Peer processes: a service (SDK or raw nats-py) or a client in a process of its own,
started with ``peer_process.py`` and driven by commands, one JSON answer each."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from .json_lines import read_answer

PEER_SCRIPT = Path(__file__).with_name("peer_process.py")


class Peer:
    """A peer process in ``mode`` on the server at ``url``; see peer_process.py for the modes."""

    def __init__(self, url: str | list[str], mode: str, **options: object) -> None:
        url = url if isinstance(url, str) else ",".join(url)
        args = [sys.executable, str(PEER_SCRIPT), mode, url, json.dumps(options)]
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("AEGIS_BENCH_DEBUG") else subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.info = self._read_line(timeout=30)

    def _read_line(self, timeout: float) -> dict:
        try:
            answer = read_answer(self.process, timeout)
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError(f"peer {self.process.args[2]} {exc}") from None
        if "error" in answer:
            self.stop()
            raise RuntimeError(f"peer {self.process.args[2]}: {answer['error']}")
        return answer

    def command(self, name: str, timeout: float = 60) -> dict:
        """Send a command line to the peer and return its JSON answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(name.encode() + b"\n")
        self.process.stdin.flush()
        return self._read_line(timeout)

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """The peer's own CPU time (user + system), as it reads it."""
        return self.command("cpu")["cpu"]

    def rss_bytes(self) -> float:
        return self.command("mem")["rss"]

    def peak_rss_bytes(self) -> float:
        return self.command("mem")["peak"]

    async def wait_delivered(self, expected: int, timeout: float, poll: float) -> dict:
        """A subscriber peer's ``stats`` once it has handled ``expected`` events, or when
        ``timeout`` seconds have passed, whichever comes first."""
        deadline = time.monotonic() + timeout
        while True:
            stats = self.command("stats")
            if stats["count"] >= expected or time.monotonic() > deadline:
                return stats
            await asyncio.sleep(poll)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def peers(url: str | list[str], *specs: tuple[str, dict]) -> Iterator[list[Peer]]:
    """Peers started in order from (mode, options) specs, all stopped on exit."""
    started: list[Peer] = []
    try:
        for mode, options in specs:
            started.append(Peer(url, mode, **options))
        yield started
    finally:
        for peer in started:
            peer.stop()
