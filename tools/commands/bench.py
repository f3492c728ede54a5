"""The suite on HEAD, then a results table with the speed targets.

The embedded nats-server is used unless ``AEGIS_NATS_URL`` points at another server;
``--cluster`` starts a local 3-node cluster (events stream at 3 replicas) and records under
``<machine>-cluster3``; ``--quick`` is a smoke run whose results are removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import sys

from aegis_sdk.testing import NatsServerError
from benchmarks.support.asv_layout import LAYOUT
from benchmarks.support.machine import cluster_machine, machine_name, quick_machine

from .. import asv_cli
from ..git import commit_hash
from ..local_cluster import exited_nodes, local_cluster
from ..preflight import preflight
from ..results_table import print_results
from .common import CommandFailed, add_python, measuring_python

NAME = "bench"
SYNOPSIS = "[--quick] [--cluster] [--python X.Y] [asv args]"
SUMMARY = "the suite on HEAD, then a results table (--cluster: against a local 3-node cluster)"
PASSES_ON = "asv run"


def add_arguments(parser):
    parser.add_argument("--quick", action="store_true", help="a smoke run; results not kept")
    parser.add_argument(
        "--cluster", action="store_true", help="against a local 3-node cluster, R3 stream"
    )
    add_python(parser, help="the Python that measures (default: the one ./dev runs on)")


def run(args, extra: list[str]) -> int:
    version, links = measuring_python(args.python)
    if not args.cluster:
        return measure(version, links, args.quick, extra, machine_name())
    try:
        with local_cluster() as cluster:
            machine = cluster_machine(machine_name())
            status = measure(version, links, args.quick, extra, machine, cluster.url)
            exited = exited_nodes(cluster)
    except NatsServerError as exc:
        raise CommandFailed(f"the cluster did not start:\n{exc}", status=1) from None
    if exited:
        print("a cluster node exited during the run:", *exited, sep="\n", file=sys.stderr)
        return 1
    return status


def measure(version, links, quick: bool, extra: list[str], machine: str, url=None) -> int:
    """The suite on HEAD with Python ``version`` (found in ``links``) under ``machine``
    (``url``: the server to measure against), then its table; a quick run's records are
    removed afterwards."""
    if quick:
        machine = quick_machine(machine)
    env = dict(os.environ)
    if url:
        env["AEGIS_NATS_URL"] = url
    if quick:
        env["AEGIS_BENCH_QUICK"] = "1"
    checked = preflight(url)
    if checked:
        return checked
    asv_cli.register_machine(machine)
    status = asv_cli.run(
        machine, version, links, "HEAD^!", [*(["--quick"] if quick else []), *extra], env
    )
    if print_results(commit_hash("HEAD"), machine, version):
        status = status or 1
    if quick:  # smoke numbers: never kept beside real results
        for folder in LAYOUT.machine_records(machine):
            shutil.rmtree(folder, ignore_errors=True)
    return status
