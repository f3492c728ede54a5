"""Paired rounds: two worker processes, one per SDK, asked in turn for short measurements
(``gate_worker``), so that whatever the machine does at a moment hits both alike; the
per-round ratios head/base are what the gate judges and the history records.

One pair of worker processes can sit several percent off for its whole life (up to 20%
for serial RPC here), an offset that does not repeat with new processes. So a history point
takes its rounds from many pairs of fresh processes, each judged by its median ratio, and
keeps the median of those.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .asv_layout import REPO
from .gate_worker import MEASUREMENTS
from .json_lines import read_answer
from .percentiles import median
from .server_under_test import server_under_test

Samples = dict[str, dict[str, list[float]]]  # side -> metric -> one value per round


class Worker:
    """A gate worker in ``python``'s environment; the worker code comes from this working
    tree, the SDK from the environment."""

    def __init__(self, python: Path, label: str, url: str | None = None) -> None:
        self.label = label
        # the same string hashing in every process, so that no side gets a luckier layout
        env = dict(os.environ, PYTHONHASHSEED="0", **({"AEGIS_NATS_URL": url} if url else {}))
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


def run_rounds(
    pythons: dict[str, Path], measurements: list[str], rounds: int, samples: Samples
) -> None:
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


def pair_ratios(samples: Samples) -> dict[str, float]:
    """Each metric's median of its per-round ratios head/base."""
    return {
        metric: median([h / b for b, h in zip(base, samples["head"][metric], strict=True)])
        for metric, base in samples["base"].items()
    }


def paired_point(
    pythons: dict[str, Path], pairs: int, rounds: int, measurements: list[str] | None = None
) -> dict[str, dict]:
    """One point of the history: ``pairs`` runs of ``rounds`` rounds, each with fresh
    processes and a fresh server; per metric the median of the pairs' median ratios (a
    pair that sits far off moves it least), and the pairs' own."""
    per_pair: list[dict[str, float]] = []
    for _ in range(pairs):
        samples: Samples = {"base": {}, "head": {}}
        run_rounds(pythons, measurements or list(MEASUREMENTS), rounds, samples)
        per_pair.append(pair_ratios(samples))
    return {
        metric: {
            "ratio": median([p[metric] for p in per_pair]),
            "pairs": [p[metric] for p in per_pair],
        }
        for metric in per_pair[0]
    }
