"""A drill: a scratch clone with one commit per case on top of HEAD, and the gate run on each
of them again and again."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.support.asv_layout import REPO
from benchmarks.support.paired_rounds import Worker
from benchmarks.support.sdk_environments import environment

from ..git import git
from .patches import CASES, SLOW_EVENTS, SLOW_PATCH, SLOW_RPC, SLOW_SUBSCRIBER, TAIL
from .tables import summary


def commit(clone: Path, message: str) -> str:
    identity = ["-c", "user.name=drill", "-c", "user.email=drill@localhost"]
    git(*identity, "commit", "-qam", message, repo=clone)
    return git("rev-parse", "HEAD", repo=clone)


def run_gate(clone: Path, base: str, head: str, out: Path) -> int:
    """The gate of the clone (its own tools), quietly; its exit status."""
    return subprocess.run(
        [sys.executable, "-m", "tools", "gate", "--base", base, "--head", head, "--json", str(out)],
        cwd=clone,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ).returncode


def baseline_times(base: str) -> dict[str, float]:
    """Seconds per serial RPC round trip, per batched event and per drained event on the
    base, medians of 9."""

    def median_of_9(measurement: str, metric: str) -> float:
        return sorted(worker.measure(measurement)[metric] for _ in range(9))[4]

    worker = Worker(environment(base), "drill")
    try:
        return {
            "rpc": median_of_9("rpc_serial", "rpc_p50") / 1e3,
            "events": median_of_9("event_batch", "event_batch_us_per_event") / 1e6,
            "subscriber": median_of_9("delivery_drain", "drain_us_per_event") / 1e6,
        }
    finally:
        worker.close()


def slow_commit(clone: Path, base: str, patch: str, message: str) -> str:
    git("checkout", "-q", base, repo=clone)
    service = clone / "aegis_sdk" / "application" / "service.py"
    service.write_text(service.read_text() + SLOW_PATCH + patch)
    return commit(clone, message)


def drill(runs: int, slowdown: float, cases: list[str], json_out: Path | None) -> dict:
    """Every case's gate ``runs`` times (noop always); the outcome, written to ``json_out``
    after every round so that an interrupted drill keeps what it measured."""
    with tempfile.TemporaryDirectory(prefix="gate-drill-") as tmp:
        clone = Path(tmp) / "repo"
        git("clone", "-q", str(REPO), str(clone))
        base = git("rev-parse", "HEAD", repo=clone)
        readme = clone / "README.md"
        readme.write_text(readme.read_text() + "\n<!-- gate drill: no-op change -->\n")
        heads = {"noop": commit(clone, "drill: no-op")}
        spins = {k: v * slowdown for k, v in baseline_times(base).items()}
        patches = {"rpc": SLOW_RPC, "events": SLOW_EVENTS, "subscriber": SLOW_SUBSCRIBER}
        for case, patch in patches.items():
            heads[case] = slow_commit(
                clone, base, patch.format(spin=spins[case]), f"drill: slower {case}"
            )
        heads["tail"] = slow_commit(clone, base, TAIL, "drill: 2% of RPC calls 1 ms late")
        outcome: dict = {
            "base": base,
            "heads": heads,
            "slowdown": slowdown,
            "rpc_spin_us": spins["rpc"] * 1e6,
            "event_spin_us": spins["events"] * 1e6,
            "subscriber_spin_us": spins["subscriber"] * 1e6,
            "runs": {case: [] for case in CASES},
        }
        chosen = [case for case in CASES if case == "noop" or case in cases]
        for i in range(runs):
            for case in chosen:
                out = Path(tmp) / f"{case}-{i}.json"
                t0 = time.perf_counter()
                code = run_gate(clone, base, heads[case], out)
                outcome["runs"][case].append(_run_record(code, time.perf_counter() - t0, out))
                print(f"run {i + 1} {case}: exit {code}", file=sys.stderr)
            if json_out:
                json_out.write_text(json.dumps(outcome, indent=1))
    outcome["summary"] = summary(outcome["runs"])
    return outcome


def _run_record(code: int, seconds: float, out: Path) -> dict:
    verdicts = json.loads(out.read_text()) if out.exists() else []
    return {
        "exit": code,
        "seconds": seconds,
        "ratios": {v["metric"]: v["ratio"] for v in verdicts},
        "fresh_ratios": {
            v["metric"]: v["fresh_ratio"] for v in verdicts if v.get("fresh_ratio") is not None
        },
        "regressions": [v["metric"] for v in verdicts if v["verdict"] == "regression"],
    }
