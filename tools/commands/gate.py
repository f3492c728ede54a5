"""The pull-request gate (``tools.gate``), its table and exit status."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .. import gate as gate_package
from ..gate.procedure import default_base, gate
from ..git import commit_hash
from ..preflight import preflight
from .common import CommandFailed

NAME = "gate"
SYNOPSIS = "[--base REV] [--head REV] [--rounds N] [--markdown FILE] [--json FILE]"
SUMMARY = "the pull-request gate: HEAD against the merge base with main, exit 1 on a regression"
DESCRIPTION = gate_package.__doc__
DEFAULT_ROUNDS = 60
EPILOG = "Exit status: 0 no regression, 1 regression, 2 the gate could not run."


def add_arguments(parser):
    parser.add_argument("--base", default=None, help="default: merge base of main and HEAD")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    parser.add_argument("--json", type=Path, default=None, help="write samples and verdicts")


def run(args, extra: list[str]) -> int:
    checked = preflight()
    if checked:
        return checked
    try:
        base = commit_hash(args.base) if args.base else default_base()
        head = commit_hash(args.head)
        judgements, table = gate(base, head, args.rounds)
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        raise CommandFailed(f"gate could not run: {exc}") from None
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    if args.json:
        verdicts = [
            {
                "metric": j.metric,
                "base": j.base,
                "head": j.head,
                "ratio": j.ratio,
                "fresh_ratio": j.fresh.ratio if j.fresh else None,
                "verdict": j.verdict,
            }
            for j in judgements
        ]
        args.json.write_text(json.dumps(verdicts, indent=1))
    return 1 if any(j.verdict == "regression" for j in judgements) else 0
