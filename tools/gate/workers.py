"""The gate's worker processes (``benchmarks/support/gate_worker.py``), one per side, and the
rounds in which they take their measurements in turn."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.support.asv_layout import REPO
from benchmarks.support.json_lines import read_answer
from benchmarks.support.server_under_test import server_under_test


class Worker:
    """A gate worker in ``python``'s environment; the worker code comes from this working
    tree, the SDK from the environment."""

    def __init__(self, python: Path, label: str, url: str | None = None) -> None:
        self.label = label
        env = dict(os.environ, AEGIS_NATS_URL=url) if url else None
        self._shim = tempfile.TemporaryDirectory()
        # only the benchmarks package on the path: aegis_sdk must come from the environment
        os.symlink(REPO / "benchmarks", Path(self._shim.name) / "benchmarks")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._stderr_text = ""
        self.process = subprocess.Popen(
            [str(python), "-m", "benchmarks.support.gate_worker", label],
            cwd=self._shim.name,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            text=True,
        )
        self._answer(timeout=120)

    def measure(self, name: str) -> dict[str, float]:
        assert self.process.stdin is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return self._answer(timeout=60)

    def _answer(self, timeout: float) -> dict:
        try:
            answer = read_answer(self.process, timeout)
        except RuntimeError as exc:
            answer = {"error": str(exc)}
        if "error" in answer:
            self.close()
            raise RuntimeError(f"{self.label} worker: {answer['error']}\n{self._stderr_text}")
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self._stderr.closed:
            self._stderr.seek(0)
            self._stderr_text = self._stderr.read().decode(errors="replace")[-3000:]
            self._stderr.close()
        self._shim.cleanup()


def run_rounds(pythons: dict[str, Path], measurements: list[str], rounds: int, samples) -> None:
    """``rounds`` rounds with a fresh worker per side, both on one server; in every round
    each measurement is taken on both sides back to back, the side going first alternating."""
    workers = {}
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(server_under_test())
        for side, python in pythons.items():
            workers[side] = Worker(python, side, url)
            stack.callback(workers[side].close)
        for r in range(rounds):
            for name in measurements:
                for side in ("base", "head") if r % 2 == 0 else ("head", "base"):
                    for metric, value in workers[side].measure(name).items():
                        samples[side].setdefault(metric, []).append(value)
    print(f"  {rounds} rounds of {', '.join(measurements)} done", file=sys.stderr)
