"""Measure the gate's false-alarm and detection rates with throwaway commits.

    python -m tools.gate_drill [--runs 20] [--slowdown 0.10] [--json FILE]

In a scratch clone of this repository it makes two commits on top of HEAD:
  noop  changes a comment only (identical SDK code): the gate must pass;
  slow  makes the SDK slower on purpose: busy-waits in ``Service.call_rpc`` for
        ``slowdown`` x the serial RPC round trip, and in ``Service.publish_events`` for
        ``slowdown`` x the time per batched event (both measured on HEAD first), i.e. a 10%
        slower RPC path and about 10% fewer events/s: the gate must fail.
Then it runs the gate --runs times for each and counts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .asv_results import REPO

SLOW_PATCH = """

# --- gate drill: a deliberate slowdown, never merged ---
import time as _drill_time

_DRILL_RPC_SPIN = {rpc_spin!r}
_DRILL_EVENT_SPIN = {event_spin!r}


def _drill_spin(seconds):
    end = _drill_time.perf_counter() + seconds
    while _drill_time.perf_counter() < end:
        pass


_drill_call_rpc = Service.call_rpc
_drill_publish_events = Service.publish_events


async def _slow_call_rpc(self, *args, **kwargs):
    _drill_spin(_DRILL_RPC_SPIN)
    return await _drill_call_rpc(self, *args, **kwargs)


async def _slow_publish_events(self, domain, event_type, payloads):
    _drill_spin(_DRILL_EVENT_SPIN * len(payloads))
    return await _drill_publish_events(self, domain, event_type, payloads)


Service.call_rpc = _slow_call_rpc
Service.publish_events = _slow_publish_events
"""


def sh(cwd: Path, *args: str) -> str:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=True).stdout


def commit(clone: Path, message: str) -> str:
    sh(
        clone,
        "git",
        "-c",
        "user.name=drill",
        "-c",
        "user.email=drill@localhost",
        "commit",
        "-qam",
        message,
    )
    return sh(clone, "git", "rev-parse", "HEAD").strip()


def gate(clone: Path, base: str, head: str, out: Path) -> int:
    return subprocess.run(
        [sys.executable, "-m", "tools.gate", "--base", base, "--head", head, "--json", str(out)],
        cwd=clone,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ).returncode


def baseline_times(base: str) -> tuple[float, float]:
    """Serial RPC round trip and seconds per batched event on the base, median of 3 probes."""
    from .gate import environment, probe

    python = environment(base)
    probes = [probe(python, ["rpc", "events"]) for _ in range(3)]
    rpc = sorted(p["rpc_p50"] for p in probes)[1] / 1e3
    event = sorted(p["event_batch_us_per_event"] for p in probes)[1] / 1e6
    return rpc, event


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--slowdown", type=float, default=0.10)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gate-drill-") as tmp:
        clone = Path(tmp) / "repo"
        sh(REPO, "git", "clone", "-q", str(REPO), str(clone))
        base = sh(clone, "git", "rev-parse", "HEAD").strip()
        readme = clone / "README.md"
        readme.write_text(readme.read_text() + "\n<!-- gate drill: no-op change -->\n")
        noop = commit(clone, "drill: no-op")
        rpc_s, event_s = baseline_times(base)
        service = clone / "aegis_sdk" / "application" / "service.py"
        service.write_text(
            service.read_text()
            + SLOW_PATCH.format(rpc_spin=rpc_s * args.slowdown, event_spin=event_s * args.slowdown)
        )
        slow = commit(clone, "drill: 10% slower")
        outcome: dict = {
            "base": base,
            "noop": noop,
            "slow": slow,
            "rpc_spin_us": rpc_s * args.slowdown * 1e6,
            "event_spin_us": event_s * args.slowdown * 1e6,
            "runs": {"noop": [], "slow": []},
        }
        for i in range(args.runs):
            for name, head in (("noop", noop), ("slow", slow)):
                out = Path(tmp) / f"{name}-{i}.json"
                t0 = time.perf_counter()
                code = gate(clone, base, head, out)
                verdicts = json.loads(out.read_text()) if out.exists() else []
                outcome["runs"][name].append(
                    {
                        "exit": code,
                        "seconds": time.perf_counter() - t0,
                        "ratios": {v["metric"]: v["ratio"] for v in verdicts},
                        "regressions": [
                            v["metric"] for v in verdicts if v["verdict"] == "regression"
                        ],
                    }
                )
                print(f"run {i + 1} {name}: exit {code}", file=sys.stderr)
            if args.json:  # after every pair, so an interrupted drill keeps what it measured
                args.json.write_text(json.dumps(outcome, indent=1))
    noop_pass = sum(r["exit"] == 0 for r in outcome["runs"]["noop"])
    slow_fail = sum(r["exit"] == 1 for r in outcome["runs"]["slow"])
    rpc_caught = sum(
        any(m.startswith("rpc") for m in r["regressions"]) for r in outcome["runs"]["slow"]
    )
    event_caught = sum(
        any(m.startswith("event") for m in r["regressions"]) for r in outcome["runs"]["slow"]
    )
    outcome["summary"] = {
        "noop_passed": noop_pass,
        "slow_failed": slow_fail,
        "rpc_flagged": rpc_caught,
        "events_flagged": event_caught,
        "runs": args.runs,
    }
    print(json.dumps(outcome["summary"]))
    if args.json:
        args.json.write_text(json.dumps(outcome, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
