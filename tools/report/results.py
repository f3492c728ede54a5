"""One commit's results, looked up by benchmark name and plain parameter values."""

from __future__ import annotations

from ..asv_results import Result
from ..presentation import rate


class Results:
    def __init__(self, results: list[Result]) -> None:
        self._by = {(r.name, tuple(p.strip("'") for p in r.params)): r for r in results}

    def get(self, name: str, *params: object) -> Result | None:
        return self._by.get((name, tuple(str(p) for p in params)))

    def value(self, name: str, *params: object) -> float | None:
        r = self.get(name, *params)
        return r.value if r else None

    def rate(self, name: str, *params: object) -> float | None:
        r = self.get(name, *params)
        return rate(r) if r else None

    def __iter__(self):
        return iter(self._by.values())

    def __len__(self) -> int:
        return len(self._by)
