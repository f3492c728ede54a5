"""Open the published site in headless Chromium and check that graphs really render.

For each benchmark the check waits for asv's graph, then asks flot (the plotting library)
for the series it drew and the y-axis label: a graph counts as rendered when it plots at
least one point and its axis shows the benchmark's unit. With --expect-tag it also checks
that the tag (the baseline marker) is drawn on the graph.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_BENCHMARKS = [
    "open_loop.RPCOpenLoopLatency.track_p99",
    "events.EventThroughput.track_time_per_event",
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError(
        "no Chromium found: install Debian's chromium (apt-get install chromium)"
    )


_GRAPH_STATE = """(tag) => {
    const base = document.querySelector('#main-graph canvas.flot-base');
    const plot = base && $(base.parentNode).data('plot');
    if (!plot) return null;
    const series = plot.getData();
    const points = series.reduce((n, s) => n + s.data.filter(p => p[1] !== null).length, 0);
    const tagShown = tag ? Array.from(document.querySelectorAll('#main-graph div'))
        .some(d => d.textContent.trim() === tag) : null;
    return {series: series.length, points: points,
            label: plot.getOptions().yaxes[0].axisLabel || '', tag_shown: tagShown};
}"""


# asv scales seconds and bytes on the axis: "milliseconds", "microseconds", "megabytes"...
_SCALED = {"seconds": "seconds", "bytes": "bytes"}


def unit_shown(unit: str, label: str) -> bool:
    if not unit:
        return False
    if unit in _SCALED:
        return label.endswith(_SCALED[unit])
    return label == unit


def check(
    html_dir: Path,
    benchmarks: list[str],
    units: dict[str, str],
    screenshot: Path | None = None,
    expect_tag: str | None = None,
) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    report: dict[str, dict] = {}
    with serve(html_dir) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            for i, name in enumerate(benchmarks):
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                errors: list[str] = []
                page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                page.goto(f"{url}#{name}")
                page.wait_for_function(
                    "() => { const c = document.querySelector('#main-graph canvas.flot-base');"
                    " return c && $(c.parentNode).data('plot'); }",
                    timeout=20_000,
                )
                page.wait_for_timeout(500)  # tags are drawn just after the series
                state = page.evaluate(_GRAPH_STATE, expect_tag or "")
                state["unit_shown"] = unit_shown(units.get(name, ""), state["label"])
                state["js_errors"] = errors
                report[name] = state
                if screenshot and i == 0:
                    page.screenshot(path=str(screenshot))
                page.close()
        finally:
            browser.close()
    return report


_IMAGES = """() => Array.from(document.images).map(
    i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0}))"""


def check_pictures(html_dir: Path) -> dict:
    """Follow the site's link to the latency pictures; every picture there must load."""
    from playwright.sync_api import sync_playwright

    with serve(html_dir) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.click("#aegis-latency")
            page.wait_for_load_state("load")
            images = page.evaluate(_IMAGES)
            return {"page": page.url, "images": images}
        finally:
            browser.close()


def picture_problems(pictures: dict) -> list[str]:
    images = pictures["images"]
    if not images:
        return [f"no latency pictures on {pictures['page']}"]
    return [f"picture {i['src']} did not load" for i in images if not i["loaded"]]


def problems(report: dict[str, dict], expect_tag: str | None) -> list[str]:
    out = []
    for name, state in report.items():
        if state["points"] < 1:
            out.append(f"{name}: no data points plotted")
        if not state["unit_shown"]:
            out.append(f"{name}: the unit is not shown on the graph")
        if expect_tag and not state["tag_shown"]:
            out.append(f"{name}: the {expect_tag} marker is not drawn")
        if state["js_errors"]:
            out.append(f"{name}: JavaScript errors {state['js_errors']}")
    return out


def units_from(html_dir: Path) -> dict[str, str]:
    data = json.loads((html_dir / "index.json").read_text())
    return {name: b.get("unit", "") for name, b in data["benchmarks"].items()}


def run(
    html_dir: Path,
    benchmarks: list[str] = DEFAULT_BENCHMARKS,
    screenshot: Path | None = None,
    expect_tag: str | None = "perf-baseline",
    pictures: bool = False,
) -> int:
    """Check the site, print what was seen, and each problem on stderr: 1 if any."""
    report = check(html_dir, benchmarks, units_from(html_dir), screenshot, expect_tag)
    for name, state in report.items():
        print(
            f"{name}: {state['series']} series, {state['points']} points, "
            f"unit shown: {state['unit_shown']}, baseline marker: {state['tag_shown']}"
        )
    found = problems(report, expect_tag)
    if pictures:
        seen = check_pictures(html_dir)
        print(f"latency pictures: {len(seen['images'])} on {seen['page']}")
        found += picture_problems(seen)
    for line in found:
        print(f"site check: {line}", file=sys.stderr)
    return 1 if found else 0
