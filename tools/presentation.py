"""How a figure reads to a person: seconds as us or ms, bytes as MB, ratios as 1.23x, and
throughput, stored as seconds per operation (lower is better for asv), as a rate as well."""

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


def rate(result: Result) -> float | None:
    if result.value is None or rate_unit(result) is None or result.value <= 0:
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


def fmt_in(value: float | None, unit: str) -> str:
    """A limit or a measured value in the benchmark's unit, as a person reads it."""
    if value is None:
        return "n/a"
    if unit == "seconds":
        return fmt_seconds(value)
    if unit == "bytes":
        return f"{in_mb(value)} MB"
    return fmt_number(value)


def fmt_value(result: Result) -> str:
    if result.value is None:
        return "n/a"
    r = rate(result)
    if r is not None:
        return f"{fmt_number(r)} {rate_unit(result)} ({fmt_seconds(result.value)})"
    if result.unit in ("seconds", "bytes"):
        return fmt_in(result.value, result.unit)
    return f"{fmt_number(result.value)} {result.unit}".strip()


def number(value: float | None, suffix: str = "") -> str:
    return "n/a" if value is None else f"{fmt_number(value)}{suffix}"


def ratio(value: float | None) -> str:
    """``1.23x``."""
    return "n/a" if value is None else f"{value:.2f}x"


def in_ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else fmt_number(seconds * 1e3)


def in_us(seconds: float | None) -> str:
    return "n/a" if seconds is None else fmt_number(seconds * 1e6)


def in_mb(size: float | None) -> str:
    return "n/a" if size is None else fmt_number(size / 2**20)
