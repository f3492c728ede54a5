"""How the notes of the servers two runs measured read, and how the servers differ
(the notes themselves: ``benchmarks/support/server_notes.py``)."""

from __future__ import annotations

from benchmarks.support.server_facts import SHAPE, shape

LABELS = {
    "kind": "kind of server",
    "server_version": "nats-server",
    "jetstream": "JetStream",
    "cluster_size": "servers in the cluster",
    "stream_replicas": "events stream replicas",
}


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
