"""Every benchmark runs once, quickly, against the SDK in this environment: a broken
benchmark fails the tests. (Smoke only: the numbers are thrown away.)"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_every_benchmark_runs_once():
    env = dict(os.environ, AEGIS_BENCH_QUICK="1")
    asv = [sys.executable, "-m", "asv"]
    subprocess.run(
        [*asv, "machine", "--yes", "--machine", "smoke"],
        cwd=REPO,
        env=env,
        capture_output=True,
        check=False,
    )
    run = subprocess.run(
        [
            *asv,
            "run",
            "--python=same",
            "--quick",
            "--dry-run",
            "--show-stderr",
            "--machine",
            "smoke",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-5000:]
    assert "failed" not in output, output[-5000:]
    total = re.search(r"Running (\d+) total benchmarks", output)
    assert total and int(total.group(1)) >= 30, output[:2000]
