"""The drill's results: how often the gate caught each case, the stray flags, and per
metric the ratios of every case."""

from __future__ import annotations

from ..markdown import table
from .patches import CASES


def caught(run: dict, case: str) -> bool:
    """The gate failed on a metric this case moves."""
    prefixes = CASES[case]
    return run["exit"] == 1 and any(m.startswith(prefixes) for m in run["regressions"])


def stray(run: dict, case: str) -> list[str]:
    """Metrics flagged that the case does not move."""
    prefixes = CASES[case]
    return [m for m in run["regressions"] if not (prefixes and m.startswith(prefixes))]


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
    return "\n".join(
        [
            _rates(outcome, s, cases),
            "",
            f"One gate run: {s['gate_seconds_median']:.0f} s median, "
            f"{s['gate_seconds_max']:.0f} s at most.",
            "",
            _ratios(runs, cases),
        ]
    )


DESCRIBED = {  # case: (what it does, its spin in the outcome, the spin's unit, what it moves)
    "rpc": ("RPC path 10% slower", "rpc_spin_us", "us per call", "RPC"),
    "events": ("events/s about 10% lower", "event_spin_us", "us per event", "events"),
    "subscriber": (
        "subscriber's delivery path 10% slower",
        "subscriber_spin_us",
        "us per event",
        "delivery",
    ),
}


def _rates(outcome: dict, s: dict, cases: list[str]) -> str:
    runs, n = outcome["runs"], s["runs"]
    rows = [
        [
            "no-op commit (identical SDK code)",
            str(n),
            f"passed {s['noop_passed']} of {n}",
            str(s["noop_stray_flags"]),
            "pass >= 19 in 20, <= 1 stray flag",
        ]
    ]
    for case in cases[1:]:
        if case in DESCRIBED:
            title, key, unit, what = DESCRIBED[case]
            title = f"{title} ({outcome[key]:.1f} {unit})"
        else:
            title, what = "tail only: 2% of RPC calls about 1 ms late", "RPC p99"
        total = len(runs[case])
        flagged = f"{what} flagged {s[f'{case}_flagged']} of {total}"
        rows.append([title, str(total), flagged, str(s[f"{case}_stray_flags"]), "flag >= 19 in 20"])
    header = ["case", "runs", "result", "stray flags", "required"]
    return table(header, rows, aligned=False)


def _ratios(runs: dict, cases: list[str]) -> str:
    rows = []
    for metric in runs["noop"][0]["ratios"]:
        cells = [metric]
        for case in cases:
            ratios = sorted(r["ratios"][metric] for r in runs[case] if metric in r["ratios"])
            flagged = sum(metric in r["regressions"] for r in runs[case])
            cells.append(
                f"{ratios[len(ratios) // 2]:.3f} ({ratios[0]:.3f}-{ratios[-1]:.3f}), "
                f"{flagged}/{len(runs[case])}"
            )
        rows.append(cells)
    header = ["metric", *(f"{case}: median (min-max), flagged" for case in cases)]
    return table(header, rows, aligned=False)
