"""Exportify exports: a folder or .zip of CSVs, one per playlist, or a single CSV.

Each file is a playlist named after the file (``auto.csv`` -> ``auto``), except
the liked-songs file (``liked.csv``, ``Liked Songs.csv``, ...), which becomes
the liked list. Columns are mapped by meaning (`csv_columns`), so every
Exportify header variant reads the same way.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from pipeline.library import Library, LibraryError, Warning_
from pipeline.sources.archive import ExportFile, open_export
from pipeline.sources.csv_table import FILE, CsvRows, library_from_rows, parse_track_rows, read_csv_rows
from pipeline.sources.playlist_names import unique_names

LIKED_FILE_NAMES = frozenset({"liked", "liked songs"})
"""File stems (folded: case, spaces, underscores) that hold the liked songs, not a playlist."""


def read_exportify(path: Path) -> Library:
    """Read an Exportify folder, .zip or single CSV into a `Library`.

    Files are read and parsed one at a time, within the bounds of `archive`. Raises `LibraryError`
    naming the file (and row and column) of bad input.
    """
    path = Path(path)
    with open_export(path) as export:
        junk = [] if export.is_single_file else [file.name for file in export.files if _is_junk(file.name)]
        files = [file for file in export.files if export.is_single_file or not _is_junk(file.name)]
        if not files:
            raise LibraryError("no Exportify CSV files found (expected one .csv file per playlist)",
                               file=export.name)
        parts = export.parse_each(files, lambda file, data: read_csv_rows(data, file.name))
    found = _junk_warnings(junk)
    found += _empty_playlist_warnings([_stem(file) for file, part in zip(files, parts)
                                       if part.frame.empty and not is_liked_file(_stem(file))])
    rows, parse_warnings = parse_track_rows(CsvRows.combine(parts))
    playlist_of = _playlist_ids(files)
    playlist_id = rows[FILE].map(playlist_of)
    liked = rows[playlist_id.isna()]
    filed = playlist_id.notna()
    # assign the filtered column: a whole Series assigned to an empty frame would bring its index (NaN rows)
    memberships = rows[filed].assign(playlist_id=playlist_id[filed], playlist_name=playlist_id[filed])
    return library_from_rows(rows, memberships, liked, f"Exportify: {export.name}",
                             [*found, *(w for p in parts for w in p.warnings), *parse_warnings])


def is_liked_file(stem: str) -> bool:
    """Whether a file stem names the liked-songs export (``liked``, ``Liked_Songs``, ``liked songs``)."""
    return " ".join(re.split(r"[\s_\-]+", stem.casefold())).strip() in LIKED_FILE_NAMES


def _stem(file: ExportFile) -> str:
    return PurePosixPath(file.name).stem


def _playlist_ids(files: list[ExportFile]) -> dict[str, str]:
    """File name -> playlist id (the stem, made unique); liked files are left out."""
    playlists = [file for file in files if not is_liked_file(_stem(file))]
    ids = unique_names([_stem(file) for file in playlists])
    return {file.name: playlist_id for file, playlist_id in zip(playlists, ids)}


def _empty_playlist_warnings(empty: list[str]) -> list[Warning_]:
    if not empty:
        return []
    names = ", ".join(f"'{stem}'" for stem in empty[:5]) + (", ..." if len(empty) > 5 else "")
    noun = "empty playlist" if len(empty) == 1 else f"{len(empty)} empty playlists"
    return [Warning_("empty_playlist", f"{noun} (a header but no tracks) left out: {names}", len(empty))]


# ----- telling playlists from other files ------------------------------------------------------
def _is_junk(name: str) -> bool:
    """Files an export picks up on the way that are not playlists (hidden files, notes)."""
    parts = PurePosixPath(name).parts
    return any(part.startswith(".") for part in parts) or not name.lower().endswith(".csv")


def _junk_warnings(junk: list[str]) -> list[Warning_]:
    if not junk:
        return []
    examples = ", ".join(junk[:3]) + (", ..." if len(junk) > 3 else "")
    return [Warning_("ignored_files", f"{len(junk)} files that are not playlist CSVs were ignored ({examples})",
                     len(junk))]
