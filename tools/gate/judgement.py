"""The gate's statistics: a metric's verdict from the per-round ratios head/base, by a minimum
effect on their median and an exact one-sided sign test."""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.support.gate_worker import METRICS
from benchmarks.support.percentiles import median

ALPHA = 0.05  # one-sided sign test
LOOKS_CHANGED = 0.6  # x min effect: a verdict on a change between this and CLEAR_EFFECT ...
CLEAR_EFFECT = 1.6  # ... x min effect is checked again


@dataclass
class Judgement:
    metric: str
    base: list[float]
    head: list[float]
    fresh: Judgement | None = None  # the re-measured rounds on their own, if any

    @property
    def min_effect(self) -> float:
        """The smallest change of the median ratio that counts (see gate_worker.METRICS)."""
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
