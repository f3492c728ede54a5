"""How a result reads to a person: throughput stored inverted (lower is better for asv)
is shown as a rate as well."""

from __future__ import annotations

from .asv_results import Result


def rate_unit(result: Result) -> str | None:
    """Throughput benchmarks are named ``track_us_per_<thing>``: time per operation."""
    method = result.name.rsplit(".", 1)[-1]
    if not method.startswith("track_us_per_"):
        return None
    thing = method.removeprefix("track_us_per_").split("_")[-1]
    return f"{thing}s/s"


def is_inverted_rate(result: Result) -> bool:
    return rate_unit(result) is not None


def rate(result: Result) -> float | None:
    if result.value is None or not is_inverted_rate(result) or result.value <= 0:
        return None
    return 1e6 / result.value


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


def fmt_value(result: Result) -> str:
    if result.value is None:
        return "n/a"
    if result.unit == "seconds":  # asv's time_ benchmarks
        return (
            f"{fmt_number(result.value * 1e6)} us"
            if result.value < 1e-3
            else (f"{fmt_number(result.value * 1e3)} ms")
        )
    text = f"{fmt_number(result.value)} {result.unit}".strip()
    r = rate(result)
    if r is not None:
        text = f"{fmt_number(r)} {rate_unit(result)} ({fmt_number(result.value)} us)"
    return text
