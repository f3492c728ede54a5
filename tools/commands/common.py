"""What several commands share: their common arguments, and how a command stops with one
line and an exit status (as asv's ``commands/common_args.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.support.machine import machine_name

from ..pythons import link_dir, running


class CommandFailed(Exception):
    """One line for stderr, and the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def add_machine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--machine",
        type=lambda name: name or machine_name(),
        default="",
        help="the machine name results are recorded under (default: AEGIS_ASV_MACHINE, "
        "else the host name)",
    )


def add_python(parser: argparse.ArgumentParser, default: str | None = None, help: str = "") -> None:
    parser.add_argument("--python", default=default, metavar="X.Y", help=help or None)


def measuring_python(version: str | None) -> tuple[str, Path]:
    """The Python that measures (X.Y; default: this one) and a folder for asv's PATH that
    holds it; CommandFailed when there is no such Python."""
    version = version or running()
    try:
        return version, link_dir(version)
    except LookupError as exc:
        raise CommandFailed(str(exc)) from None
