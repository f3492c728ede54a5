"""The drill's tables: each injected step and whether the record named it, the false change
points, the time per commit; and the spread of the A/A points."""

from __future__ import annotations

from statistics import fmean, median, pstdev

from .. import markdown
from ..change_points import asv_steps


def drills(outcomes: list[dict]) -> str:
    rows, steps, named, false, commits, seconds = [], 0, 0, 0, 0, []
    for outcome in outcomes:
        found = outcome.get("change_points", [])
        for step in outcome["steps"]:
            at = [f for f in found if f["index"] == step["index"]]
            what = "revert to 0" if step["revert"] else f"+{step['level']:.0%}"
            rows.append([
                outcome["commits"][step["index"]][:8], str(step["index"]), step["path"], what,
                "yes" if at else "no",
                ", ".join(f"{f['metric']} {f['change']:+.1%}" for f in at) or "-",
            ])  # fmt: skip
        steps += len(outcome["steps"])
        named += len(outcome.get("named", []))
        false += len(outcome.get("false", []))
        commits += len(outcome["commits"])
        seconds += outcome["seconds"]
    header = [
        "commit",
        "index",
        "path",
        "step",
        "named exactly",
        "series with a change point there",
    ]
    lines = [
        markdown.table(header, rows),
        "",
        f"{len(outcomes)} drill run(s), {commits} commits, {steps} steps: {named} of {steps} "
        f"named at their exact commit, {false} false change point(s) over "
        f"{commits - steps} unchanged commits. Time per commit: median {median(seconds):.0f} s, "
        f"at most {max(seconds):.0f} s.",
    ]
    asv_named, asv_false = asv_detection(outcomes)
    lines.append(
        f"asv's own step detection (asv.step_detect) on the same series: {asv_named} of "
        f"{steps} named at their exact commit, {asv_false} steps at unchanged commits."
    )
    falses = [
        f"{outcome['commits'][f['index']][:8]} {f['metric']} {f['change']:+.1%}"
        for outcome in outcomes
        for f in outcome.get("change_points", [])
        if f["index"] in outcome.get("false", [])
    ]
    if falses:
        lines.append("False change points: " + "; ".join(falses) + ".")
    rescored = [o for o in outcomes if "scored_as_run" in o]
    if rescored:
        lines.append(
            "Scored by the rule the drill ran with instead: "
            + "; ".join(
                f"seed {o['seed']}: {len(o['scored_as_run']['named'])} named, "
                f"false at {[o['commits'][i][:8] for i in o['scored_as_run']['false']]}"
                for o in rescored
            )
            + "."
        )
    return "\n".join(lines)


def aa(outcome: dict) -> str:
    points = outcome["points"]
    metrics = [k for k in points[0] if k != "seconds"]
    rows = []
    for metric in metrics:
        values = [p[metric] for p in points]
        rows.append([
            metric, f"{median(values):.3f}", f"{min(values):.3f}", f"{max(values):.3f}",
            f"{max(values) / min(values):.3f}", f"{pstdev(values) / fmean(values):.1%}",
        ])  # fmt: skip
    seconds = [p["seconds"] for p in points]
    return "\n".join([
        markdown.table(["metric", "median", "min", "max", "max/min", "CV"], rows),
        "",
        f"{len(points)} points of the unchanged SDK against itself, Python {outcome['python']}, "
        f"{outcome['pairs']} runs of {outcome['rounds']} paired rounds a point; "
        f"{median(seconds):.0f} s a point (at most {max(seconds):.0f} s).",
    ])  # fmt: skip


def asv_detection(outcomes: list[dict]) -> tuple[int, int]:
    """Steps named exactly and commits wrongly named, by asv's own detection over the same
    ratio series."""
    named = false = 0
    for outcome in outcomes:
        commits = outcome["commits"]
        found = {
            commits.index(step.commit)
            for metric, values in outcome["ratios"].items()
            for step in asv_steps(metric, commits[: len(values)], values)
        }
        injected = {s["index"] for s in outcome["steps"]}
        named += len(found & injected)
        false += len(found - injected)
    return named, false
