"""What the benchmark modules share: connecting to the server under test, peer processes,
load generators, statistics, and the records kept beside asv's results.

Nothing here is a benchmark. asv imports every module under ``benchmarks/`` looking for
benchmarks, so no name here starts with ``time_``, ``track_``, ``mem_`` or ``peakmem_``.
Like the suite, these modules use only the public API of ``aegis_sdk`` (its exports and
``aegis_sdk.testing``), because the newest suite runs against every older SDK commit.
"""
