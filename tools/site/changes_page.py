"""``changes.html`` in the published site: where each series of the record moved, as
``./dev changes`` prints it, for every machine and Python with results; the series paired
with the baseline first."""

from __future__ import annotations

import html
import json
from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT

from ..git import git
from ..record_series import steps


def recorded(results: Path = LAYOUT.results) -> list[tuple[str, str]]:
    """(machine, Python) of every result file."""
    found = set()
    for path in results.glob("*/*.json"):
        if path.name != "machine.json":
            python = json.loads(path.read_text()).get("python")
            found.add((path.parent.name, python))
    return sorted(found)


def write_page(html_dir: Path) -> Path:
    sections = []
    for machine, python in recorded():
        rows = "".join(_row(step) for _, step in steps(machine, python))
        body = (
            f"<table border=1 cellpadding=4 style='border-collapse:collapse'>{_HEAD}{rows}</table>"
            if rows
            else "<p>No change points.</p>"
        )
        sections.append(f"<h2>{html.escape(machine)}, Python {html.escape(python)}</h2>{body}")
    page = html_dir / "changes.html"
    page.write_text(
        "<!doctype html><meta charset=utf-8><title>aegis-sdk: where the record moved</title>"
        "<body style='font-family:sans-serif;margin:16px'>"
        "<p><a href='index.html'>back to the graphs</a></p>"
        "<h1>Where the record moved</h1>"
        "<p>Change points found by Apache Otava (E-Divisive means with a t-test, p &lt; 0.001, "
        "steps of 2% or more) in every series, in the order of the first-parent history. "
        "<code>against_baseline</code> series are ratios commit/baseline measured side by "
        "side in the same run: a faster or slower machine does not move them. Lower is "
        "better everywhere; a positive step is a slowdown.</p>" + "".join(sections) + "</body>"
    )
    return page


_HEAD = "<tr><th>series</th><th>commit</th><th>before &rarr; after</th><th>step</th><th>p</th></tr>"


def _row(step) -> str:
    try:
        subject = git("log", "-1", "--format=%s", step.commit)[:80]
    except Exception:  # a commit this clone does not have
        subject = ""
    return (
        f"<tr><td>{html.escape(step.series)}</td>"
        f"<td><code>{step.commit[:8]}</code> {html.escape(subject)}</td>"
        f"<td>{step.before:.4g} &rarr; {step.after:.4g}</td>"
        f"<td>{step.change:+.1%}</td><td>{step.pvalue:.1e}</td></tr>"
    )
