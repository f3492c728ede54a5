"""Make the asv site self-contained: serve its JavaScript and CSS from the site itself.

asv's index.html loads jQuery, flot, bootstrap and a few plugins from CDNs, so the site is
blank where those are unreachable (offline, behind a proxy, in a test). This fetches the
same libraries with npm (`npm pack`, cached under .asv/vendor), copies them next to the
site and points index.html at the copies. It also adds a note on how to read the graphs.
Without npm the CDN links stay as they are.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT

CACHE = LAYOUT.vendor_cache
# (text identifying the CDN link, npm package spec, file in the package, local name)
ASSETS = [
    ("jquery-3.3.1.min.js", "jquery@3.3.1", "dist/jquery.min.js", "jquery.min.js"),
    ("flot/0.8.3/jquery.flot.min.js", "flot@0.8.3", "jquery.flot.js", "jquery.flot.js"),
    ("jquery.flot.time.min.js", "flot@0.8.3", "jquery.flot.time.js", "jquery.flot.time.js"),
    (
        "jquery.flot.selection.min.js",
        "flot@0.8.3",
        "jquery.flot.selection.js",
        "jquery.flot.selection.js",
    ),
    (
        "jquery.flot.categories.min.js",
        "flot@0.8.3",
        "jquery.flot.categories.js",
        "jquery.flot.categories.js",
    ),
    (
        "jquery.flot.orderBars.js",
        "flot-orderbars@1.0.0",
        "js/jquery.flot.orderBars.js",
        "jquery.flot.orderBars.js",
    ),
    ("stupidtable.min.js", "stupid-table-plugin@1.1.3", "stupidtable.min.js", "stupidtable.min.js"),
    ("md5.min.js", "blueimp-md5@2.19.0", "js/md5.min.js", "md5.min.js"),
    ("bootstrap.min.js", "bootstrap@3.1.1", "dist/js/bootstrap.min.js", "bootstrap.min.js"),
    ("bootstrap.min.css", "bootstrap@3.1.1", "dist/css/bootstrap.min.css", "bootstrap.min.css"),
]
READING_NOTE = (
    '<div id="aegis-note" style="position:fixed;bottom:0;left:0;right:0;z-index:2000;'
    'padding:4px 12px;background:#f4f6f8;border-top:1px solid #ccc;font-size:12px">'
    "aegis-sdk performance record. Lower is better for every graph: throughput is shown as "
    "time per operation (<code>track_*time_per_*</code>, 1 / operations per second). "
    "The vertical line <b>perf-baseline</b> marks the baseline commit. "
    '<a id="aegis-latency" href="latency/index.html">Latency pictures per commit</a> '
    "(latency against load, percentile spectrum).</div>"
)


def _package(spec: str) -> Path:
    """The unpacked npm package, fetched once."""
    folder = CACHE / spec.replace("/", "_")
    if (folder / "package").is_dir():
        return folder / "package"
    folder.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        ["npm", "pack", "--silent", "--pack-destination", str(folder), spec],
        capture_output=True,
        text=True,
        check=True,
    )
    tarball = folder / out.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as tar:
        tar.extractall(folder, filter="data")
    return folder / "package"


def vendor(html_dir: Path) -> bool:
    """Rewrite html_dir/index.html to local copies; False if npm could not provide them."""
    index = html_dir / "index.html"
    text = index.read_text()
    vendored = html_dir / "vendor"
    vendored.mkdir(exist_ok=True)
    try:
        for marker, spec, inner, local in ASSETS:
            shutil.copyfile(_package(spec) / inner, vendored / local)
            text = _point_to(text, marker, f"vendor/{local}")
        fonts = _package("bootstrap@3.1.1") / "dist" / "fonts"
        shutil.copytree(fonts, html_dir / "fonts", dirs_exist_ok=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"site: keeping CDN links ({exc})", file=sys.stderr)
        return False
    if "aegis-note" not in text:
        text = re.sub(r"(<body[^>]*>)", r"\1" + READING_NOTE, text, count=1)
    index.write_text(text)
    return True


def _point_to(html: str, marker: str, local: str) -> str:
    """Replace the <script> or <link> tag whose URL contains ``marker``."""
    pattern = re.compile(
        r'<(script|link)\b[^>]*(?:src|href)="https?://[^"]*' + re.escape(marker) + r'"[^>]*>'
    )
    match = pattern.search(html)
    if not match:
        raise OSError(f"no CDN link for {marker} in index.html (another asv version?)")
    if match.group(1) == "script":
        tag = f'<script src="{local}">'
    else:
        tag = f'<link rel="stylesheet" href="{local}">'
    return html[: match.start()] + tag + html[match.end() :]
