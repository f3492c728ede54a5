"""The note of which server a run measured, kept per machine and commit beside asv's results
(``.asv/servers/<machine>/<commit>.json``): the URL without credentials, the server's
version, JetStream, the cluster's size and the events stream's replicas."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from .asv_layout import REPO, AsvLayout
from .machine import machine_name
from .server_facts import SHAPE, describe


def note_path(root: Path, machine: str, commit: str) -> Path:
    return AsvLayout(root).servers(machine) / f"{commit}.json"


def read_note(machine: str, commit: str, root: Path | None = None) -> dict:
    """The note, {} when there is none."""
    path = note_path(root or REPO, machine, commit)
    return json.loads(path.read_text()) if path.exists() else {}


def record_server(url: str, kind: str) -> None:
    """Note which server a run measured, beside asv's results (never credentials), under the
    machine name ./dev records results under."""
    commit, conf_dir = os.environ.get("ASV_COMMIT"), os.environ.get("ASV_CONF_DIR")
    if not commit or not conf_dir:
        return
    path = note_path(Path(conf_dir), machine_name(), commit)
    note = describe(url, kind)
    with contextlib.suppress(OSError, ValueError):
        earlier = json.loads(path.read_text())
        same_server = all(earlier.get(k) == note[k] for k in SHAPE if k != "stream_replicas")
        if note["stream_replicas"] is None and same_server:
            # an area whose server never had the stream: keep what another area saw
            note["stream_replicas"] = earlier.get("stream_replicas")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(note, indent=1))
