"""How a result reads to a person: seconds as us or ms, bytes as MB, and throughput, stored
as seconds per operation (lower is better for asv), as a rate as well."""

from __future__ import annotations

from .asv_results import Result


def rate_unit(result: Result) -> str | None:
    """Throughput benchmarks are named ``track_time_per_<thing>`` or ``track_<path>_time_per_
    <thing>``: seconds per operation."""
    method = result.name.rsplit(".", 1)[-1]
    if "time_per_" not in method:
        return None
    thing = method.split("time_per_", 1)[1].split("_")[-1]
    return f"{thing}s/s"


def is_inverted_rate(result: Result) -> bool:
    return rate_unit(result) is not None


def rate(result: Result) -> float | None:
    if result.value is None or not is_inverted_rate(result) or result.value <= 0:
        return None
    return 1 / result.value


def fmt_number(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.3g}" if magnitude < 10 else f"{value:.1f}"
    return f"{value:.3f}"


def fmt_seconds(value: float) -> str:
    """``571 us``, ``1.23 ms``, ``2.5 s``."""
    if abs(value) < 1e-3:
        return f"{fmt_number(value * 1e6)} us"
    if abs(value) < 1:
        return f"{fmt_number(value * 1e3)} ms"
    return f"{fmt_number(value)} s"


def fmt_value(result: Result) -> str:
    if result.value is None:
        return "n/a"
    r = rate(result)
    if r is not None:
        return f"{fmt_number(r)} {rate_unit(result)} ({fmt_seconds(result.value)})"
    if result.unit == "seconds":
        return fmt_seconds(result.value)
    if result.unit == "bytes":
        return f"{fmt_number(result.value / 2**20)} MB"
    return f"{fmt_number(result.value)} {result.unit}".strip()
