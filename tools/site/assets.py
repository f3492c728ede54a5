"""Make the asv site self-contained: serve its JavaScript and CSS from the site itself.

asv's index.html loads jQuery, flot, bootstrap and a few plugins from CDNs, so the site is
blank where those are unreachable (offline, behind a proxy, in a test). This fetches the
same libraries' packages from the npm registry over HTTPS (no npm needed), checks each
against the sha512 the registry publishes for it, caches them under .asv/vendor, copies
the files the site needs next to it and points index.html at the copies. It also adds a
note on how to read the graphs. Where the registry cannot be reached the CDN links stay.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
import tarfile
import urllib.request
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
    '<a id="aegis-changes" href="changes.html">Where the record moved</a> (change points, '
    "the ratios to the baseline first). "
    '<a id="aegis-latency" href="latency/index.html">Latency pictures per commit</a> '
    "(latency against load, percentile spectrum).</div>"
)


REGISTRY = "https://registry.npmjs.org"
# the sha512 of each package's tarball, as the registry publishes it (dist.integrity)
INTEGRITY = {
    "jquery@3.3.1": (
        "Ubldcmxp5np52/ENotGxlLe6aGMvmF4R8S6tZjsP6Knsaxd/xp3Zrh50cG93lR6nPXyUFwzN3ZSOQI0wRJNdGg=="
    ),
    "flot@0.8.3": (
        "xg2otcTJDvS+ERK+my4wxG/ASq90QURXtoM4LhacCq0jQW2jbyjdttbRNqU2cPykrpMvJ6b2uSp6SAgYAzj9tQ=="
    ),
    "flot-orderbars@1.0.0": (
        "Jv51fvzevUjNXEeozpwEKfPjhiZhfiJddv0WHjduUTCmSF+7T5K7C9c9Y1wIVmUhDBv5fLMjgbwKecT0GIKPZA=="
    ),
    "stupid-table-plugin@1.1.3": (
        "2Vk7XouQPxUQPRe9w0Fu7ZZ8kHLK7rDoLMsCgtKxRNJ7f4dSOGvW9CkHsq5wD6QsaEnWoyLBYH3xOEsrK3yWBg=="
    ),
    "blueimp-md5@2.19.0": (
        "DRQrD6gJyy8FbiE4s+bDoXS9hiW3Vbx5uCdwvcCf3zLHL+Iv7LtGHLpr+GZV8rHG8tK766FGYBwRbu8pELTt+w=="
    ),
    "bootstrap@3.1.1": (
        "TAzqS8E/ISpVHP29gYhy+1NSV+FJwApDVQhDfgLYsIuUDJiqJzH2DfORN5tiu+Ie2iBLrzEG34t4Rf465cigqg=="
    ),
}


def _tarball(spec: str) -> bytes:
    """The package's tarball, from the cache or the registry, checked against its sha512."""
    cached = CACHE / f"{spec.replace('/', '_')}.tgz"
    if cached.exists():
        data = cached.read_bytes()
    else:
        name, version = spec.rsplit("@", 1)
        url = f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY[spec]:
        raise OSError(f"{spec}: the download does not match the registry's sha512")
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def _file(spec: str, inner: str) -> bytes:
    """One file of a package (npm packs every file under ``package/``)."""
    with tarfile.open(fileobj=io.BytesIO(_tarball(spec))) as tar:
        member = tar.extractfile(f"package/{inner}")
        if member is None:
            raise OSError(f"{spec} has no file {inner}")
        return member.read()


def _folder(spec: str, inner: str, target: Path) -> None:
    """Every file of a package's folder ``inner`` into ``target`` (flat)."""
    target.mkdir(parents=True, exist_ok=True)
    prefix = f"package/{inner.rstrip('/')}/"
    with tarfile.open(fileobj=io.BytesIO(_tarball(spec))) as tar:
        for member in tar.getmembers():
            name = member.name[len(prefix) :]
            if member.isfile() and member.name.startswith(prefix) and "/" not in name:
                (target / name).write_bytes(tar.extractfile(member).read())


def vendor(html_dir: Path) -> bool:
    """Rewrite html_dir/index.html to local copies; False where they could not be had."""
    index = html_dir / "index.html"
    text = index.read_text()
    vendored = html_dir / "vendor"
    vendored.mkdir(exist_ok=True)
    try:
        for marker, spec, inner, local in ASSETS:
            (vendored / local).write_bytes(_file(spec, inner))
            text = _point_to(text, marker, f"vendor/{local}")
        _folder("bootstrap@3.1.1", "dist/fonts", html_dir / "fonts")
    except (OSError, tarfile.TarError) as exc:
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
