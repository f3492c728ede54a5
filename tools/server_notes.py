"""The server a commit was measured against on a machine, as the benchmarks noted it
(``.asv/servers/<machine>/<commit>.json``, see benchmarks/support/server_notes.py): read
and compared.
"""

from __future__ import annotations

import json

from benchmarks.support.server_facts import SHAPE, shape
from benchmarks.support.server_notes import note_path

from .asv_results import REPO

LABELS = {
    "kind": "target",
    "server_version": "nats-server",
    "jetstream": "JetStream",
    "cluster_size": "servers in the cluster",
    "stream_replicas": "events stream replicas",
}


def read(machine: str, commit: str) -> dict:
    """The note, {} when there is none."""
    path = note_path(REPO, machine, commit)
    return json.loads(path.read_text()) if path.exists() else {}


def differences(base: dict, head: dict) -> list[str]:
    """How two servers differ in what changes the numbers: ``nats-server 2.10.4 -> 2.15.1``.
    A fact one of the notes lacks is not held against them."""
    out = []
    for key in SHAPE:
        a, b = base.get(key), head.get(key)
        if a is not None and b is not None and a != b:
            out.append(f"{LABELS[key]} {_text(a)} -> {_text(b)}")
    return out


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def summary(note: dict) -> str:
    """``external server at nats://host:4222: nats-server 2.15.1, JetStream on, 3-node ...``"""
    if not note:
        return "not recorded"
    return (
        f"{note.get('kind', '?')} server at {note.get('url', '?')}: nats-server "
        f"{note.get('server_version', '?')}, JetStream {_text(note.get('jetstream', '?'))}, "
        f"{shape(note)}"
    )
