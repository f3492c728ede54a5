"""One JSON object a line: how peer processes and gate workers answer their parent."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys


def reply(obj: dict) -> None:
    """Answer the parent process on stdout."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_answer(process: subprocess.Popen, timeout: float) -> dict:
    """The next JSON line a child process writes on stdout; RuntimeError if none comes within
    ``timeout`` seconds or the process exits."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(process.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise RuntimeError(f"did not answer in {timeout} s")
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"exited with code {process.wait()}")
    return json.loads(line)
