"""Running a drill in a scratch clone: the commits, the history over them, the change points
and the score; and the A/A points."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.against_baseline import PAIRS, ROUNDS
from benchmarks.support.asv_layout import REPO
from benchmarks.support.paired_rounds import paired_point
from benchmarks.support.sdk_environments import environment

from ..asv_results import load
from ..change_points import find_steps
from ..gate_drill.drill import baseline_times, commit
from ..git import git
from ..pythons import running
from ..record_series import PAIRED
from .plan import PATHS, levels_at, plan, source

MACHINE = "history-drill"


def scratch_clone(tmp: Path) -> tuple[Path, str]:
    """A clone of HEAD whose perf.toml names HEAD as the baseline (not committed)."""
    clone = tmp / "repo"
    git("clone", "-q", str(REPO), str(clone))
    base = git("rev-parse", "HEAD", repo=clone)
    perf = clone / "perf.toml"
    perf.write_text(
        "\n".join(
            f'commit = "{base}"' if line.startswith("commit = ") else line
            for line in perf.read_text().splitlines()
        )
        + "\n"
    )
    return clone, base


def history_drill(commits: int, steps: int, seed: int, json_out: Path | None) -> dict:
    rng = random.Random(seed)
    scratch = Path(tempfile.mkdtemp(prefix="history-drill-"))
    clone, base = scratch_clone(scratch)
    spins = baseline_times(base)
    chosen = plan(commits, steps, rng)
    service = clone / "aegis_sdk" / "application" / "service.py"
    base_source = service.read_text()
    hashes = []
    for index in range(commits):
        service.write_text(source(base_source, levels_at(chosen, index), spins, index))
        hashes.append(commit(clone, f"history drill: commit {index}"))
    outcome = {
        "base": base,
        "seed": seed,
        "python": running(),
        "pairs": PAIRS,
        "rounds": ROUNDS,
        "base_times_us": {path: spins[path] * 1e6 for path in PATHS},
        "commits": hashes,
        "steps": [s.to_json() for s in chosen],
        "seconds": [],
        "scratch": str(scratch),
    }
    return _measure(outcome, json_out)


def resume(json_file: Path) -> dict:
    """Go on with a drill that stopped: its JSON file names the scratch clone that still holds
    its commits and the results measured so far."""
    outcome = json.loads(json_file.read_text())
    if not Path(outcome.get("scratch", ""), "repo").is_dir():
        raise SystemExit(f"{json_file}: the drill's scratch clone is gone; run the drill again")
    return _measure(outcome, json_file)


def _measure(outcome: dict, json_out: Path | None) -> dict:
    scratch = Path(outcome["scratch"])
    clone, hashes = scratch / "repo", outcome["commits"]
    for index in range(len(outcome["seconds"]), len(hashes)):
        t0 = time.perf_counter()
        _history(clone, hashes[index])
        outcome["seconds"].append(time.perf_counter() - t0)
        print(f"commit {index + 1}/{len(hashes)}: {outcome['seconds'][-1]:.0f} s", file=sys.stderr)
        outcome["ratios"] = _ratios(clone, hashes[: index + 1])
        if json_out:
            json_out.write_text(json.dumps(outcome, indent=1))
    shutil.rmtree(scratch)
    del outcome["scratch"]
    outcome.update(score(outcome))
    if json_out:
        json_out.write_text(json.dumps(outcome, indent=1))
    return outcome


def _history(clone: Path, commit_hash: str) -> None:
    env = dict(os.environ, AEGIS_ASV_MACHINE=MACHINE)
    command = [sys.executable, "-m", "tools", "history", "--commits", commit_hash]
    command += ["--paired-only", "--no-site", "--python", running()]
    subprocess.run(command, cwd=clone, env=env, stdout=subprocess.DEVNULL, check=True)


def _ratios(clone: Path, commits: list[str]) -> dict[str, list[float | None]]:
    """Every ratio series, value by commit (None: none recorded)."""
    root = clone / ".asv" / "results"
    series: dict[str, list[float | None]] = {}
    for i, commit_hash in enumerate(commits):
        for result in load(MACHINE, commit_hash, python=running(), root=root):
            if result.name.startswith(PAIRED):
                metric = result.name[len(PAIRED) :]
                series.setdefault(metric, [None] * len(commits))[i] = result.value
    return series


def score(outcome: dict) -> dict:
    """The change points of every ratio series; which steps were named at their exact commit;
    the change points at commits where nothing changed."""
    commits = outcome["commits"]
    found = []
    for metric, values in outcome["ratios"].items():
        for step in find_steps(metric, commits[: len(values)], values):
            found.append({"metric": metric, "index": commits.index(step.commit),
                          "change": step.change, "pvalue": step.pvalue})  # fmt: skip
    injected = {s["index"] for s in outcome["steps"]}
    named = sorted({f["index"] for f in found} & injected)
    false = sorted({f["index"] for f in found} - injected)
    return {"change_points": found, "named": named, "false": false}


def aa_points(points: int, json_out: Path | None) -> dict:
    """``points`` history points of HEAD's SDK against itself, measured as the history does."""
    python = environment(git("rev-parse", "HEAD"))
    outcome: dict = {"python": running(), "pairs": PAIRS, "rounds": ROUNDS, "points": []}
    for i in range(points):
        t0 = time.perf_counter()
        point = paired_point({"base": python, "head": python}, PAIRS, ROUNDS)
        outcome["points"].append(
            {"seconds": time.perf_counter() - t0, **{m: v["ratio"] for m, v in point.items()}}
        )
        print(
            f"A/A point {i + 1}/{points}: {outcome['points'][-1]['seconds']:.0f} s", file=sys.stderr
        )
        if json_out:
            json_out.write_text(json.dumps(outcome, indent=1))
    return outcome
