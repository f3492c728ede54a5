"""``latency/index.html`` in the published site: every commit with open-loop records,
newest first, with its two latency pictures."""

from __future__ import annotations

import html
from pathlib import Path

from benchmarks.support.latency_records import recorded

from ..git import git
from ..latency_pictures import draw


def write_page(html_dir: Path, machine: str, records_dir: Path) -> Path | None:
    """The page and its pictures, from the records in ``records_dir`` (``machine``'s);
    None when nothing was recorded."""
    records = recorded(records_dir)
    if not records:
        return None
    newest_first = git("rev-list", "--all").split()

    def age(key: tuple[str, str]) -> int:
        matches = [i for i, c in enumerate(newest_first) if c.startswith(key[0])]
        return matches[0] if matches else len(newest_first)

    out_dir = html_dir / "latency"
    rows = []
    for (commit, python), artifacts in sorted(records.items(), key=lambda kv: age(kv[0])):
        pictures = draw(commit, python, artifacts, out_dir)
        subject = _subject(commit)
        images = "".join(
            f'<img src="{p.name}" alt="{html.escape(p.stem)}" style="max-width:100%">'
            for p in pictures
        )
        rows.append(f"<h3>{commit} (Python {python}) {html.escape(subject)}</h3>{images}")
    page = out_dir / "index.html"
    page.write_text(
        "<!doctype html><meta charset=utf-8><title>aegis-sdk latency pictures</title>"
        "<body style='font-family:sans-serif;margin:16px'>"
        "<p><a href='../index.html'>back to the graphs</a></p>"
        "<h1>Latency under load, per commit</h1>"
        "<p>Open-loop measurements (latency from each call's intended start), drawn from "
        f"the results of machine <code>{html.escape(machine)}</code>. Left: latency against "
        "the offered rate; right: the percentile spectrum per offered rate.</p>"
        + "".join(rows)
        + "</body>"
    )
    return page


def _subject(commit: str) -> str:
    try:
        return git("log", "-1", "--format=%s", commit)[:100]
    except Exception:  # a commit this clone does not have
        return ""
