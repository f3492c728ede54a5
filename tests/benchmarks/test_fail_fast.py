"""A run that cannot reach its server, or log into it, or use JetStream there, stops in
seconds with one line saying why (exit status 2) before asv starts; inside the suite, a peer
that cannot connect fails at once with its reason. All against real servers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aegis_sdk.testing import NatsServer, free_port
from benchmarks.support.connections import raw_connect
from benchmarks.support.peers import Peer

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "alice-Pw-9431"
WRONG = "wrong-Pw-5517"
USERS = {"authorization": {"users": [{"user": "alice", "password": PASSWORD}]}}
QUICK = 10.0  # seconds: generous on a busy shared machine; quiet, each takes under 3 s


@pytest.fixture(scope="module")
def user_server():
    with NatsServer(config=json.dumps(USERS)) as server:
        yield server


@pytest.fixture(scope="module")
def no_jetstream_server():
    with NatsServer(jetstream=False) as server:
        yield server


@pytest.fixture
def silent_url():
    """A port that accepts connections and never says anything, like a port-forward whose
    pod is gone."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield f"nats://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def blackholed_url():
    """A port that drops connection attempts: a listener whose backlog is full (Linux then
    ignores further SYNs), like an address a firewall blackholes."""
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        filler.connect(listener.getsockname())
        yield f"nats://127.0.0.1:{listener.getsockname()[1]}"


def without_target_settings() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AEGIS_NATS_") and k != "AEGIS_BENCH_QUICK"
    }


def run(command: list[str], **settings: str) -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    out = subprocess.run(
        command,
        cwd=REPO,
        env={**without_target_settings(), **settings},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out, time.monotonic() - began


def preflight(**settings: str):
    return run([sys.executable, "-m", "tools", "preflight"], **settings)


def one_failure_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("preflight: ")
    return lines[0]


def test_refused():
    out, took = preflight(AEGIS_NATS_URL=f"nats://127.0.0.1:{free_port()}")
    line = one_failure_line(out)
    assert "connection refused" in line and "AEGIS_NATS_URL" in line
    assert took < QUICK


def test_unreachable(silent_url):
    out, took = preflight(AEGIS_NATS_URL=silent_url)
    line = one_failure_line(out)
    assert "no NATS greeting" in line and "port-forward" in line
    assert took < QUICK


def test_blackholed(blackholed_url):
    out, took = preflight(AEGIS_NATS_URL=blackholed_url)
    line = one_failure_line(out)
    assert "no answer within 2 s" in line and "AEGIS_NATS_URL" in line
    assert took < QUICK


def test_wrong_password(user_server):
    out, took = preflight(
        AEGIS_NATS_URL=user_server.url, AEGIS_NATS_USER="alice", AEGIS_NATS_PASSWORD=WRONG
    )
    line = one_failure_line(out)
    assert "refused the connection" in line and "AEGIS_NATS_PASSWORD" in line
    assert WRONG not in line
    assert took < QUICK


def test_password_in_the_url_is_not_repeated(user_server):
    url = user_server.url.replace("//", f"//alice:{WRONG}@")
    out, _ = preflight(AEGIS_NATS_URL=url)
    assert WRONG not in one_failure_line(out)


def test_no_jetstream(no_jetstream_server):
    out, took = preflight(AEGIS_NATS_URL=no_jetstream_server.url)
    line = one_failure_line(out)
    assert "JetStream is not enabled" in line
    assert took < QUICK


def test_a_good_target_is_named_in_one_line(user_server):
    out, _ = preflight(
        AEGIS_NATS_URL=user_server.url, AEGIS_NATS_USER="alice", AEGIS_NATS_PASSWORD=PASSWORD
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().splitlines() == [
        f"preflight: {user_server.url}: nats-server 2.15.1, JetStream on, single server, "
        "no AEGIS_EVENTS"
    ]
    assert PASSWORD not in out.stderr


def test_a_list_of_servers_needs_one_that_answers():
    with NatsServer() as good:
        out, _ = preflight(AEGIS_NATS_URL=f"nats://127.0.0.1:{free_port()},{good.url}")
    assert out.returncode == 0, out.stderr
    assert "JetStream on" in out.stderr


def test_the_embedded_server_needs_no_preflight():
    out, _ = preflight()
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")


@pytest.mark.parametrize("command", [["bench", "--quick"], ["history"], ["gate"]])
def test_dev_commands_stop_before_asv(command, user_server):
    out, took = run(
        [str(REPO / "dev"), *command],
        AEGIS_NATS_URL=user_server.url,
        AEGIS_NATS_USER="alice",
        AEGIS_NATS_PASSWORD=WRONG,
        AEGIS_ASV_MACHINE="preflight-test",
    )
    assert "refused the connection" in one_failure_line(out)
    assert took < QUICK
    assert not (REPO / ".asv" / "results" / "preflight-test").exists()


# -- inside the suite ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["raw-rpc", "sdk-rpc"])
def test_a_peer_that_cannot_log_in_says_why_at_once(user_server, mode, monkeypatch):
    monkeypatch.setenv("AEGIS_NATS_USER", "alice")
    monkeypatch.setenv("AEGIS_NATS_PASSWORD", WRONG)
    began = time.monotonic()
    with pytest.raises(RuntimeError, match="Authorization Violation") as info:
        Peer(user_server.url, mode, name="nobody")
    assert time.monotonic() - began < QUICK
    assert WRONG not in str(info.value)


def test_a_peer_that_finds_nobody_says_why_at_once(monkeypatch):
    for name in ("AEGIS_NATS_USER", "AEGIS_NATS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    began = time.monotonic()
    with pytest.raises(RuntimeError, match="ConnectionRefusedError"):
        Peer(f"nats://127.0.0.1:{free_port()}", "raw-rpc", name="nobody")
    assert time.monotonic() - began < QUICK


async def test_a_raw_first_connect_is_bounded(silent_url):
    began = time.monotonic()
    with pytest.raises(ConnectionError, match="cannot connect"):
        await raw_connect(silent_url, timeout=1.0)
    assert time.monotonic() - began < QUICK
