"""The commands, one module each, gathered into one parser as asv gathers ``asv/commands``.

A command module has ``NAME``, ``SYNOPSIS`` (its arguments, for the usage text), ``SUMMARY``
(one line), ``add_arguments(parser)`` if it takes any, and ``run(args, extra)`` that does the
work and returns the exit status. Its help describes it with ``DESCRIPTION`` (default: the
module's docstring) and ``EPILOG``. ``extra`` holds the arguments it passes on (to pytest,
asv or ruff): only a command that says where, in ``PASSES_ON``, gets any; one with
``OWN_HELP = False`` passes ``--help`` on too.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from . import (
    baseline,
    bench,
    bisect,
    bisect_step,
    changes,
    compare,
    cpu_split,
    gate,
    gate_drill,
    history,
    history_commits,
    history_drill,
    latency_plots,
    lint,
    noise,
    preflight,
    pythons,
    report,
    serve,
    site,
    table,
    test,
)
from .common import CommandFailed

COMMANDS = [
    test,
    lint,
    bench,
    history,
    changes,
    bisect,
    bisect_step,
    gate,
    gate_drill,
    history_drill,
    report,
    compare,
    table,
    noise,
    cpu_split,
    preflight,
    site,
    latency_plots,
    serve,
    pythons,
    history_commits,
    baseline,
]
PROG = "./dev"


USAGE = f"{PROG} COMMAND [ARGS]   (from .venv: python -m tools COMMAND [ARGS])"


def command_list() -> str:
    """Every command with its arguments and what it does."""
    lines = []
    for command in COMMANDS:
        synopsis = f"{PROG} {command.NAME} {command.SYNOPSIS}".rstrip()
        lines.append(textwrap.fill(synopsis, 98, initial_indent="  ", subsequent_indent=" " * 6))
        lines.append(f"        {command.SUMMARY}")
    lines += ["", f"{PROG} COMMAND --help (or {PROG} help COMMAND) describes one command."]
    return "\n".join(lines)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=USAGE,
        description="The commands that build the performance record:",
        epilog=command_list(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", help="one of those below", prog=PROG
    )
    help_parser = subparsers.add_parser("help", description="Every command, or one's options.")
    help_parser.add_argument("topic", nargs="?", metavar="COMMAND")
    for command in COMMANDS:
        passes_on = getattr(command, "PASSES_ON", None)
        sub = subparsers.add_parser(
            command.NAME,
            description=getattr(command, "DESCRIPTION", command.__doc__),
            epilog=getattr(command, "EPILOG", passes_on and f"Other arguments go to {passes_on}."),
            usage=f"%(prog)s {command.SYNOPSIS}",
            add_help=getattr(command, "OWN_HELP", True),
            allow_abbrev=False,  # an abbreviation could take an argument meant for asv
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if hasattr(command, "add_arguments"):
            command.add_arguments(sub)
        sub.set_defaults(run=command.run, passes_on=passes_on)
    parser.set_defaults(commands=subparsers.choices)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command in (None, "help"):
        return _help(args.commands, getattr(args, "topic", None))
    if extra and not args.passes_on:
        parser.error(f"{args.command}: unrecognized arguments: {' '.join(extra)}")
    try:
        return args.run(args, extra)
    except CommandFailed as failed:
        print(failed, file=sys.stderr)
        return failed.status
    except KeyboardInterrupt:
        return 130


def _help(commands: dict[str, argparse.ArgumentParser], topic: str | None) -> int:
    """``help COMMAND``: that command's options; ``help`` or nothing: every command (and
    status 2, as for a command line without a command)."""
    if topic in commands:
        commands[topic].print_help()
        return 0
    print(f"usage: {USAGE}\n\n{command_list()}", file=sys.stderr)
    return 2
