"""The machine name results are recorded under: ``AEGIS_ASV_MACHINE``, else the host name.
A smoke run and a run against the local cluster record under names of their own."""

from __future__ import annotations

import os
import socket

QUICK_SUFFIX = "-quick"  # ./dev bench --quick: removed after the run
CLUSTER_SUFFIX = "-cluster3"  # ./dev bench --cluster


def machine_name() -> str:
    return os.environ.get("AEGIS_ASV_MACHINE") or socket.gethostname()


def cluster_machine(machine: str) -> str:
    return machine + CLUSTER_SUFFIX


def quick_machine(machine: str) -> str:
    return machine + QUICK_SUFFIX
