"""Can the suite reach ``AEGIS_NATS_URL``, log in and use JetStream? (``./dev bench``,
``history`` and ``gate`` check it first.)"""

from __future__ import annotations

from .. import preflight

NAME = "preflight"
SYNOPSIS = ""
SUMMARY = "can the suite reach AEGIS_NATS_URL, log in and use JetStream? (exit 2 if not)"


def run(args, extra: list[str]) -> int:
    return preflight.preflight()
