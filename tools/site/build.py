"""The whole site, as ``./dev history`` leaves it: asv's graphs of every result with the
baseline marked (tag ``perf-baseline``), made self-contained, the latency pictures' page,
and a browser check where Chromium is."""

from __future__ import annotations

import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT
from benchmarks.support.machine import machine_name

from .. import asv_cli
from ..git import git
from ..history_selection import baseline_commit
from . import assets, browser_check
from .changes_page import write_page as write_changes
from .latency_page import write_page

TAG = "perf-baseline"


def build(machine: str | None, html_dir: Path = LAYOUT.html) -> int:
    """0 when every step worked; asv publish's status when the site could not be built, 1
    when the pictures' page or the browser check failed. The latency pictures are
    ``machine``'s (None: the machine with the most latency records)."""
    machine = machine or _most_recorded()
    marker: str | None = None
    try:
        baseline = baseline_commit()
        git("tag", "-f", TAG, baseline)
    except LookupError as exc:
        print(f"site: the baseline is not marked: {exc}", file=sys.stderr)
    else:
        marker = marker_to_check(baseline, LAYOUT.results)
        if marker is None:
            print("site: the baseline has no results yet, so no graph can mark it")
    published = asv_cli.publish(None if html_dir == LAYOUT.html else html_dir)
    if published:
        return published
    # its status does not count: without the registry the CDN links stay; online it works
    _after_publishing(lambda: assets.vendor(html_dir))

    def latency_page() -> int:
        page = write_page(html_dir, machine, LAYOUT.latency(machine))
        print(page or f"no open-loop records on machine {machine!r}", file=sys.stderr)
        return 0

    status = _after_publishing(latency_page)

    def changes_page() -> int:
        print(write_changes(html_dir), file=sys.stderr)
        return 0

    status = _after_publishing(changes_page) or status
    if shutil.which("chromium"):
        shot = html_dir / "site.png"
        checked = _after_publishing(
            lambda: browser_check.run(html_dir, screenshot=shot, expect_tag=marker, pictures=True)
        )
        status = status or checked
    print(f"site: {_shown(html_dir)}/index.html (serve it with: ./dev serve)")
    return status


def marker_to_check(baseline: str, results: Path) -> str | None:
    """The tag every graph must draw: none while the baseline has no results to draw it on
    (a record started with ``./dev history --commits``)."""
    return TAG if any(results.glob(f"*/{baseline[:8]}-*.json")) else None


def _after_publishing(step: Callable[[], int | bool]) -> int:
    """A step once the graphs are built: its status, or 1 and what went wrong, but never
    the end of the build."""
    try:
        return int(step())
    except Exception:
        traceback.print_exc()
        return 1


def _shown(html_dir: Path) -> str:
    """The folder as the user would type it: relative to the repository when inside it."""
    try:
        return str(html_dir.relative_to(LAYOUT.root))
    except ValueError:
        return str(html_dir)


def _most_recorded() -> str:
    folders = [f for f in LAYOUT.latency_records.glob("*") if f.is_dir()]
    if not folders:
        return machine_name()
    return max(folders, key=lambda f: len(list(f.glob("*.json")))).name
