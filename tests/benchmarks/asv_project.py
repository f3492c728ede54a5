"""A throwaway asv project: a git repository of empty commits and results written with
asv's own Results API, so that asv compare / asv publish run for real on known values."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

from asv.results import Results
from asv.runner import BenchmarkResult

MACHINE = "test-machine"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def benchmark(name: str, unit: str, param_names=(), params=()) -> dict:
    return {
        "name": name,
        "type": "track",
        "unit": unit,
        "param_names": list(param_names),
        "params": [list(p) for p in params],
        "version": "1",
    }


class Project:
    def __init__(self, root: Path, benchmarks: list[dict]) -> None:
        self.root = root
        self.repo = root / "repo"
        self.benchmarks = benchmarks
        self.repo.mkdir()
        git(self.repo, "init", "-q", "-b", "main")
        (root / "asv.conf.json").write_text(
            json.dumps(
                {
                    "version": 1,
                    "project": "aegis-sdk",
                    "repo": "repo",
                    "branches": ["main"],
                    "results_dir": "results",
                    "html_dir": "html",
                    "environment_type": "virtualenv",
                }
            )
        )
        results = root / "results" / MACHINE
        results.mkdir(parents=True)
        (results / "machine.json").write_text(json.dumps({"machine": MACHINE, "version": 1}))
        (root / "results" / "benchmarks.json").write_text(
            json.dumps({"version": 2, **{b["name"]: b for b in benchmarks}})
        )

    def commit(self, message: str) -> str:
        git(
            self.repo,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message,
        )
        return git(self.repo, "rev-parse", "HEAD")

    def save(self, commit: str, values: dict[str, list[float]], python: str = "3.11") -> None:
        params = {"machine": MACHINE, "python": python}
        results = Results(params, {}, commit, 0, python, f"virtualenv-py{python}", {})
        for bench in self.benchmarks:
            value = values[bench["name"]]
            n = len(value)
            results.add_result(
                bench,
                BenchmarkResult(
                    result=value,
                    samples=[None] * n,
                    number=[None] * n,
                    errcode=0,
                    stderr="",
                    profile=None,
                ),
                started_at=datetime.datetime.now(datetime.UTC),
                duration=1.0,
            )
        results.save(str(self.root / "results"))

    def asv(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "asv", *args], cwd=self.root, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout
