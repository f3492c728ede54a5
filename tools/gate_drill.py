"""Measure the gate's false-alarm and detection rates with throwaway commits.

    python -m tools.gate_drill [--runs 20] [--slowdown 0.10] [--json FILE]
    python -m tools.gate_drill --table FILE          (the tables of an earlier drill)

In a scratch clone of this repository it makes three commits on top of HEAD:
  noop    changes a comment only (identical SDK code): the gate must pass;
  rpc     busy-waits in ``Service.call_rpc`` for ``slowdown`` x the serial RPC round trip
          measured on HEAD first, a 10% slower RPC path: the gate must flag an RPC metric;
  events  busy-waits in ``Service.publish_events`` for ``slowdown`` x the time per batched
          event measured on HEAD first, about 10% fewer events/s: the gate must flag an
          event metric.
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


def _drill_spin(seconds):
    end = _drill_time.perf_counter() + seconds
    while _drill_time.perf_counter() < end:
        pass


"""
SLOW_RPC = """
_drill_call_rpc = Service.call_rpc


async def _slow_call_rpc(self, *args, **kwargs):
    _drill_spin({spin!r})
    return await _drill_call_rpc(self, *args, **kwargs)


Service.call_rpc = _slow_call_rpc
"""
SLOW_EVENTS = """
_drill_publish_events = Service.publish_events


async def _slow_publish_events(self, domain, event_type, payloads):
    _drill_spin({spin!r} * len(payloads))
    return await _drill_publish_events(self, domain, event_type, payloads)


Service.publish_events = _slow_publish_events
"""
CASES = ("noop", "rpc", "events")


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
    """Serial RPC round trip and seconds per batched event on the base, medians of 9."""
    from .gate import Worker, environment

    worker = Worker(environment(base), "drill")
    try:
        rpc = sorted(worker.measure("rpc_serial")["rpc_p50"] for _ in range(9))[4] / 1e3
        event = sorted(worker.measure("event_batch")["event_batch_us_per_event"] for _ in range(9))[
            4
        ]
    finally:
        worker.close()
    return rpc, event / 1e6


def slow_commit(clone: Path, base: str, patch: str, message: str) -> str:
    sh(clone, "git", "checkout", "-q", base)
    service = clone / "aegis_sdk" / "application" / "service.py"
    service.write_text(service.read_text() + SLOW_PATCH + patch)
    return commit(clone, message)


def caught(run: dict, prefix: str) -> bool:
    return run["exit"] == 1 and any(m.startswith(prefix) for m in run["regressions"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--slowdown", type=float, default=0.10)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--table", type=Path, default=None, help="only print the tables of an earlier --json"
    )
    args = parser.parse_args(argv)
    if args.table:
        print(markdown(json.loads(args.table.read_text())))
        return 0
    with tempfile.TemporaryDirectory(prefix="gate-drill-") as tmp:
        clone = Path(tmp) / "repo"
        sh(REPO, "git", "clone", "-q", str(REPO), str(clone))
        base = sh(clone, "git", "rev-parse", "HEAD").strip()
        readme = clone / "README.md"
        readme.write_text(readme.read_text() + "\n<!-- gate drill: no-op change -->\n")
        heads = {"noop": commit(clone, "drill: no-op")}
        rpc_s, event_s = baseline_times(base)
        rpc_spin, event_spin = rpc_s * args.slowdown, event_s * args.slowdown
        heads["rpc"] = slow_commit(
            clone, base, SLOW_RPC.format(spin=rpc_spin), "drill: slower RPC path"
        )
        heads["events"] = slow_commit(
            clone, base, SLOW_EVENTS.format(spin=event_spin), "drill: fewer events/s"
        )
        outcome: dict = {
            "base": base,
            "heads": heads,
            "slowdown": args.slowdown,
            "rpc_spin_us": rpc_spin * 1e6,
            "event_spin_us": event_spin * 1e6,
            "runs": {case: [] for case in CASES},
        }
        for i in range(args.runs):
            for case in CASES:
                out = Path(tmp) / f"{case}-{i}.json"
                t0 = time.perf_counter()
                code = gate(clone, base, heads[case], out)
                verdicts = json.loads(out.read_text()) if out.exists() else []
                outcome["runs"][case].append(
                    {
                        "exit": code,
                        "seconds": time.perf_counter() - t0,
                        "ratios": {v["metric"]: v["ratio"] for v in verdicts},
                        "regressions": [
                            v["metric"] for v in verdicts if v["verdict"] == "regression"
                        ],
                    }
                )
                print(f"run {i + 1} {case}: exit {code}", file=sys.stderr)
            if args.json:  # after every round, so an interrupted drill keeps what it measured
                args.json.write_text(json.dumps(outcome, indent=1))
    outcome["summary"] = summary(outcome["runs"])
    print(json.dumps(outcome["summary"]))
    if args.json:
        args.json.write_text(json.dumps(outcome, indent=1))
    print(markdown(outcome))
    return 0


def summary(runs: dict) -> dict:
    seconds = sorted(r["seconds"] for case in CASES for r in runs[case])
    return {
        "runs": len(runs["noop"]),
        "noop_passed": sum(r["exit"] == 0 for r in runs["noop"]),
        "rpc_flagged": sum(caught(r, "rpc") for r in runs["rpc"]),
        "events_flagged": sum(caught(r, "event") for r in runs["events"]),
        "gate_seconds_median": seconds[len(seconds) // 2],
        "gate_seconds_max": seconds[-1],
    }


def markdown(outcome: dict) -> str:
    """The drill's rates and, per metric, the head/base ratios of every case."""
    runs, s = outcome["runs"], summary(outcome["runs"])
    n = s["runs"]
    lines = [
        "| case | runs | result | required |",
        "|---|---|---|---|",
        f"| no-op commit (identical SDK code) | {n} | passed {s['noop_passed']} of {n} "
        "| pass >= 19 in 20 |",
        f"| RPC path 10% slower ({outcome['rpc_spin_us']:.0f} us per call) | {n} "
        f"| RPC flagged {s['rpc_flagged']} of {n} | flag >= 19 in 20 |",
        f"| events/s about 10% lower ({outcome['event_spin_us']:.1f} us per event) | {n} "
        f"| events flagged {s['events_flagged']} of {n} | flag >= 19 in 20 |",
        "",
        f"One gate run: {s['gate_seconds_median']:.0f} s median, {s['gate_seconds_max']:.0f} s "
        "at most.",
        "",
        "| metric | " + " | ".join(f"{case}: median (min-max), flagged" for case in CASES) + " |",
        "|---|" + "---|" * len(CASES),
    ]
    for metric in runs["noop"][0]["ratios"]:
        cells = []
        for case in CASES:
            ratios = sorted(r["ratios"][metric] for r in runs[case] if metric in r["ratios"])
            flagged = sum(metric in r["regressions"] for r in runs[case])
            cells.append(
                f"{ratios[len(ratios) // 2]:.3f} ({ratios[0]:.3f}-{ratios[-1]:.3f}), "
                f"{flagged}/{len(runs[case])}"
            )
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
