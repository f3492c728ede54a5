"""The pull-request gate: is HEAD slower than the base it branched from?

Better than one run of each side (``asv continuous``): both SDK versions are installed side
by side (``benchmarks.support.sdk_environments``) and run at the same time in two worker
processes (``benchmarks.support.paired_rounds``), which take short measurements in turn
(base, head, head, base, ...), so whatever this shared machine does at a moment hits both
alike. Each metric is judged on the per-round ratios
head/base (``judgement``): a minimum effect on their median (5% for medians, CPU and
throughput; 20% for tails, p99) and a sign test against noise. Measurements with a marginal
result (a change between 0.6 and 1.6 times the minimum effect, or a larger one the sign test
does not confirm) are taken again, with fresh processes (``procedure``): a change counts only
when all rounds together and the fresh rounds on their own both show it, because one pair of
worker processes can sit a few percent apart for its whole life. A throughput drop counts
exactly as a latency rise: every gate metric is lower-is-better.
"""
