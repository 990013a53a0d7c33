"""Read track CSVs (Exportify files, long CSVs) into validated rows.

`read_csv_rows` turns the bytes of one file into rows whose columns carry our
names (see `csv_columns`), remembering each row's file and spreadsheet row
number (header = row 1). `parse_track_rows` then validates all rows at once,
vectorised, and reports the first bad cell by file, row and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from pipeline.errors import quoted
from pipeline.library import (AUDIO_FEATURES, LIKED_COLUMNS, MEMBERSHIP_COLUMNS, TRACK_COLUMNS, Library,
                              LibraryError, Warning_, build_library)
from pipeline.sources.csv_columns import map_columns, parse_track_ids, split_artists, split_genres

FILE, ROW = "_file", "_row"
"""Columns that remember where each row came from."""

_MISSING = frozenset({"", "nan", "null", "none", "na", "n/a"})
"""Feature cells that mean "unknown" rather than a typo."""


@dataclass(frozen=True)
class CsvRows:
    """Rows of one or more track CSVs: our column names plus `FILE` and `ROW`.

    ``headers`` maps file -> our column -> the header name as written, for messages.
    """

    frame: pd.DataFrame
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: tuple[Warning_, ...] = ()

    @staticmethod
    def combine(parts: Iterable["CsvRows"]) -> "CsvRows":
        """All rows of several files in one table (columns missing in a file are empty)."""
        parts = list(parts)
        frames = [part.frame for part in parts]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[FILE, ROW])
        headers = {file: names for part in parts for file, names in part.headers.items()}
        return CsvRows(frame, headers, tuple(w for part in parts for w in part.warnings))


def read_csv_rows(data: bytes, file: str) -> CsvRows:
    """The non-blank rows of one CSV file. Raises `LibraryError` naming ``file``."""
    text, found = decode_csv(data, file)
    header, frame = _parse_csv(text, file)
    mapping = map_columns(header, file)
    non_blank = (frame.to_numpy() != "").any(axis=1)
    rows = frame[list(mapping.values())].set_axis(list(mapping), axis=1)
    rows[FILE] = file
    rows[ROW] = frame.index + 2
    headers = {column: header[position].strip() for column, position in mapping.items()}
    return CsvRows(rows[non_blank].reset_index(drop=True), {file: headers}, tuple(found))


def decode_csv(data: bytes, file: str) -> tuple[str, list[Warning_]]:
    """Text of a CSV: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252 with a warning."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, found = _decode_utf16(data, file), []
    elif b"\x00" in data[:4096]:
        raise LibraryError("not a text CSV (it holds NUL bytes, perhaps UTF-16 without a byte-order mark); "
                           "save it as UTF-8 CSV", file=file)
    else:
        text, found = _decode_8bit(data, file)
    if not text.strip("\ufeff \t\r\n"):
        raise LibraryError("the file is empty", file=file)
    return text, found


def _decode_utf16(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError:
        raise LibraryError("not valid UTF-16 text despite its byte-order mark", file=file) from None


def _decode_8bit(data: bytes, file: str) -> tuple[str, list[Warning_]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")   # cannot fail: every byte is a character
    return text, [Warning_("encoding", f"{file} is not UTF-8: read it as Windows-1252 (check accented names)")]


def _parse_csv(text: str, file: str) -> tuple[list[str], pd.DataFrame]:
    """Header names as written and the cells as strings, one row per record, positions as labels.

    The csv module (not pandas) reads here: it keeps duplicate header names as written and
    one record per spreadsheet row, and it is faster on the many small files of an export.
    """
    reader = csv.reader(io.StringIO(text, newline=""))  # "": the reader sees \r, \n and \r\n endings itself
    try:
        records = list(reader)
    except csv.Error as error:
        raise LibraryError(f"not a readable CSV near line {reader.line_num} ({error})", file=file) from None
    header, body = records[0], records[1:]
    widest = max(map(len, records))
    if any(len(record) != widest for record in body):
        body = [record + [""] * (widest - len(record)) for record in body]   # short rows and blank lines
    frame = pd.DataFrame(body, columns=range(widest), dtype=object)
    if widest > len(header):
        _reject_overflow(frame.iloc[:, len(header):], file)
    return header, frame.iloc[:, :len(header)]


def _reject_overflow(extra: pd.DataFrame, file: str) -> None:
    """Cells beyond the header are data the reader would silently lose; empty ones are harmless."""
    overflow = (extra.to_numpy() != "").any(axis=1)
    if overflow.any():
        raise LibraryError("this row has more cells than the header has columns", file=file,
                           row=int(overflow.argmax()) + 2)


def parse_track_rows(rows: CsvRows) -> tuple[pd.DataFrame, list[Warning_]]:
    """Rows that hold Spotify tracks, with ids, artist/genre tuples and float features parsed.

    Local files, episodes and other non-track rows are dropped with a warning. Raises
    `LibraryError` at the first cell that is not a track id or a feature that is not a number.
    """
    frame = rows.frame.copy()
    ids, kind = parse_track_ids(frame["track_id"])
    if (kind == "invalid").any():
        _raise_at(rows, frame, kind == "invalid", "track_id", "is not a Spotify track URI or id")
    found = _skipped_warnings(kind)
    frame = frame[kind == ""].assign(track_id=ids[kind == ""])
    for feature in AUDIO_FEATURES:
        if feature in frame.columns:
            frame[feature] = _numbers(rows, frame, feature)
    if "artists" in frame.columns:
        frame["artists"] = split_artists(frame["artists"], frame.get("artist_uris"))
    if "genres" in frame.columns:
        frame["genres"] = split_genres(frame["genres"])
    return frame.drop(columns=["artist_uris"], errors="ignore").reset_index(drop=True), found


def _skipped_warnings(kind: pd.Series) -> list[Warning_]:
    local, other = int((kind == "local").sum()), int((kind == "other").sum())
    found = []
    if local:
        found.append(Warning_("local_files", f"{local} local files without Spotify ids skipped", local))
    if other:
        found.append(Warning_("non_tracks", f"{other} podcast episodes or other non-track items skipped", other))
    return found


def _numbers(rows: CsvRows, frame: pd.DataFrame, column: str) -> pd.Series:
    try:   # the common case, plain numbers and blanks, costs one vectorised conversion
        numbers = frame[column].replace("", np.nan).astype(float)
        if np.isfinite(numbers.fillna(0.0)).all():
            return numbers
    except (TypeError, ValueError):
        pass
    parsed = [_feature_number(str(cell)) for cell in frame[column].fillna("")]
    bad = pd.Series([value is None for value in parsed], index=frame.index)
    if bad.any():
        _raise_at(rows, frame, bad, column, "is not a number")
    return pd.Series(parsed, index=frame.index, dtype=float)


def _feature_number(cell: str) -> float | None:
    """The cell's number, NaN where it says "unknown", None where it is not a finite number."""
    text = cell.strip()
    if text.lower() in _MISSING:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _raise_at(rows: CsvRows, frame: pd.DataFrame, bad: pd.Series, column: str, problem: str) -> None:
    first = frame[bad].iloc[0]
    file = first[FILE]
    header_name = rows.headers.get(file, {}).get(column, column)
    raise LibraryError(f"{quoted(first[column])} {problem}", file=file, row=int(first[ROW]), column=header_name)


def library_from_rows(rows: pd.DataFrame, memberships: pd.DataFrame, liked: pd.DataFrame, source: str,
                      found: list[Warning_]) -> Library:
    """A `Library` whose track data are the parsed ``rows``; ``memberships`` and ``liked`` are subsets of them."""
    tracks = rows[["track_id", *(column for column in TRACK_COLUMNS if column in rows.columns)]]
    return build_library(tracks, memberships.reindex(columns=list(MEMBERSHIP_COLUMNS)),
                         liked.reindex(columns=list(LIKED_COLUMNS)), source, found)
