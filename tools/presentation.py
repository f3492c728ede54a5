"""How a result reads to a person: throughput stored inverted (lower is better for asv)
is shown as a rate as well."""

from __future__ import annotations

from .asv_results import Result

INVERTED_RATE_UNITS = {
    "us/request (1e6/req/s)": "requests/s",
    "us/event (1e6/events/s)": "events/s",
}


def is_inverted_rate(result: Result) -> bool:
    return result.unit in INVERTED_RATE_UNITS


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
        text = f"{fmt_number(r)} {INVERTED_RATE_UNITS[result.unit]} ({fmt_number(result.value)} us)"
    return text
