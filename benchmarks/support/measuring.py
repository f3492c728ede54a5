"""How a measurement is taken: wall and CPU time of a block, and the same garbage-collector
state for every commit."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator


def quiesce() -> None:
    """The same GC state for every commit: collect, then freeze what survived setup."""
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def steady_gc() -> Iterator[None]:
    """No collection inside a timed open-loop run, the same for every commit: collect
    before it, pause the collector during it, resume after."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Timer:
    """Wall and process-CPU time of a block."""

    def __enter__(self) -> Timer:
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
