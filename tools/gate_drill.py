"""Measure the gate's false-alarm and detection rates with throwaway commits.

    python -m tools.gate_drill [--runs 20] [--slowdown 0.10] [--json FILE]
    python -m tools.gate_drill --table FILE          (the tables of an earlier drill)

In a scratch clone of this repository it makes five commits on top of HEAD:
  noop        changes a comment only (identical SDK code): the gate must pass;
  rpc         busy-waits in ``Service.call_rpc`` for ``slowdown`` x the serial RPC round
              trip measured on HEAD first, a 10% slower RPC path: an RPC metric must be flagged;
  events      busy-waits in ``Service.publish_events`` for ``slowdown`` x the time per
              batched event measured on HEAD first, about 10% fewer events/s: an event
              metric must be flagged;
  subscriber  busy-waits in every event handler registered with ``Service.subscribe`` for
              ``slowdown`` x the time per drained event measured on HEAD first, a 10% more
              expensive delivery path: a delivery metric must be flagged;
  tail        delays every 50th ``Service.call_rpc`` by ``asyncio.sleep(0.001)`` (2% of the
              calls by about a millisecond, p50 and throughput unchanged): the RPC tail
              metric must be flagged.
Then it runs the gate --runs times for each and counts, and counts stray flags: metrics
flagged that the case does not touch.
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
SLOW_SUBSCRIBER = """
_drill_subscribe = Service.subscribe


def _slow_subscribe(self, *args, **kwargs):
    register = _drill_subscribe(self, *args, **kwargs)

    def slow_register(fn):
        async def handler(event):
            _drill_spin({spin!r})
            result = fn(event)
            if inspect.isawaitable(result):
                await result

        register(handler)
        return fn

    return slow_register


Service.subscribe = _slow_subscribe
"""
TAIL = """
import asyncio as _drill_asyncio
import itertools as _drill_itertools

_drill_call_rpc = Service.call_rpc
_drill_calls = _drill_itertools.count()


async def _tail_call_rpc(self, *args, **kwargs):
    if next(_drill_calls) % 50 == 49:
        await _drill_asyncio.sleep(0.001)
    return await _drill_call_rpc(self, *args, **kwargs)


Service.call_rpc = _tail_call_rpc
"""
# case -> the metric-name prefixes it is meant to move (a flag elsewhere is a stray flag)
CASES = {
    "noop": (),
    "rpc": ("rpc",),
    "events": ("event",),
    "subscriber": ("drain", "delivery"),
    "tail": ("rpc_p99",),
}


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


def baseline_times(base: str) -> dict[str, float]:
    """Seconds per serial RPC round trip, per batched event and per drained event on the
    base, medians of 9."""
    from .gate import Worker, environment

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
    sh(clone, "git", "checkout", "-q", base)
    service = clone / "aegis_sdk" / "application" / "service.py"
    service.write_text(service.read_text() + SLOW_PATCH + patch)
    return commit(clone, message)


def caught(run: dict, case: str) -> bool:
    """The gate failed on a metric this case moves."""
    prefixes = CASES[case]
    return run["exit"] == 1 and any(m.startswith(prefixes) for m in run["regressions"])


def stray(run: dict, case: str) -> list[str]:
    """Metrics flagged that the case does not move."""
    prefixes = CASES[case]
    return [m for m in run["regressions"] if not (prefixes and m.startswith(prefixes))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--slowdown", type=float, default=0.10)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--cases", nargs="+", choices=list(CASES), default=list(CASES), help="noop always runs"
    )
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
        spins = {k: v * args.slowdown for k, v in baseline_times(base).items()}
        patches = {"rpc": SLOW_RPC, "events": SLOW_EVENTS, "subscriber": SLOW_SUBSCRIBER}
        for case, patch in patches.items():
            heads[case] = slow_commit(
                clone, base, patch.format(spin=spins[case]), f"drill: slower {case}"
            )
        heads["tail"] = slow_commit(clone, base, TAIL, "drill: 2% of RPC calls 1 ms late")
        outcome: dict = {
            "base": base,
            "heads": heads,
            "slowdown": args.slowdown,
            "rpc_spin_us": spins["rpc"] * 1e6,
            "event_spin_us": spins["events"] * 1e6,
            "subscriber_spin_us": spins["subscriber"] * 1e6,
            "runs": {case: [] for case in CASES},
        }
        cases = [case for case in CASES if case == "noop" or case in args.cases]
        for i in range(args.runs):
            for case in cases:
                out = Path(tmp) / f"{case}-{i}.json"
                t0 = time.perf_counter()
                code = gate(clone, base, heads[case], out)
                verdicts = json.loads(out.read_text()) if out.exists() else []
                outcome["runs"][case].append(
                    {
                        "exit": code,
                        "seconds": time.perf_counter() - t0,
                        "ratios": {v["metric"]: v["ratio"] for v in verdicts},
                        "fresh_ratios": {
                            v["metric"]: v["fresh_ratio"]
                            for v in verdicts
                            if v.get("fresh_ratio") is not None
                        },
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
    cases = [case for case in CASES if runs.get(case)]
    seconds = sorted(r["seconds"] for case in cases for r in runs[case])
    out = {
        "runs": len(runs["noop"]),
        "noop_passed": sum(r["exit"] == 0 for r in runs["noop"]),
        "gate_seconds_median": seconds[len(seconds) // 2],
        "gate_seconds_max": seconds[-1],
    }
    for case in cases:
        if case != "noop":
            out[f"{case}_flagged"] = sum(caught(r, case) for r in runs[case])
        out[f"{case}_stray_flags"] = sum(len(stray(r, case)) for r in runs[case])
    return out


def markdown(outcome: dict) -> str:
    """The drill's rates and, per metric, the head/base ratios of every case."""
    runs, s = outcome["runs"], summary(outcome["runs"])
    cases = [case for case in CASES if runs.get(case)]
    n = s["runs"]
    described = {
        "rpc": ("RPC path 10% slower", "rpc_spin_us", "us per call", "RPC"),
        "events": ("events/s about 10% lower", "event_spin_us", "us per event", "events"),
        "subscriber": (
            "subscriber's delivery path 10% slower",
            "subscriber_spin_us",
            "us per event",
            "delivery",
        ),
    }
    lines = [
        "| case | runs | result | stray flags | required |",
        "|---|---|---|---|---|",
        f"| no-op commit (identical SDK code) | {n} | passed {s['noop_passed']} of {n} "
        f"| {s['noop_stray_flags']} | pass >= 19 in 20, <= 1 stray flag |",
    ]
    for case in cases[1:]:
        if case in described:
            title, key, unit, what = described[case]
            title = f"{title} ({outcome[key]:.1f} {unit})"
        else:
            title, what = "tail only: 2% of RPC calls about 1 ms late", "RPC p99"
        lines.append(
            f"| {title} | {len(runs[case])} | {what} flagged {s[f'{case}_flagged']} of "
            f"{len(runs[case])} | {s[f'{case}_stray_flags']} | flag >= 19 in 20 |"
        )
    lines += [
        "",
        f"One gate run: {s['gate_seconds_median']:.0f} s median, {s['gate_seconds_max']:.0f} s "
        "at most.",
        "",
        "| metric | " + " | ".join(f"{case}: median (min-max), flagged" for case in cases) + " |",
        "|---|" + "---|" * len(cases),
    ]
    for metric in runs["noop"][0]["ratios"]:
        cells = []
        for case in cases:
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
