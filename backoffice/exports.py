"""Cells of the CSV files the back office hands out, safe to open in a spreadsheet."""

from __future__ import annotations

# A spreadsheet runs a cell that begins with one of these as a formula (=HYPERLINK(...)),
# OWASP's CSV-injection list; a leading apostrophe makes it text again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A text cell as a spreadsheet shows it, never as a formula; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
