"""Markdown tables, the form of every table the tools print."""

from __future__ import annotations


def table(header: list[str], rows: list[list[str]], *, aligned: bool = True) -> str:
    """A table with ``header`` over ``rows``; ``aligned`` pads each column to its widest
    cell so that the text reads as a table too."""
    if not aligned:
        rule = "|" + "---|" * len(header)
        return "\n".join([_line(header), rule, *(_line(r) for r in rows)])
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]

    def padded(cells: list[str]) -> list[str]:
        return [c.ljust(w) for c, w in zip(cells, widths, strict=True)]

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([_line(padded(header)), rule, *(_line(padded(r)) for r in rows)])


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
