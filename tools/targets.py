"""Speed targets from perf.toml, checked against results."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.support.perf_config import PERF_TOML, load

from . import markdown
from .asv_results import Result
from .presentation import fmt_in, fmt_number, rate


@dataclass(frozen=True)
class Target:
    title: str
    benchmark: str
    params: tuple[str, ...]
    source: str
    max: float | None = None
    min: float | None = None
    min_rate: float | None = None
    profiles: tuple[str, ...] = ("local", "port-forward")

    def matches(self, result: Result) -> bool:
        return (
            result.name == self.benchmark
            and tuple(p.strip("'") for p in result.params) == self.params
        )

    def limit_text(self, unit: str = "") -> str:
        if self.min_rate is not None:
            return f">= {fmt_number(self.min_rate)}/s"
        if self.max is not None:
            return f"<= {fmt_in(self.max, unit)}"
        return f">= {fmt_in(self.min, unit)}"


@dataclass(frozen=True)
class Check:
    target: Target
    result: Result | None

    @property
    def measured(self) -> float | None:
        if self.result is None:
            return None
        return rate(self.result) if self.target.min_rate is not None else self.result.value

    @property
    def passed(self) -> bool | None:
        value = self.measured
        if value is None:
            return None
        t = self.target
        if t.min_rate is not None:
            return value >= t.min_rate
        if t.max is not None:
            return value <= t.max
        return value >= t.min  # type: ignore[operator]

    @property
    def unit(self) -> str:
        return "" if self.result is None or self.target.min_rate is not None else self.result.unit

    def limit_text(self) -> str:
        return self.target.limit_text(self.unit)

    def measured_text(self) -> str:
        if self.target.min_rate is not None:
            return "n/a" if self.measured is None else f"{fmt_number(self.measured)}/s"
        return fmt_in(self.measured, self.unit)

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "not measured"}[self.passed]


def load_targets(profile: str = "local", path: Path = PERF_TOML) -> list[Target]:
    data = load(path)
    targets = []
    for entry in data.get("target", []):
        target = Target(
            title=entry["title"],
            benchmark=entry["benchmark"],
            params=tuple(str(p) for p in entry.get("params", [])),
            source=entry.get("source", ""),
            max=entry.get("max"),
            min=entry.get("min"),
            min_rate=entry.get("min_rate"),
            profiles=tuple(entry.get("profiles", ["local", "port-forward"])),
        )
        if profile in target.profiles:
            targets.append(target)
    return targets


def check(targets: list[Target], results: list[Result]) -> list[Check]:
    return [Check(t, next((r for r in results if t.matches(r)), None)) for t in targets]


def table(checks: list[Check]) -> str:
    return markdown.table(
        ["target", "limit", "measured", "verdict", "source"],
        [
            [c.target.title, c.limit_text(), c.measured_text(), c.verdict, c.target.source]
            for c in checks
        ],
    )
