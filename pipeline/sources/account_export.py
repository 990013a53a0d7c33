"""Spotify's account data export ("Download your data"): a folder or its .zip.

``YourLibrary.json`` holds the liked songs (``{"tracks": [{artist, album, track,
uri}]}``); ``Playlist1.json``, ``Playlist2.json``, ... hold the playlists
(``{"playlists": [{name, lastModifiedDate, items: [{track: {trackName,
artistName, albumName, trackUri}, addedDate}]}]}``). The export has no audio
features, genres or release dates, and no playlist ids: playlists are keyed by
their (made unique) names. Episodes and local files are skipped with a warning.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import pandas as pd

from pipeline.library import Library, LibraryError, Warning_, build_library
from pipeline.sources.playlist_names import unique_names

_EXPORT_FILE = re.compile(r"^(?:yourlibrary|playlist(\d+))\.json$", re.IGNORECASE)
_TRACK_URI = re.compile(r"^(?i:spotify:track:)([0-9A-Za-z]{22})$")

_PLAYLIST_FIELDS = ["playlist_id", "playlist_name", "added_at"]

Document = tuple[str, object]
"""One JSON file of the export: its name as the user sees it and its parsed content."""


def is_account_export(path: Path) -> bool:
    """Whether ``path`` (a folder or .zip) holds ``YourLibrary.json`` or ``PlaylistN.json``."""
    try:
        return any(_EXPORT_FILE.match(PurePosixPath(name).name) for name in _file_names(Path(path)))
    except (OSError, zipfile.BadZipFile):
        return False


def read_account_export(path: Path) -> Library:
    """Read the export into a `Library` (features missing). Raises `LibraryError` naming the file."""
    path = Path(path)
    documents = sorted(_load_documents(path), key=lambda doc: _playlist_number(doc[0]))
    liked = [row for name, doc in documents if _is_library_file(name) for row in _liked_rows(name, doc)]
    playlists = [p for name, doc in documents if not _is_library_file(name) for p in _playlists(name, doc)]
    memberships, skipped = _membership_rows(playlists)
    track_columns = ["track_id", "name", "artists", "album"]
    return build_library(pd.DataFrame([*liked, *memberships], columns=track_columns),
                         pd.DataFrame(memberships, columns=[*track_columns, *_PLAYLIST_FIELDS]),
                         pd.DataFrame(liked, columns=track_columns),
                         f"Spotify account export: {path.name}", _skipped_warning(skipped))


def _membership_rows(playlists: list[dict]) -> tuple[list[dict], int]:
    """Rows of every playlist (under unique names) and how many items were not Spotify tracks."""
    names = unique_names([str(playlist.get("name") or "unnamed playlist") for playlist in playlists])
    rows, skipped = [], 0
    for playlist, name in zip(playlists, names):
        rows_here, skipped_here = _playlist_rows(playlist, name)
        rows += rows_here
        skipped += skipped_here
    return rows, skipped


def _liked_rows(file: str, document: object) -> list[dict]:
    entries = _list_field(document, "tracks", file)
    rows = []
    for entry in entries:
        track_id = _track_id(entry.get("uri") if isinstance(entry, dict) else None)
        if track_id:
            rows.append({"track_id": track_id, "name": entry.get("track") or "",
                         "artists": _artists(entry.get("artist")), "album": entry.get("album") or ""})
    return rows


def _playlists(file: str, document: object) -> list[dict]:
    playlists = _list_field(document, "playlists", file)
    if not all(isinstance(playlist, dict) for playlist in playlists):
        raise LibraryError("every entry of 'playlists' must be an object with a name and items", file=file,
                           column="playlists")
    return playlists


def _playlist_rows(playlist: dict, name: str) -> tuple[list[dict], int]:
    """Membership rows of one playlist and how many items were not Spotify tracks."""
    rows, skipped = [], 0
    for item in playlist.get("items") or []:
        track = item.get("track") if isinstance(item, dict) else None
        track_id = _track_id(track.get("trackUri")) if isinstance(track, dict) else None
        if not track_id:
            skipped += 1
            continue
        rows.append({"track_id": track_id, "name": track.get("trackName") or "",
                     "artists": _artists(track.get("artistName")), "album": track.get("albumName") or "",
                     "playlist_id": name, "playlist_name": name, "added_at": item.get("addedDate")})
    return rows, skipped


def _track_id(uri: object) -> str | None:
    match = _TRACK_URI.match(uri.strip()) if isinstance(uri, str) else None
    return match.group(1) if match else None


def _artists(name: object) -> tuple[str, ...]:
    # The export names one artist per track; a comma there belongs to the name ("Earth, Wind & Fire").
    return (name.strip(),) if isinstance(name, str) and name.strip() else ()


def _skipped_warning(skipped: int) -> list[Warning_]:
    if not skipped:
        return []
    return [Warning_("skipped_items", f"{skipped} playlist items skipped: podcast episodes, local files and "
                     "other items without a Spotify track id", skipped)]


def _list_field(document: object, field: str, file: str) -> list:
    value = document.get(field, []) if isinstance(document, dict) else None
    if not isinstance(value, list):
        raise LibraryError(f"expected a JSON object with a '{field}' list", file=file, column=field)
    return value


def _is_library_file(name: str) -> bool:
    return PurePosixPath(name).name.lower() == "yourlibrary.json"


def _playlist_number(name: str) -> tuple[int, str]:
    match = _EXPORT_FILE.match(PurePosixPath(name).name)
    return (int(match.group(1)) if match and match.group(1) else 0), name


# ----- reading the folder or zip ---------------------------------------------------------
def _file_names(path: Path) -> list[str]:
    """Files in the folder (and one level down, where the export's own folder sits) or the zip."""
    if path.is_dir():
        return [p.relative_to(path).as_posix() for pattern in ("*", "*/*") for p in path.glob(pattern)
                if p.is_file()]
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [name for name in archive.namelist() if not name.endswith("/")]
    return []


def _load_documents(path: Path) -> list[Document]:
    try:
        names = [n for n in _file_names(path) if _EXPORT_FILE.match(PurePosixPath(n).name)
                 and "__MACOSX" not in n]
        if path.is_dir():
            return [(name, _parse_json((path / name).read_bytes(), name)) for name in names]
        with zipfile.ZipFile(path) as archive:
            return [(name, _parse_json(archive.read(name), name)) for name in names]
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
        raise LibraryError(f"cannot read the account export ({error})", file=path.name) from None


def _parse_json(data: bytes, file: str) -> object:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise LibraryError("not UTF-8 text", file=file) from None
    except json.JSONDecodeError as error:
        raise LibraryError(f"not valid JSON (line {error.lineno}: {error.msg})", file=file) from None
