"""Exportify exports: a folder or .zip of CSVs, one per playlist, or a single CSV.

Each file is a playlist named after the file (``auto.csv`` -> ``auto``), except
the liked-songs file (``liked.csv``, ``Liked Songs.csv``, ...), which becomes
the liked list. Columns are mapped by meaning (`csv_columns`), so every
Exportify header variant reads the same way.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.library import Library, LibraryError, Warning_
from pipeline.sources.csv_table import FILE, CsvRows, library_from_rows, parse_track_rows, read_csv_rows
from pipeline.sources.playlist_names import unique_names

LIKED_FILE_NAMES = frozenset({"liked", "liked songs"})
"""File stems (folded: case, spaces, underscores) that hold the liked songs, not a playlist."""


@dataclass(frozen=True)
class CsvFile:
    """One CSV of the export: its name as the user sees it (path inside the folder or zip) and bytes."""

    name: str
    data: bytes

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem


def read_exportify(path: Path) -> Library:
    """Read an Exportify folder, .zip or single CSV into a `Library`.

    Raises `LibraryError` naming the file (and row and column) of bad input.
    """
    path = Path(path)
    files, found = collect_csv_files(path)
    parts = [read_csv_rows(file.data, file.name) for file in files]
    found += _empty_playlist_warnings([file for file, part in zip(files, parts)
                                       if part.frame.empty and not is_liked_file(file.stem)])
    rows, parse_warnings = parse_track_rows(CsvRows.combine(parts))
    playlist_of = _playlist_ids(files)
    playlist_id = rows[FILE].map(playlist_of)
    liked = rows[playlist_id.isna()]
    filed = playlist_id.notna()
    # assign the filtered column: a whole Series assigned to an empty frame would bring its index (NaN rows)
    memberships = rows[filed].assign(playlist_id=playlist_id[filed], playlist_name=playlist_id[filed])
    return library_from_rows(rows, memberships, liked, f"Exportify: {path.name}",
                             [*found, *(w for p in parts for w in p.warnings), *parse_warnings])


def is_liked_file(stem: str) -> bool:
    """Whether a file stem names the liked-songs export (``liked``, ``Liked_Songs``, ``liked songs``)."""
    return " ".join(re.split(r"[\s_\-]+", stem.casefold())).strip() in LIKED_FILE_NAMES


def _playlist_ids(files: list[CsvFile]) -> dict[str, str]:
    """File name -> playlist id (the stem, made unique); liked files are left out."""
    playlists = [file for file in files if not is_liked_file(file.stem)]
    ids = unique_names([file.stem for file in playlists])
    return {file.name: playlist_id for file, playlist_id in zip(playlists, ids)}


def _empty_playlist_warnings(empty: list[CsvFile]) -> list[Warning_]:
    if not empty:
        return []
    names = ", ".join(f"'{file.stem}'" for file in empty[:5]) + (", ..." if len(empty) > 5 else "")
    noun = "empty playlist" if len(empty) == 1 else f"{len(empty)} empty playlists"
    return [Warning_("empty_playlist", f"{noun} (a header but no tracks) left out: {names}", len(empty))]


# ----- finding the CSV files ---------------------------------------------------------------
def collect_csv_files(path: Path) -> tuple[list[CsvFile], list[Warning_]]:
    """The CSV files in a folder, a .zip or a single file, sorted by name, and a warning about junk.

    Raises `LibraryError` when there is no CSV or the zip cannot be read.
    """
    try:
        if path.is_dir():
            names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
            files = [CsvFile(name, (path / name).read_bytes()) for name in names if not _is_junk(name)]
        elif path.suffix.lower() == ".zip" or (path.suffix.lower() != ".csv" and zipfile.is_zipfile(path)):
            names, files = _read_zip(path)
        else:
            return [CsvFile(path.name, path.read_bytes())], []
    except OSError as error:
        raise LibraryError(f"cannot read it ({error.strerror or error})", file=path.name) from None
    if not files:
        raise LibraryError("no Exportify CSV files found (expected one .csv file per playlist)", file=path.name)
    return files, _junk_warnings([name for name in names if _is_junk(name)])


def _read_zip(path: Path) -> tuple[list[str], list[CsvFile]]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(info.filename for info in archive.infolist() if not info.is_dir())
            return names, [CsvFile(name, archive.read(name)) for name in names if not _is_junk(name)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, RuntimeError,
            NotImplementedError, OSError) as error:
        raise LibraryError(f"not a readable zip file ({error})", file=path.name) from None


def _is_junk(name: str) -> bool:
    """Files an export zip picks up on the way that are not playlists (macOS metadata, notes)."""
    parts = PurePosixPath(name).parts
    hidden = any(part.startswith(".") or part == "__MACOSX" for part in parts)
    return hidden or not name.lower().endswith(".csv")


def _junk_warnings(junk: list[str]) -> list[Warning_]:
    if not junk:
        return []
    examples = ", ".join(junk[:3]) + (", ..." if len(junk) > 3 else "")
    return [Warning_("ignored_files", f"{len(junk)} files that are not playlist CSVs were ignored ({examples})",
                     len(junk))]
