"""Spreadsheet cells from what people typed: text that a spreadsheet would run as a formula
(`=`, `+`, `-`, `@`) is kept as text."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """A CSV cell that Excel shows as typed, never evaluates (OWASP CSV injection)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
