"""performance_report.md for one commit, written from its asv results, never by hand: one
module per section, put together by ``document``."""
