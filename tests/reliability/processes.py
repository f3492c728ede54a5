"""Start helper processes that die with the test run, even when it is SIGKILLed."""

from __future__ import annotations

import ctypes
import json
import select
import signal
import subprocess
import sys
from pathlib import Path

SERVICE_SCRIPT = Path(__file__).with_name("service_process.py")


def die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class ServiceProcess:
    """``service_process.py`` in a child process; see its docstring for the commands."""

    def __init__(self, url: str, **options: object) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SERVICE_SCRIPT), url, json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self.info = self._answer(timeout=30)

    @property
    def pid(self) -> int:
        return self.process.pid

    def command(self, name: str, timeout: float = 10) -> dict:
        assert self.process.stdin is not None
        self.process.stdin.write(name.encode() + b"\n")
        self.process.stdin.flush()
        return self._answer(timeout)

    def _answer(self, timeout: float) -> dict:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.stop()
            raise RuntimeError(f"service process gave no answer within {timeout} s")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"service process exited with code {self.process.wait()}")
        return json.loads(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
