"""Read asv results files (format version 2) without asv's machinery.

A result is one value of one benchmark for one parameter combination of one commit.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT


@dataclass(frozen=True)
class Result:
    name: str  # e.g. rpc.RPCLatency.track_p99
    params: tuple[str, ...]  # e.g. ("'msgpack'", "'small'"); () when unparameterized
    value: float | None  # None: failed or skipped
    unit: str

    @property
    def key(self) -> str:
        return f"{self.name}({', '.join(self.params)})" if self.params else self.name

    @property
    def label(self) -> str:
        params = ", ".join(p.strip("'") for p in self.params)
        return f"{self.name} [{params}]" if params else self.name


def results_dir() -> Path:
    return LAYOUT.results


def benchmark_meta(root: Path | None = None) -> dict:
    path = (root or results_dir()) / "benchmarks.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _result_data(machine: str, root: Path | None = None, pattern: str = "*.json"):
    """(path, contents) of every results file of ``machine`` whose name matches."""
    for path in sorted(((root or results_dir()) / machine).glob(pattern)):
        if path.name != "machine.json":
            yield path, json.loads(path.read_text())


def result_files(machine: str, commit: str, *, python: str, root: Path | None = None) -> list[Path]:
    """The results files of ``commit`` on ``machine`` measured with Python ``python`` (X.Y).

    asv keeps one file per environment, and the Python is part of the environment: results of
    two Pythons are two records, never one."""
    return [
        path
        for path, data in _result_data(machine, root, f"{commit[:8]}-*.json")
        if data["commit_hash"].startswith(commit) and data.get("python") == python
    ]


def pythons_with_results(machine: str, commit: str, root: Path | None = None) -> set[str]:
    """The Pythons (X.Y) ``commit`` has results for on ``machine``."""
    return {
        data.get("python", "")
        for _, data in _result_data(machine, root, f"{commit[:8]}-*.json")
        if data["commit_hash"].startswith(commit)
    }


def load(machine: str, commit: str, *, python: str, root: Path | None = None) -> list[Result]:
    """Every result of ``commit`` (full hash or 8+ char prefix) on ``machine`` with ``python``."""
    root = root or results_dir()
    meta = benchmark_meta(root)
    out: list[Result] = []
    for path in result_files(machine, commit, python=python, root=root):
        data = json.loads(path.read_text())
        columns = data["result_columns"]
        for name, row in data["results"].items():
            fields = dict(zip(columns, row, strict=False))
            values = fields.get("result") or []
            param_lists = fields.get("params") or []
            combos = list(itertools.product(*param_lists)) if param_lists else [()]
            unit = meta.get(name, {}).get("unit", "")
            for combo, value in zip(combos, values, strict=False):
                ok = isinstance(value, int | float) and not math.isnan(value)
                out.append(Result(name, tuple(combo), float(value) if ok else None, unit))
    return out


def commits_with_results(machine: str, *, python: str, root: Path | None = None) -> set[str]:
    return {
        data["commit_hash"]
        for _, data in _result_data(machine, root)
        if data.get("python") == python
    }
