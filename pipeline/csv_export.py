"""CSV output that is safe to open in a spreadsheet.

Text cells that start with ``= + - @`` (or a tab / carriage return) would run as
formulas in Excel, LibreOffice or Sheets; they are prefixed with ``'``. Numbers
are left alone. Readers of our own CSVs strip the prefix again (`unescape_cell`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
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
    return safe_frame(frame).to_csv(index=False).encode("utf-8")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).write_bytes(to_csv_bytes(frame))
