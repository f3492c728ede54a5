"""What a ``track_`` value cannot hold (a latency spectrum, a search's probes), kept beside
asv's results per machine, commit and Python:
``.asv/latency/<machine>/<commit>-py<X.Y>-<kind>.json``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .asv_layout import AsvLayout
from .machine import machine_name


def save_latency_record(kind: str, data: dict) -> None:
    """Keep ``data`` for the commit asv is measuring; nothing outside an asv run."""
    commit, conf_dir = os.environ.get("ASV_COMMIT"), os.environ.get("ASV_CONF_DIR")
    if not commit or not conf_dir:
        return
    folder = AsvLayout(Path(conf_dir)).latency(machine_name())
    folder.mkdir(parents=True, exist_ok=True)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    (folder / f"{commit[:8]}-py{python}-{kind}.json").write_text(json.dumps(data))


def recorded(folder: Path) -> dict[tuple[str, str], dict[str, dict]]:
    """{(commit prefix, python): {kind: record}} of every commit with records in ``folder``
    (one machine's)."""
    found: dict[tuple[str, str], dict[str, dict]] = {}
    for path in sorted(folder.glob("*-py*-open-loop-*.json")) if folder.is_dir() else []:
        commit, rest = path.stem.split("-py", 1)
        python, kind = rest.split("-", 1)
        found.setdefault((commit, python), {})[kind] = json.loads(path.read_text())
    return found
