"""How much work a run does: payload sizes, rounds and calls, all shrunk for smoke runs
(``AEGIS_BENCH_QUICK``, set by ``./dev bench --quick`` and the smoke test)."""

from __future__ import annotations

import os
from dataclasses import dataclass

QUICK = os.environ.get("AEGIS_BENCH_QUICK", "") not in ("", "0")
SETUP_CACHE_TIMEOUT = 300

PAYLOADS = {"small": 100, "1KiB": 1024, "64KiB": 64 * 1024}


def payload_params(size_name: str) -> dict[str, str]:
    """An RPC params / event payload dict whose msgpack encoding is about the named size."""
    return {"data": "x" * max(PAYLOADS[size_name] - 20, 1)}


@dataclass(frozen=True)
class Sizes:
    """How much work one measurement does; QUICK shrinks it for smoke runs."""

    rounds: int
    calls: int
    warmup: int

    @classmethod
    def pick(cls, rounds: int, calls: int, warmup: int = 300) -> Sizes:
        if QUICK:
            return cls(2, max(calls // 20, 20), 20)
        return cls(rounds, calls, warmup)
