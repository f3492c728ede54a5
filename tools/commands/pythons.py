"""The folder to put first on PATH for asv to find Python X.Y.

asv's virtualenv plugin looks up ``pythonX.Y`` on PATH only. A pyenv shim there fails unless
that version is active, and pyenv's other versions are not on PATH at all, so the folder
printed holds one symlink ``pythonX.Y`` to an interpreter that was checked to run as X.Y.
Exit status 2, with one line saying so, when no such interpreter is found.
"""

from __future__ import annotations

from .common import measuring_python

NAME = "pythons"
SYNOPSIS = "X.Y"
SUMMARY = "where Python X.Y is for asv (what --python X.Y measures with)"


def add_arguments(parser):
    parser.add_argument("version", metavar="X.Y")


def run(args, extra: list[str]) -> int:
    _, links = measuring_python(args.version)
    print(links)
    return 0
