"""CSV output that is safe to open in a spreadsheet.

Text cells that start with ``= + - @`` (or a tab / carriage return) would run as
formulas in Excel, LibreOffice or Sheets; they are prefixed with ``'``. Numbers
are left alone. Readers of our own CSVs strip the prefix again (`unescape_cell`).
Line breaks inside a cell (a track name with a carriage return) become spaces first:
a bare CR is not quoted by the csv writer and would split one row into two on reading.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def escape_cell(value):
    """A text cell on one line, with a leading ``'`` if a spreadsheet would run it as a formula."""
    if not isinstance(value, str):
        return value
    value = _LINE_BREAKS.sub(" ", value)
    # leading spaces too: some spreadsheets trim them on import and would then see the formula
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def unescape_cell(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].lstrip(" ").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell escaped."""
    escaped = frame.copy()
    for column in escaped.columns:
        if escaped[column].dtype == object or pd.api.types.is_string_dtype(escaped[column]):
            escaped[column] = escaped[column].map(escape_cell)
    return escaped


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes (what the dashboard's download button serves)."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).write_bytes(to_csv_bytes(frame))
