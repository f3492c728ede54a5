"""The record over the history: every first-parent commit from the baseline (perf.toml) to
HEAD that changes the SDK (``--all``: every commit) and has no result yet for this Python.

1. The results branch (``perf-results``) is fetched and what it holds is taken into ``.asv``.
2. Each commit is measured paired with the baseline (``against_baseline``: every gate
   metric as a ratio commit/baseline, both measured in the same run), then with the rest of
   the suite (absolute figures), unless ``--paired-only``. With ``--per-hardware`` the
   absolute figures go under a machine name that adds the processor (runners of one CI
   service differ in hardware), while the ratios share the plain name.
3. The new results are committed onto the results branch, and pushed with ``--push``.
4. The site is built: graphs, change points, latency pictures, a browser check.

``--plan N`` prints the commits still due in batches of at most N, as JSON for a workflow's
matrix, and stops; ``--commits A,B,...`` measures those commits only (one batch).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from benchmarks.support.asv_layout import LAYOUT
from benchmarks.support.machine import hardware_machine, machine_name

from .. import asv_cli, results_branch
from ..git import commit_hash
from ..history_selection import commits_to_measure
from ..preflight import preflight
from ..site.build import build
from .common import CommandFailed, add_python, measuring_python

NAME = "history"
SYNOPSIS = (
    "[--python X.Y] [--all] [--commits A,B,...] [--paired-only] [--per-hardware] [--push] "
    "[--plan N] [--no-site] [asv args]"
)
SUMMARY = "SDK commits baseline..HEAD without results, paired with the baseline; then the site"
PASSES_ON = "asv run"
PAIRED = r"^against_baseline\."


def add_arguments(parser):
    add_python(parser, help="the Python that measures (default: the one ./dev runs on)")
    parser.add_argument("--all", action="store_true", help="also commits that leave the SDK")
    parser.add_argument("--commits", default="", help="measure these commits (comma-separated)")
    parser.add_argument("--paired-only", action="store_true", help="only the ratios")
    parser.add_argument(
        "--per-hardware", action="store_true", help="absolute figures per processor model"
    )
    parser.add_argument("--push", action="store_true", help="push the results branch")
    parser.add_argument("--plan", type=int, default=0, metavar="N", help="batches of N, JSON")
    parser.add_argument("--no-site", action="store_true", help="do not build the site")


def run(args, extra: list[str]) -> int:
    LAYOUT.asv.mkdir(exist_ok=True)
    version, links = measuring_python(args.python)
    machine = machine_name()
    store = results_branch.local_store()
    status = results_branch.take_branch()
    commits = _due(args, machine, version)
    if args.plan:
        print(json.dumps({"batch": plan(commits, args.plan)}))
        return status
    checked = preflight()
    if checked:
        return checked
    absolute = hardware_machine(machine) if args.per_hardware else machine
    for name in {machine, absolute}:
        asv_cli.register_machine(name)
    if commits:
        status = _measure(commits, machine, absolute, version, links, args.paired_only, extra)
        made, problems = store.upload(
            f"results of {len(commits)} commit(s) on {machine}, Python {version}",
            push=args.push,
            only=results_branch.measured({machine, absolute}, commits),
        )
        status = status or results_branch.report(problems, "upload")
        print(f"results branch: {'updated' if made else 'nothing new'}")
    else:
        print(f"every commit since the baseline has results for Python {version} on {machine}")
    if args.no_site:
        return status
    return build(machine) or status


def _due(args, machine: str, version: str) -> list[str]:
    if args.commits:
        try:
            return [commit_hash(c) for c in args.commits.split(",") if c]
        except Exception as exc:
            raise CommandFailed(f"--commits: {exc}") from None
    try:
        return commits_to_measure(machine, version, every=args.all)
    except LookupError as exc:
        raise CommandFailed(str(exc)) from None


def plan(commits: list[str], per_batch: int) -> list[str]:
    """``commits`` in batches of at most ``per_batch``, as comma-separated lists, in about
    equal sizes."""
    if not commits:
        return []
    batches = -(-len(commits) // per_batch)
    size = -(-len(commits) // batches)
    return [",".join(commits[i : i + size]) for i in range(0, len(commits), size)]


def _measure(commits, machine, absolute, version, links, paired_only, extra) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        hashes = Path(scratch) / "commits.txt"
        hashes.write_text("".join(f"{c}\n" for c in commits))
        revisions = f"HASHFILE:{hashes}"
        status = asv_cli.run(machine, version, links, revisions, ["--bench", PAIRED, *extra])
        if not paired_only:
            rest = ["--bench", f"^(?!{PAIRED[1:]})", *extra]
            status = asv_cli.run(absolute, version, links, revisions, rest) or status
    return status
