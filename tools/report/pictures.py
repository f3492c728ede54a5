"""The latency pictures the report shows, drawn for the commit it reports on."""

from __future__ import annotations

import os
from pathlib import Path

from ..latency_pictures import draw, records_of


def draw_pictures(commit: str, machine: str, python: str, out_dir: Path) -> list[Path]:
    """The latency pictures of ``commit`` on ``python``, if it has open-loop records."""
    paths: list[Path] = []
    for (prefix, measured_on), artifacts in records_of(commit, machine).items():
        if measured_on == python:
            paths += draw(prefix, python, artifacts, out_dir)
    return paths


def links(pictures: list[Path], report: Path) -> list[tuple[str, str]]:
    """(title, path relative to the report) of each picture."""
    return [
        (path.stem, os.path.relpath(path, report.parent).replace(os.sep, "/")) for path in pictures
    ]
