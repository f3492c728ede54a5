"""The pull-request gate: is HEAD slower than the base it branched from?

    python -m tools.gate [--base REV] [--head REV] [--rounds N] [--markdown FILE]

Better than one run of each side (``asv continuous``): both SDK versions are installed side
by side and run at the same time in two worker processes, which take short measurements in
turn (base, head, head, base, ...), so whatever this shared machine does at a moment hits
both alike. Each metric is judged on the per-round ratios head/base: a minimum effect on
their median (5% for medians, CPU and throughput; 20% for tails, p99) and a sign test
against noise. Measurements with a marginal result (a change between 0.6 and 1.6 times the
minimum effect, or a larger one the sign test does not confirm) are taken again, with
fresh processes: a change counts only when all rounds together and the fresh rounds on
their own both show it, because one pair of worker processes can sit a few percent apart
for its whole life. A throughput drop counts exactly as a latency rise: every gate metric
is lower-is-better.

Exit status: 0 no regression, 1 regression, 2 the gate could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.support.json_lines import read_answer
from benchmarks.support.percentiles import median
from benchmarks.support.server_under_test import server_under_test

from .asv_results import REPO
from .pythons import running
from .repo import commit_hash, git

GATE_DIR = REPO / ".asv" / "gate"
ALPHA = 0.05  # one-sided sign test
LOOKS_CHANGED = 0.6  # x min effect: a verdict on a change between this and CLEAR_EFFECT ...
CLEAR_EFFECT = 1.6  # ... x min effect is checked again
DEFAULT_ROUNDS = 60


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
    """A virtual environment with the SDK of ``commit`` and the suite's pinned dependencies,
    on the Python the gate runs on (./dev's): one per commit and Python."""
    venv = GATE_DIR / f"{commit[:12]}-py{running()}"
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


class Worker:
    """A gate worker (benchmarks/support/gate_worker.py) in ``python``'s environment; the
    worker code comes from this working tree, the SDK from the environment."""

    def __init__(self, python: Path, label: str, url: str | None = None) -> None:
        self.label = label
        env = dict(os.environ, AEGIS_NATS_URL=url) if url else None
        self._shim = tempfile.TemporaryDirectory()
        # only the benchmarks package on the path: aegis_sdk must come from the environment
        os.symlink(REPO / "benchmarks", Path(self._shim.name) / "benchmarks")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._stderr_text = ""
        self.process = subprocess.Popen(
            [str(python), "-m", "benchmarks.support.gate_worker", label],
            cwd=self._shim.name,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            text=True,
        )
        self._answer(timeout=120)

    def measure(self, name: str) -> dict[str, float]:
        assert self.process.stdin is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return self._answer(timeout=60)

    def _answer(self, timeout: float) -> dict:
        try:
            answer = read_answer(self.process, timeout)
        except RuntimeError as exc:
            answer = {"error": str(exc)}
        if "error" in answer:
            self.close()
            raise RuntimeError(f"{self.label} worker: {answer['error']}\n{self._stderr_text}")
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self._stderr.closed:
            self._stderr.seek(0)
            self._stderr_text = self._stderr.read().decode(errors="replace")[-3000:]
            self._stderr.close()
        self._shim.cleanup()


@dataclass
class Judgement:
    metric: str
    base: list[float]
    head: list[float]
    fresh: Judgement | None = None  # the re-measured rounds on their own, if any

    @property
    def min_effect(self) -> float:
        """The smallest change of the median ratio that counts (see gate_worker.METRICS)."""
        from benchmarks.support.gate_worker import METRICS

        return METRICS[self.metric].min_effect

    @property
    def ratios(self) -> list[float]:
        return [h / b for b, h in zip(self.base, self.head, strict=True)]

    @property
    def ratio(self) -> float:
        return median(self.ratios)

    def _p(self, worse: bool) -> float:
        n = len(self.ratios)
        k = sum(1 for r in self.ratios if (r > 1 if worse else r < 1))
        return sum(math.comb(n, i) for i in range(k, n + 1)) / 2**n

    @property
    def verdict(self) -> str:
        if self.ratio > 1 + self.min_effect and self._p(worse=True) <= ALPHA:
            verdict = "regression"
        elif self.ratio < 1 - self.min_effect and self._p(worse=False) <= ALPHA:
            verdict = "improvement"
        else:
            return "no change"
        if self.fresh is not None and self.fresh.verdict != verdict:
            return "no change"
        return verdict

    @property
    def looks_changed(self) -> bool:
        effect = abs(self.ratio - 1)
        if self.verdict == "no change":
            return effect > LOOKS_CHANGED * self.min_effect
        return effect < CLEAR_EFFECT * self.min_effect


def run_rounds(pythons: dict[str, Path], measurements: list[str], rounds: int, samples) -> None:
    """``rounds`` rounds with a fresh worker per side, both on one server; in every round
    each measurement is taken on both sides back to back, the side going first alternating."""
    workers = {}
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(server_under_test())
        for side, python in pythons.items():
            workers[side] = Worker(python, side, url)
            stack.callback(workers[side].close)
        for r in range(rounds):
            for name in measurements:
                for side in ("base", "head") if r % 2 == 0 else ("head", "base"):
                    for metric, value in workers[side].measure(name).items():
                        samples[side].setdefault(metric, []).append(value)
    print(f"  {rounds} rounds of {', '.join(measurements)} done", file=sys.stderr)


def judge(samples: dict, fresh: dict | None = None) -> list[Judgement]:
    """Judgements on all rounds of ``samples`` and ``fresh`` together, each carrying the
    judgement of its fresh rounds alone where a metric was measured again."""
    fresh = fresh or {"base": {}, "head": {}}
    judgements = []
    for m in samples["base"]:
        again = Judgement(m, fresh["base"][m], fresh["head"][m]) if m in fresh["base"] else None
        base = samples["base"][m] + fresh["base"].get(m, [])
        head = samples["head"][m] + fresh["head"].get(m, [])
        judgements.append(Judgement(m, base, head, again))
    return judgements


def gate(base: str, head: str, rounds: int) -> tuple[list[Judgement], str]:
    from benchmarks.support.gate_worker import MEASUREMENTS

    print(f"gate: base {base[:8]} vs head {head[:8]}", file=sys.stderr)
    pythons = {"base": environment(base), "head": environment(head)}
    samples: dict = {"base": {}, "head": {}}
    fresh: dict = {"base": {}, "head": {}}
    run_rounds(pythons, list(MEASUREMENTS), rounds, samples)
    changed = {j.metric for j in judge(samples) if j.looks_changed}
    unsure = [name for name, metrics in MEASUREMENTS.items() if changed & metrics.keys()]
    if unsure:
        print(f"gate: re-measuring {', '.join(unsure)}", file=sys.stderr)
        run_rounds(pythons, unsure, rounds, fresh)
    judgements = judge(samples, fresh)
    return judgements, markdown(base, head, judgements, rounds, unsure)


def markdown(
    base: str, head: str, judgements: list[Judgement], rounds: int, remeasured: list[str]
) -> str:
    from benchmarks.support.gate_worker import METRICS

    regressions = [j for j in judgements if j.verdict == "regression"]
    title = "Performance gate: " + (
        f"**{len(regressions)} regression(s)**" if regressions else "no regression"
    )
    lines = [
        f"### {title}",
        "",
        f"`{base[:8]}` (base) vs `{head[:8]}` (head) on Python {running()}; lower is better "
        "for every metric. Verdict: a change of the median of per-round ratios beyond the "
        "metric's threshold (5% for medians, CPU and throughput, 20% for tails), confirmed by "
        f"a sign test at {ALPHA:g}; a metric measured again must also show the change in its "
        "fresh rounds alone.",
        "",
        "| benchmark | unit | before | after | ratio | threshold | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for j in judgements:
        spec = METRICS[j.metric]
        mark = {"regression": ":x: regression", "improvement": ":white_check_mark: improvement"}
        before, after = (_cell(median(v), spec.unit) for v in (j.base, j.head))
        verdict = mark.get(j.verdict, "no change")
        if j.fresh is not None:
            verdict += f" (fresh rounds alone: {j.fresh.ratio:.3f})"
        lines.append(
            f"| {j.metric} ({spec.what}) | {spec.unit} | {before} | {after} "
            f"| {j.ratio:.3f} | {spec.min_effect:.0%} | {verdict} |"
        )
    lines.append("")
    lines.append(
        f"{rounds} interleaved rounds per side; measured again with fresh processes: "
        f"{', '.join(remeasured) or 'nothing'}."
    )
    return "\n".join(lines)


def _cell(value: float, unit: str) -> str:
    """A time per operation also as the rate it stands for: ``66.5 (15,038/s)``."""
    if unit in ("us/request", "us/event"):
        return f"{value:.4g} ({1e6 / value:,.0f}/s)"
    return f"{value:.4g}"


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
                        "fresh_ratio": j.fresh.ratio if j.fresh else None,
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
