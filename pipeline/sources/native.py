"""The project's own on-disk library: what ``python -m pipeline fetch --out DIR`` writes.

A folder with ``tracks.csv``, ``memberships.csv``, ``liked.csv`` and
``library.json`` (format name and version, source, warnings). Lists of
artists and genres sit in their cells as JSON arrays, so names with commas
survive; floats are written at full precision and read back exactly, and
timestamps as ISO 8601 with their time zone.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import pandas as pd

from pipeline.errors import quoted, shortened
from pipeline.sources import strict_json
from pipeline.library import (AUDIO_FEATURES, LIKED_COLUMNS, MEMBERSHIP_COLUMNS, TRACK_COLUMNS, Library,
                              LibraryError, Warning_, build_library)

FORMAT_NAME = "playlist-enhancer-library"
FORMAT_VERSION = 1
MANIFEST = "library.json"
TABLES = ("tracks.csv", "memberships.csv", "liked.csv")
_LIST_COLUMNS = ("artists", "genres")
_NUMBER_COLUMNS = (*AUDIO_FEATURES, "popularity", "year")


def is_saved_library(path: Path) -> bool:
    """Whether ``path`` is a folder written by `save_library`."""
    return (Path(path) / MANIFEST).is_file()


def save_library(library: Library, path: Path) -> None:
    """Write ``library`` into the folder ``path`` (created if needed; a previous save is replaced).

    Raises `LibraryError` rather than write into a non-empty folder that holds something else.
    """
    path = Path(path)
    _check_target(path)
    path.mkdir(parents=True, exist_ok=True)
    tracks = library.tracks.reset_index()[["track_id", *TRACK_COLUMNS]]
    for column in _LIST_COLUMNS:
        tracks[column] = tracks[column].map(lambda values: json.dumps(list(values), ensure_ascii=False))
    _write(path / "tracks.csv", tracks.to_csv(index=False))
    _write(path / "memberships.csv", library.memberships[list(MEMBERSHIP_COLUMNS)].to_csv(index=False))
    _write(path / "liked.csv", library.liked[list(LIKED_COLUMNS)].to_csv(index=False))
    manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "source": library.source,
                "warnings": [{"code": w.code, "message": w.message, "count": w.count} for w in library.warnings]}
    _write(path / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))


def load_saved_library(path: Path) -> Library:
    """Read a folder written by `save_library`. Raises `LibraryError` naming the file, row and column."""
    path = Path(path)
    manifest = _read_manifest(path)
    tracks = _decode_tracks(_read_table(path, "tracks.csv", ["track_id", *TRACK_COLUMNS]))
    memberships = _read_table(path, "memberships.csv", list(MEMBERSHIP_COLUMNS))
    liked = _read_table(path, "liked.csv", list(LIKED_COLUMNS))
    for name, table in (("memberships.csv", memberships), ("liked.csv", liked)):
        _check_known_tracks(table, set(tracks["track_id"]), name)
    return build_library(tracks, memberships.replace({"added_at": {"": None}}),
                         liked.replace({"added_at": {"": None}}), manifest["source"], manifest["warnings"])


def _check_target(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise LibraryError("cannot save a library here: it is a file, not a folder", file=str(path))
    if path.is_dir() and any(path.iterdir()) and not is_saved_library(path):
        raise LibraryError("cannot save a library into a folder that holds other files; choose an empty "
                           "or new folder", file=str(path))


def _write(target: Path, text: str) -> None:
    """Write through a temporary file, so an interrupted save never leaves half a table behind."""
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="")
    os.replace(temporary, target)


def _read_manifest(path: Path) -> dict:
    try:
        manifest = strict_json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # ValueError: bad JSON, bad UTF-8, an integer of 5,000 digits
        raise LibraryError(f"cannot read the saved library's manifest ({shortened(error, limit=120)})", file=MANIFEST) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise LibraryError(f"not a saved Playlist Enhancer library (no '{FORMAT_NAME}' format)", file=MANIFEST)
    version = manifest.get("version")
    if type(version) is not int or version < 1:
        raise LibraryError(f"{quoted(version)} is not a format version", file=MANIFEST, column="version")
    if version > FORMAT_VERSION:
        raise LibraryError(f"saved by a newer version of Playlist Enhancer (format {quoted(version)}); "
                           "update the app to read it", file=MANIFEST)
    if not isinstance(manifest.get("source", ""), str):
        raise LibraryError("'source' is not a text", file=MANIFEST, column="source")
    return {"source": manifest.get("source", ""), "warnings": _warnings(manifest.get("warnings", []))}


def _warnings(entries: object) -> list[Warning_]:
    malformed = LibraryError("malformed warnings list: expected [{code, message, count}, ...] with a whole "
                             "count", file=MANIFEST, column="warnings")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise malformed
    warnings = []
    for entry in entries:
        code, message, count = entry.get("code"), entry.get("message"), entry.get("count", 1)
        if not (isinstance(code, str) and isinstance(message, str) and type(count) is int and count >= 0):
            raise malformed  # type(...) is int: true, 1.5 and Infinity are not counts
        warnings.append(Warning_(code, message, count))
    return warnings


def _read_table(path: Path, name: str, columns: list[str]) -> pd.DataFrame:
    """A saved table, every cell as written (so a track named "NA" stays "NA")."""
    try:
        text = (path / name).read_text(encoding="utf-8")
        table = pd.read_csv(io.StringIO(text), dtype=object, na_filter=False)
    except (OSError, ValueError) as error:
        raise LibraryError(f"cannot read this part of the saved library ({shortened(error, limit=120)})", file=name) from None
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise LibraryError(f"missing columns {missing}", file=name, row=1)
    return table[columns]


def _check_known_tracks(table: pd.DataFrame, known: set[str], name: str) -> None:
    unknown = ~table["track_id"].isin(known)
    if unknown.any():
        row = int(unknown.to_numpy().argmax())
        raise LibraryError(f"{quoted(table['track_id'].iloc[row])} is not in tracks.csv ({int(unknown.sum())} rows "
                           "point at tracks it does not list)", file=name, row=row + 2, column="track_id")


def _decode_tracks(tracks: pd.DataFrame) -> pd.DataFrame:
    tracks = tracks.copy()
    for column in _LIST_COLUMNS:
        tracks[column] = [_json_list(cell, row, column) for row, cell in enumerate(tracks[column], start=2)]
    for column in _NUMBER_COLUMNS:
        tracks[column] = [_number(cell, row, column) for row, cell in enumerate(tracks[column], start=2)]
    return tracks


def _json_list(cell: str, row: int, column: str) -> tuple[str, ...]:
    try:
        values = strict_json.loads(cell) if cell else []
    except ValueError:
        values = None
    if not (isinstance(values, list) and all(isinstance(value, str) for value in values)):
        raise LibraryError(f"{quoted(cell)} is not a JSON list of names", file="tracks.csv", row=row, column=column)
    return tuple(values)


def _number(cell: str, row: int, column: str) -> float:
    # float() of the written repr is exact, unlike pandas' fast parser.
    try:
        number = float(cell) if cell.strip() else math.nan
    except ValueError:
        raise LibraryError(f"{quoted(cell)} is not a number", file="tracks.csv", row=row, column=column) from None
    if math.isinf(number) or (column == "year" and not (math.isnan(number) or number.is_integer())):
        kind = "a whole year" if column == "year" else "a finite number"
        raise LibraryError(f"{quoted(cell)} is not {kind}", file="tracks.csv", row=row, column=column)
    return number
