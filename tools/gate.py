"""The pull-request gate: is HEAD slower than the base it branched from?

    python -m tools.gate [--base REV] [--head REV] [--rounds N] [--markdown FILE]

Better than one run of each side (``asv continuous``): both SDK versions are installed side
by side and measured in alternating rounds on the same server, so drift on this shared
machine hits both alike; each metric is judged on the per-round ratios head/base, with a
sign test against noise and a minimum effect; metrics that look changed but are not yet
decided are measured again (only their group) before the verdict. A throughput drop counts
exactly as a latency rise: every gate metric is lower-is-better.

Exit status: 0 no regression, 1 regression, 2 the gate could not run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .asv_results import REPO
from .repo import commit_hash, git

GATE_DIR = REPO / ".asv" / "gate"
MIN_EFFECT = 0.05  # smaller changes are not reported as regressions
ALPHA = 0.05  # one-sided sign test
LOOKS_CHANGED = 0.03
DEFAULT_ROUNDS = 6


def default_base() -> str:
    for ref in ("origin/main", "main"):
        try:
            return git("merge-base", ref, "HEAD")
        except subprocess.CalledProcessError:
            continue
    raise SystemExit("cannot find main to compare with; pass --base")


def pinned_requirements() -> list[str]:
    conf = json.loads((REPO / "asv.conf.json").read_text())
    return [f"{name}=={version}" for name, version in conf["matrix"]["req"].items()]


def environment(commit: str) -> Path:
    """A virtual environment with the SDK of ``commit`` and the suite's pinned dependencies."""
    venv = GATE_DIR / commit[:12]
    python = venv / "bin" / "python"
    if (venv / ".ready").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, *pinned_requirements()], check=True)
    with tempfile.TemporaryDirectory() as src:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
        subprocess.run([*pip, "--no-deps", "--no-build-isolation", src], check=True)
    (venv / ".ready").write_text(commit)
    return python


def probe(python: Path, groups: list[str]) -> dict[str, float]:
    """One round in ``python``'s environment; the suite comes from this working tree."""
    with tempfile.TemporaryDirectory() as shim:
        # only the benchmarks package on the path: aegis_sdk must come from the environment
        os.symlink(REPO / "benchmarks", Path(shim) / "benchmarks")
        out = subprocess.run(
            [str(python), "-m", "benchmarks.gate_probe", "--only", *groups],
            cwd=shim,
            capture_output=True,
            text=True,
            timeout=300,
        )
    if out.returncode != 0:
        raise RuntimeError(f"gate probe failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@dataclass
class Judgement:
    metric: str
    base: list[float]
    head: list[float]

    @property
    def ratios(self) -> list[float]:
        return [h / b for b, h in zip(self.base, self.head, strict=True)]

    @property
    def ratio(self) -> float:
        return _median(self.ratios)

    def _p(self, worse: bool) -> float:
        n = len(self.ratios)
        k = sum(1 for r in self.ratios if (r > 1 if worse else r < 1))
        return sum(math.comb(n, i) for i in range(k, n + 1)) / 2**n

    @property
    def verdict(self) -> str:
        if self.ratio > 1 + MIN_EFFECT and self._p(worse=True) <= ALPHA:
            return "regression"
        if self.ratio < 1 - MIN_EFFECT and self._p(worse=False) <= ALPHA:
            return "improvement"
        return "no change"

    @property
    def looks_changed(self) -> bool:
        return self.verdict == "no change" and abs(self.ratio - 1) > LOOKS_CHANGED


def _median(values: list[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def run_rounds(pythons: dict[str, Path], groups: list[str], rounds: int, samples: dict) -> None:
    for r in range(rounds):
        order = ["base", "head"] if r % 2 == 0 else ["head", "base"]
        for side in order:
            for metric, value in probe(pythons[side], groups).items():
                if not metric.startswith("_"):
                    samples[side].setdefault(metric, []).append(value)
        print(f"  round {r + 1}/{rounds} ({', '.join(groups)}) done", file=sys.stderr)


def judge(samples: dict) -> list[Judgement]:
    return [Judgement(m, samples["base"][m], samples["head"][m]) for m in samples["base"]]


def gate(base: str, head: str, rounds: int) -> tuple[list[Judgement], str]:
    from benchmarks.gate_probe import GROUPS

    print(f"gate: base {base[:8]} vs head {head[:8]}", file=sys.stderr)
    pythons = {"base": environment(base), "head": environment(head)}
    samples: dict = {"base": {}, "head": {}}
    run_rounds(pythons, list(GROUPS), rounds, samples)
    unsure = {
        g for g, ms in GROUPS.items() for j in judge(samples) if j.metric in ms and j.looks_changed
    }
    if unsure:
        print(f"gate: re-measuring {', '.join(sorted(unsure))}", file=sys.stderr)
        run_rounds(pythons, sorted(unsure), rounds, samples)
    judgements = judge(samples)
    return judgements, markdown(base, head, judgements)


def markdown(base: str, head: str, judgements: list[Judgement]) -> str:
    from benchmarks.gate_probe import METRICS

    regressions = [j for j in judgements if j.verdict == "regression"]
    title = "Performance gate: " + (
        f"**{len(regressions)} regression(s)**" if regressions else "no regression"
    )
    lines = [
        f"### {title}",
        "",
        f"`{base[:8]}` (base) vs `{head[:8]}` (head); lower is better for every metric. "
        f"Verdict: change of more than {MIN_EFFECT:.0%} in the median of per-round ratios, "
        f"confirmed by a sign test at {ALPHA:g}.",
        "",
        "| benchmark | unit | before | after | ratio | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for j in judgements:
        unit, what = METRICS[j.metric]
        mark = {"regression": ":x: regression", "improvement": ":white_check_mark: improvement"}
        lines.append(
            f"| {j.metric} ({what}) | {unit} | {_median(j.base):.4g} | {_median(j.head):.4g} "
            f"| {j.ratio:.3f} | {mark.get(j.verdict, 'no change')} |"
        )
    lines.append("")
    lines.append(f"{len(judgements[0].base)} rounds per side (more for re-measured groups).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=None, help="default: merge base of main and HEAD")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    parser.add_argument("--json", type=Path, default=None, help="write samples and verdicts")
    args = parser.parse_args(argv)
    try:
        base = commit_hash(args.base) if args.base else default_base()
        head = commit_hash(args.head)
        judgements, table = gate(base, head, args.rounds)
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        print(f"gate could not run: {exc}", file=sys.stderr)
        return 2
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "metric": j.metric,
                        "base": j.base,
                        "head": j.head,
                        "ratio": j.ratio,
                        "verdict": j.verdict,
                    }
                    for j in judgements
                ],
                indent=1,
            )
        )
    return 1 if any(j.verdict == "regression" for j in judgements) else 0


if __name__ == "__main__":
    sys.exit(main())
