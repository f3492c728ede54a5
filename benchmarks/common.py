"""Shared helpers: the NATS target, peer processes, statistics and run sizes.

Everything here uses only the public API of ``aegis_sdk`` (and its embedded-server
launcher), because the newest suite runs against every older SDK commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .target import (  # noqa: F401 (the suite's modules use them as common.*)
    connect_options,
    raw_connect,
    record_target,
)

PEER_SCRIPT = Path(__file__).with_name("peer.py")
QUICK = os.environ.get("AEGIS_BENCH_QUICK", "") not in ("", "0")
SETUP_CACHE_TIMEOUT = 300

PAYLOADS = {"small": 100, "1KiB": 1024, "64KiB": 64 * 1024}


def payload_params(size_name: str) -> dict[str, str]:
    """An RPC params / event payload dict whose msgpack encoding is about the named size."""
    return {"data": "x" * max(PAYLOADS[size_name] - 20, 1)}


@dataclass(frozen=True)
class Sizes:
    """How much work one measurement does; QUICK shrinks it for smoke runs."""

    rounds: int
    calls: int
    warmup: int

    @classmethod
    def pick(cls, rounds: int, calls: int, warmup: int = 300) -> Sizes:
        if QUICK:
            return cls(2, max(calls // 20, 20), 20)
        return cls(rounds, calls, warmup)


# -- target --------------------------------------------------------------------------------


@contextlib.contextmanager
def nats_target() -> Iterator[str | list[str]]:
    """``AEGIS_NATS_URL`` if set, else an embedded nats-server stopped on exit. The target is
    noted when the run starts, and again at the end, when the events stream exists.

    A comma-separated ``AEGIS_NATS_URL`` (a cluster's nodes) is given as a list, the form
    that ``NATSAdapter.connect`` and ``nats.connect`` take."""
    external = os.environ.get("AEGIS_NATS_URL")
    if external:
        record_target(external, "external")
        servers = [url.strip() for url in external.split(",") if url.strip()]
        try:
            yield servers if len(servers) > 1 else external
        finally:
            record_target(external, "external")
        return
    try:
        from aegis_sdk.testing import NatsServer
    except ImportError as exc:  # an SDK commit without the launcher
        raise NotImplementedError(f"no embedded server launcher: {exc}") from None
    with NatsServer() as server:
        record_target(server.url, "embedded")
        try:
            yield server.url
        finally:
            record_target(server.url, "embedded")


# -- peer processes ----------------------------------------------------------------------


class Peer:
    """A service (SDK or raw nats-py) in its own process; see peer.py for the modes."""

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

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def read_answer(process: subprocess.Popen, timeout: float) -> dict:
    """The next JSON line a child process writes on stdout; RuntimeError if none comes within
    ``timeout`` seconds or the process exits."""
    import selectors

    assert process.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(process.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise RuntimeError(f"did not answer in {timeout} s")
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"exited with code {process.wait()}")
    return json.loads(line)


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def peers(url: str | list[str], *specs: tuple[str, dict]) -> Iterator[list[Peer]]:
    started: list[Peer] = []
    try:
        for mode, options in specs:
            started.append(Peer(url, mode, **options))
        yield started
    finally:
        for peer in started:
            peer.stop()


# -- measuring -----------------------------------------------------------------------------


def run(coro):
    """Run a coroutine on a fresh event loop (asv calls benchmarks synchronously)."""
    return asyncio.run(coro)


def quiesce() -> None:
    """The same GC state for every commit: collect, then freeze what survived setup."""
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def steady_gc() -> Iterator[None]:
    """No collection inside a timed open-loop run, the same for every commit: collect
    before it, pause the collector during it, resume after."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits: a ratio reads 1.12, not
    1.1234567 (asv prints what it stores)."""
    if value == 0 or value != value or value in (float("inf"), float("-inf")):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def save_artifact(kind: str, data: dict) -> None:
    """Keep what a track_ value cannot hold (a latency spectrum, a search's probes) beside
    asv's results: ``.asv/latency/<machine>/<commit>-py<X.Y>-<kind>.json``."""
    commit, conf_dir = os.environ.get("ASV_COMMIT"), os.environ.get("ASV_CONF_DIR")
    if not commit or not conf_dir:
        return
    machine = os.environ.get("AEGIS_ASV_MACHINE") or socket.gethostname()
    folder = Path(conf_dir) / ".asv" / "latency" / machine
    folder.mkdir(parents=True, exist_ok=True)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    (folder / f"{commit[:8]}-py{python}-{kind}.json").write_text(json.dumps(data))


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        raise ValueError("no samples")
    pos = (len(sorted_values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def median(values: list[float]) -> float:
    return percentile(sorted(values), 50)


def latency_summary(rounds: list[list[float]]) -> dict[str, float]:
    """Per-round p50/p95/p99, median over rounds; p99.9 over all samples pooled (seconds)."""
    per_round = [sorted(r) for r in rounds]
    pooled = sorted(v for r in rounds for v in r)
    summary = {
        f"p{name}": median([percentile(r, q) for r in per_round])
        for name, q in (("50", 50), ("95", 95), ("99", 99))
    }
    summary["p99.9"] = percentile(pooled, 99.9)
    summary["samples"] = len(pooled)
    return summary


class Timer:
    """Wall and process-CPU time of a block."""

    def __enter__(self) -> Timer:
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
