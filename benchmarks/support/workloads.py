"""The open-loop workloads, declared in perf.toml (``[workloads.*]``) so that the suite,
the gate and the report read one place and every figure names its workload."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .perf_config import PERF_TOML, load


@dataclass(frozen=True)
class OpenLoop:
    rpc_rates: tuple[int, ...]  # requests offered per second, one level each
    event_rates: tuple[int, ...]  # events offered per second
    tail_rate: int  # the RPC level whose p99 is the record's headline tail
    rounds: int
    seconds: float  # per round and level
    p99_limit: float  # seconds: a rate is sustainable only with p99 under it
    min_achieved: float  # ... and with at least this share of the offered rate achieved
    probe_seconds: float  # one step of the search for the maximum sustainable rate


def open_loop(path: Path = PERF_TOML) -> OpenLoop:
    w = load(path)["workloads"]["open_loop"]
    return OpenLoop(
        rpc_rates=tuple(w["rpc_rates"]),
        event_rates=tuple(w["event_rates"]),
        tail_rate=w["tail_rate"],
        rounds=w["rounds"],
        seconds=w["seconds_per_round"],
        p99_limit=w["p99_limit_ms"] / 1e3,
        min_achieved=w["min_achieved"],
        probe_seconds=w["probe_seconds"],
    )
