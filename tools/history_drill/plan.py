"""A drill's range: where the steps go, which path each slows and by how much, which are
reverts; and the SDK source of each commit."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

from ..gate_drill.patches import SLOW_EVENTS, SLOW_PATCH, SLOW_RPC, SLOW_SUBSCRIBER

PATHS = {"rpc": SLOW_RPC, "events": SLOW_EVENTS, "subscriber": SLOW_SUBSCRIBER}
SIZES = (0.05, 0.10)
MIN_GAP = 8  # commits between two steps
EDGE = 5  # unchanged commits before the first step and from the last step on, at least


@dataclass(frozen=True)
class Step:
    index: int  # the commit (0 = the first after the baseline) at the new level
    path: str
    level: float  # the slowdown from this commit on: 0.05, 0.10, or 0 (a revert)
    revert: bool

    def to_json(self) -> dict:
        return asdict(self)


def plan(commits: int, steps: int, rng: random.Random) -> list[Step]:
    """``steps`` steps over ``commits`` commits, at least ``MIN_GAP`` apart and ``EDGE``
    from the ends; after the first, about one in three reverts a path slowed before."""
    needed = MIN_GAP * (steps - 1) + 2 * EDGE
    if commits < needed:
        raise ValueError(f"{steps} steps need at least {needed} commits")
    extra = sorted(rng.randint(0, commits - needed) for _ in range(steps))
    positions = [EDGE + MIN_GAP * i + e for i, e in enumerate(extra)]
    levels = dict.fromkeys(PATHS, 0.0)
    out = []
    for n, index in enumerate(positions):
        slowed = [p for p, level in levels.items() if level]
        if slowed and (n == steps - 1 and not any(s.revert for s in out) or rng.random() < 0.35):
            path, level = rng.choice(slowed), 0.0
        else:
            path = rng.choice([p for p, level in levels.items() if not level] or list(PATHS))
            level = rng.choice(SIZES)
        levels[path] = level
        out.append(Step(index, path, level, revert=level == 0.0))
    return out


def source(base_source: str, levels: dict[str, float], spins: dict[str, float], index: int) -> str:
    """``service.py`` of commit ``index``: the base's, the slowdowns in force, a marker."""
    text = base_source + SLOW_PATCH.replace("gate drill", "history drill")
    for path, level in levels.items():
        if level:
            text += PATHS[path].format(spin=level * spins[path])
    return text + f"\n# history drill commit {index}\n"


def levels_at(steps: list[Step], index: int) -> dict[str, float]:
    levels = dict.fromkeys(PATHS, 0.0)
    for step in steps:
        if step.index <= index:
            levels[step.path] = step.level
    return levels
