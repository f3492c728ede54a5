"""A test or benchmark run SIGKILLed: no nats-server or service process it started lives
on, and the store directory it could not remove is swept at the next start."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from aegis_sdk.testing import NatsServer

ROOT = Path(__file__).resolve().parents[2]

# what a test run (and a benchmark run) does: a server, then service processes on it
RUN = textwrap.dedent(
    """
    import json, time
    from aegis_sdk.testing import NatsServer
    from benchmarks.support.peers import Peer
    from tests.reliability.processes import ServiceProcess

    server = NatsServer().start()
    service = ServiceProcess(server.url, name="hygiene")
    peer = Peer(server.url, "sdk-rpc", name="hygiene-bench")
    print(json.dumps({
        "server": server.process.pid, "service": service.pid, "peer": peer.pid,
        "store": str(server.store_dir),
    }), flush=True)
    time.sleep(120)
    """
)


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(map(alive, pids)):
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def test_nothing_outlives_a_sigkilled_run(figures):
    run = subprocess.Popen(
        [sys.executable, "-c", RUN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = run.stdout.readline()
        assert line, run.stderr.read()
        started = json.loads(line)
        children = [started["server"], started["service"], started["peer"]]
        assert all(map(alive, children))
    finally:
        killed_at = time.monotonic()
        run.send_signal(signal.SIGKILL)
        run.wait()
        run.stdout.close()
        run.stderr.close()

    survivors = wait_gone(children)
    gone_after = time.monotonic() - killed_at
    for pid in survivors:  # do not leak them, then fail
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    store = Path(started["store"])
    left_behind = store.is_dir()
    with NatsServer():  # the next start sweeps what the killed run left
        swept = not store.exists()
    figures.record(
        "process_hygiene",
        processes_started=len(children),
        survivors=len(survivors),
        all_gone_after_s=round(gone_after, 3),
        store_left_by_killed_run=left_behind,
        store_swept_at_next_start=swept,
    )
    assert not survivors, f"outlived their SIGKILLed parent: {survivors}"
    assert swept
