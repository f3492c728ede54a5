"""Measure the gate's false-alarm and detection rates with throwaway commits.

    ./dev gate-drill [--runs 20] [--slowdown 0.10] [--json FILE]
    ./dev gate-drill --table FILE          (the tables of an earlier drill)

In a scratch clone of this repository it makes five commits on top of HEAD:
  noop        changes a comment only (identical SDK code): the gate must pass;
  rpc         busy-waits in ``Service.call_rpc`` for ``slowdown`` x the serial RPC round
              trip measured on HEAD first, a 10% slower RPC path: an RPC metric must be flagged;
  events      busy-waits in ``Service.publish_events`` for ``slowdown`` x the time per
              batched event measured on HEAD first, about 10% fewer events/s: an event
              metric must be flagged;
  subscriber  busy-waits in every event handler registered with ``Service.subscribe`` for
              ``slowdown`` x the time per drained event measured on HEAD first, a 10% more
              expensive delivery path: a delivery metric must be flagged;
  tail        delays every 50th ``Service.call_rpc`` by ``asyncio.sleep(0.001)`` (2% of the
              calls by about a millisecond, p50 and throughput unchanged): the RPC tail
              metric must be flagged.
Then it runs the gate --runs times for each and counts, and counts stray flags: metrics
flagged that the case does not touch.
"""
