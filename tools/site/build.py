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

from .. import asv_cli
from ..git import git
from ..history_selection import baseline_commit
from . import assets, browser_check
from .latency_page import write_page


def build(machine: str, html_dir: Path = LAYOUT.html) -> int:
    """0 when every step worked; asv publish's status when the site could not be built, 1
    when the pictures' page or the browser check failed."""
    try:
        git("tag", "-f", "perf-baseline", baseline_commit())
    except LookupError as exc:
        print(f"site: the baseline is not marked: {exc}", file=sys.stderr)
    published = asv_cli.publish(None if html_dir == LAYOUT.html else html_dir)
    if published:
        return published
    # its status does not count: without npm the CDN links stay, and the site works online
    _after_publishing(lambda: assets.vendor(html_dir))

    def latency_page() -> int:
        page = write_page(html_dir, machine, LAYOUT.latency(machine))
        print(page or f"no open-loop records on machine {machine!r}", file=sys.stderr)
        return 0

    status = _after_publishing(latency_page)
    if shutil.which("chromium"):
        shot = html_dir / "site.png"
        checked = _after_publishing(
            lambda: browser_check.run(html_dir, screenshot=shot, pictures=True)
        )
        status = status or checked
    print(f"site: {_shown(html_dir)}/index.html (serve it with: ./dev serve)")
    return status


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
