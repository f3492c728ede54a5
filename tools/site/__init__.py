"""The published site: asv's graphs made self-contained, the latency pictures' page, and a
check in headless Chromium that the graphs really render."""
