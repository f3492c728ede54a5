"""The report's change against the baseline, when both were measured against one server."""

from __future__ import annotations

from ..verdicts import Change, noise_spread, table


def baseline_section(diffs: list[Change], base_commit: str, other_server: list[str]) -> list[str]:
    title = "## Change against the baseline"
    if other_server:
        return [
            title,
            "",
            f"Not compared: the baseline `{base_commit[:8]}` was measured against another "
            f"server ({'; '.join(other_server)}), so its ratios would mix the server's change "
            "with the SDK's. Measure both against one server to compare (`./dev history` "
            "with the same AEGIS_NATS_URL and machine name).",
        ]
    if not diffs:
        return [
            title,
            "",
            f"No results for the baseline `{base_commit[:8]}` on this machine with this "
            "Python: run `./dev history` (with `--python` X.Y for another Python).",
        ]
    return [
        title,
        "",
        f"Baseline `{base_commit[:8]}` (perf.toml). Ratio = this commit / baseline; lower "
        "is better for every metric (throughput is stored as time per operation). A change "
        "counts as worse or better only beyond 10% and beyond the benchmark's own run-to-run "
        "spread on one commit (max/min of 5 runs, docs/noise.json); between the two it is "
        "within noise.",
        "",
        table(diffs, noise_spread(), labels=("baseline", "this commit")),
    ]
