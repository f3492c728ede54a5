"""The suite on every commit from the baseline (perf.toml) to HEAD that changes the SDK
(``--all``: every commit) and has no result for this Python yet, then the HTML site with
the baseline marked, then a browser check."""

from __future__ import annotations

from benchmarks.support.asv_layout import LAYOUT
from benchmarks.support.machine import machine_name

from .. import asv_cli
from ..history_selection import commits_to_measure
from ..preflight import preflight
from ..site.build import build
from .common import CommandFailed, add_python, measuring_python

NAME = "history"
SYNOPSIS = "[--python X.Y] [--all] [asv args]"
SUMMARY = "SDK commits baseline..HEAD without results for that Python, then the site"
PASSES_ON = "asv run"


def add_arguments(parser):
    add_python(parser, help="the Python that measures (default: the one ./dev runs on)")
    parser.add_argument("--all", action="store_true", help="also commits that leave the SDK")


def run(args, extra: list[str]) -> int:
    LAYOUT.asv.mkdir(exist_ok=True)
    version, links = measuring_python(args.python)
    machine = machine_name()
    checked = preflight()
    if checked:
        return checked
    asv_cli.register_machine(machine)
    try:
        commits = commits_to_measure(machine, version, every=args.all)
    except LookupError as exc:
        raise CommandFailed(str(exc)) from None
    LAYOUT.history_commits.write_text("".join(f"{c}\n" for c in commits))
    status = 0
    if commits:
        revisions = f"HASHFILE:{LAYOUT.history_commits}"
        status = asv_cli.run(machine, version, links, revisions, extra)
    else:
        print(f"every commit since the baseline has results for Python {version} on {machine}")
    return build(machine) or status
