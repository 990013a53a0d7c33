"""Long CSVs: one row per (playlist, track), with a playlist column.

TidyTuesday's ``spotify_songs.csv`` is the model: ``playlist_id`` and
``playlist_name`` beside each track's columns. Playlists are keyed by id
(or by name when there is no id column); names repeated across ids are made
unique for display. An optional boolean ``liked`` column marks liked songs;
a row with a ``liked`` mark and no playlist is a liked song filed nowhere.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from pipeline.errors import quoted
from pipeline.library import Library, LibraryError
from pipeline.sources.archive import file_name, read_file
from pipeline.sources.csv_columns import fold_header
from pipeline.sources.csv_table import (FILE, ROW, CsvRows, library_from_rows, parse_track_rows,
                                        read_csv_rows)
from pipeline.sources.playlist_names import unique_names

PLAYLIST_HEADERS = frozenset({"playlist", "playlist name", "playlist id"})
"""Folded header names that make a CSV a long CSV."""

_TRUE = frozenset({"true", "1", "yes", "y", "t", "x"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})


def is_long_csv(path: Path) -> bool:
    """Whether the CSV's header has a playlist column (reads only the start of the file)."""
    try:
        with open(path, "rb") as stream:
            start = stream.read(64 * 1024)
        text = start.decode("utf-16" if start[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig",
                            errors="replace")
        header = next(csv.reader(io.StringIO(text)), [])
    except (OSError, csv.Error):
        return False   # let the Exportify reader name the problem
    return any(fold_header(name) in PLAYLIST_HEADERS for name in header)


def read_long_csv(path: Path) -> Library:
    """Read a long CSV into a `Library`. Raises `LibraryError` naming the file, row and column."""
    name = file_name(Path(path).name)
    rows = read_csv_rows(read_file(Path(path)), name)
    frame, found = parse_track_rows(rows)
    liked_mark = _liked_marks(rows, frame)
    memberships = _memberships(frame)
    return library_from_rows(frame, memberships, frame[liked_mark], f"long CSV: {name}",
                             [*rows.warnings, *found])


def _memberships(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a playlist, keyed by id (else name) and shown under a unique name."""
    names = _column(frame, "playlist_name")
    ids = _column(frame, "playlist_id").where(lambda s: s != "", names)
    has_playlist = ids != ""
    # assign the filtered columns: whole Series assigned to an empty frame would bring their index (NaN rows)
    filed = frame[has_playlist].assign(playlist_id=ids[has_playlist], playlist_name=names[has_playlist])
    display = _display_names(filed[["playlist_id", "playlist_name"]])
    return filed.assign(playlist_name=filed["playlist_id"].map(display))


def _display_names(pairs: pd.DataFrame) -> dict[str, str]:
    """Playlist id -> a name unique among all playlists (ids sorted, so it is deterministic)."""
    first = pairs.drop_duplicates("playlist_id").sort_values("playlist_id", kind="stable")
    names = first["playlist_name"].where(first["playlist_name"] != "", first["playlist_id"])
    return dict(zip(first["playlist_id"], unique_names(list(names))))


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str).str.strip()


def _liked_marks(rows: CsvRows, frame: pd.DataFrame) -> pd.Series:
    """True where the ``liked`` column says so; raises `LibraryError` at a value that is not a yes/no."""
    marks = _column(frame, "liked").str.lower()
    unknown = ~marks.isin(_TRUE | _FALSE)
    if unknown.any():
        first = frame[unknown].iloc[0]
        column = rows.headers.get(first[FILE], {}).get("liked", "liked")
        raise LibraryError(f"{quoted(first['liked'])} is not true or false", file=first[FILE], row=int(first[ROW]),
                           column=column)
    return marks.isin(_TRUE)
