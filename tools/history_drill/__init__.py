"""The history's drill: does the record name the commit that moved a metric?

In a scratch clone it commits a range of throwaway commits on top of HEAD (the drill's
baseline) that change nothing but a marker in the SDK, and injects steps at random places:
busy-waits of 5% or 10% of the measured time of the RPC path (``Service.call_rpc``), the
publishing path (``Service.publish_events``) or the delivery path (every handler registered
with ``Service.subscribe``), at least 8 commits apart, some of them later reverted (a
revert is a step back, and counted as a step). Then it measures each commit as the history
does (``./dev history --paired-only``: every gate metric as a ratio to the baseline), runs
the change-point detection over every ratio series, and scores it: a step is named when a
change point falls on its exact commit; a change point on any other commit is a false one.
The time per commit is recorded. ``--aa N`` measures N points of the unchanged SDK against
itself instead: the spread of the ratio series when nothing changes.
"""
