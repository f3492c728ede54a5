"""Pictures of latency per commit, drawn from what the open-loop benchmarks recorded
(``.asv/latency/<machine>/<commit>-py<X.Y>-open-loop-{rpc,events}.json``):

- latency against load: p50, p99 and p99.9 against the offered rate, from the fixed-rate
  levels and the probes of the search for the maximum sustainable rate;
- the percentile spectrum, HdrHistogram style: latency against 1/(1-p) on a log axis, one
  line per level; for RPC also without the coordinated-omission correction (dashed).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT
from benchmarks.support.latency_records import recorded

PATHS = {"open-loop-rpc": "RPC round trip", "open-loop-events": "event, publish to handler"}
TICKS = [50, 90, 99, 99.9, 99.99, 99.999]


def records_of(commit: str, machine: str) -> dict[tuple[str, str], dict[str, dict]]:
    """{(commit prefix, python): {kind: record}} of ``commit`` (a full hash) on ``machine``."""
    found = recorded(LAYOUT.latency(machine))
    return {key: kinds for key, kinds in found.items() if commit.startswith(key[0])}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plain_ms(ax) -> None:
    """Latency ticks as plain numbers (0.5, 1, 2, 5 ms), not powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def _levels(artifact: dict) -> list[tuple[float, float, float, float]]:
    """(offered rate, p50, p99, p99.9) of the fixed-rate levels, slowest first."""
    main = artifact["main"]
    out = []
    for rate, level in artifact["levels"].items():
        points = level[main]["spectrum"]
        out.append((float(rate), *(_at(points, q) for q in (50, 99, 99.9))))
    return sorted(out)


def _at(spectrum: list[list[float]], percentile: float) -> float:
    """The first recorded point at or above ``percentile``."""
    for p, value in spectrum:
        if p >= percentile - 1e-9:
            return value
    return spectrum[-1][1]


def _in_order(artifacts: dict[str, dict]) -> list[tuple[str, dict]]:
    return [(kind, artifacts[kind]) for kind in PATHS if kind in artifacts]


def load_curve(artifacts: dict[str, dict], out: Path, title: str) -> Path:
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(artifacts), figsize=(6 * len(artifacts), 4.2), squeeze=False)
    for ax, (kind, artifact) in zip(axes[0], _in_order(artifacts), strict=True):
        levels = _levels(artifact)
        rates = [level[0] for level in levels]
        for i, (name, style) in enumerate((("p50", "o-"), ("p99", "s-"), ("p99.9", "^-")), 1):
            line = ax.plot(rates, [lv[i] * 1e3 for lv in levels], style, label=name)[0]
            probes = artifact["probes"]
            ax.scatter(
                [p["rate"] for p in probes],
                [p[name] * 1e3 for p in probes],
                marker=style[0],
                facecolors="none",
                edgecolors=line.get_color(),
                s=22,
            )
        failed = [p for p in artifact["probes"] if not p["sustained"]]
        if failed:
            ax.scatter(
                [p["rate"] for p in failed],
                [p["p99"] * 1e3 for p in failed],
                marker="x",
                color="red",
                s=60,
                label="probe not sustained",
            )
        if artifact.get("max_rate"):
            ax.axvline(artifact["max_rate"], color="gray", linestyle=":", label="max sustainable")
        ax.set_yscale("log")
        _plain_ms(ax)
        ax.set_xlabel("offered rate (per second); lines: levels, hollow: search probes")
        ax.set_ylabel("latency from intended start (ms)")
        ax.set_title(PATHS.get(kind, kind))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def spectrum(artifacts: dict[str, dict], out: Path, title: str) -> Path:
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(artifacts), figsize=(6 * len(artifacts), 4.2), squeeze=False)
    for ax, (kind, artifact) in zip(axes[0], _in_order(artifacts), strict=True):
        main = artifact["main"]
        for rate, level in sorted(artifact["levels"].items(), key=lambda kv: float(kv[0])):
            line = _draw_spectrum(ax, level[main]["spectrum"], "-", f"{int(float(rate)):,}/s")
            if "uncorrected" in level:
                _draw_spectrum(ax, level["uncorrected"]["spectrum"], "--", None, line.get_color())
        ax.set_xscale("log")
        ax.set_yscale("log")
        _plain_ms(ax)
        ax.set_xticks([1 / (1 - q / 100) for q in TICKS])
        ax.set_xticklabels([f"{q:g}%" for q in TICKS])
        ax.set_xlabel("percentile")
        ax.set_ylabel("latency (ms)")
        note = " (dashed: from the actual send, uncorrected)" if kind.endswith("rpc") else ""
        ax.set_title(PATHS.get(kind, kind) + note, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, title="offered")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def _draw_spectrum(ax, points, style, label, color=None):
    finite = [(p, v) for p, v in points if p < 100]
    xs = [1 / (1 - p / 100) for p, _ in finite]
    (line,) = ax.plot(xs, [v * 1e3 for _, v in finite], style, label=label, color=color)
    return line


def draw(commit: str, python: str, artifacts: dict[str, dict], out_dir: Path) -> list[Path]:
    """Both pictures of one commit into ``out_dir``; their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{commit[:8]}-py{python}"
    title = f"aegis-sdk {commit[:8]}, Python {python}"
    return [
        load_curve(artifacts, out_dir / f"{stem}-load.png", title),
        spectrum(artifacts, out_dir / f"{stem}-spectrum.png", title),
    ]
