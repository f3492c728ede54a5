"""Command-line tools around the asv results: tables, targets, the PR gate, the report."""
