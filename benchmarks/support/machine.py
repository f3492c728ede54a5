"""The machine name results are recorded under: ``AEGIS_ASV_MACHINE``, else the host name.
A smoke run and a run against the local cluster record under names of their own."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
from pathlib import Path

QUICK_SUFFIX = "-quick"  # ./dev bench --quick: removed after the run
CLUSTER_SUFFIX = "-cluster3"  # ./dev bench --cluster


def machine_name() -> str:
    return os.environ.get("AEGIS_ASV_MACHINE") or socket.gethostname()


def cluster_machine(machine: str) -> str:
    return machine + CLUSTER_SUFFIX


def quick_machine(machine: str) -> str:
    return machine + QUICK_SUFFIX


def hardware_machine(machine: str) -> str:
    """``machine`` with the processor it runs on and its core count: runners that share a
    name (a CI service's) differ in hardware, so their absolute figures need lines of their
    own, while the ratios to the baseline can share one."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1]
                break
    model = model or platform.processor() or platform.machine()
    slug = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")[:40].strip("-")
    return f"{machine}-{slug}-{os.cpu_count()}cpu"
