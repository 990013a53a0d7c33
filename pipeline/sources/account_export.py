"""Spotify's account data export ("Download your data"): a folder or its .zip.

``YourLibrary.json`` holds the liked songs (``{"tracks": [{artist, album, track,
uri}]}``); ``Playlist1.json``, ``Playlist2.json``, ... hold the playlists
(``{"playlists": [{name, lastModifiedDate, items: [{track: {trackName,
artistName, albumName, trackUri}, addedDate}]}]}``). The export has no audio
features, genres or release dates, and no playlist ids: playlists are keyed by
their (made unique) names. Episodes and local files are skipped with a warning.

The structure is checked where it is read: a list or an object of the wrong
type is a `LibraryError` naming the file, the playlist and the item. Text is
repaired rather than refused: a name that is a number reads as its digits, and
a lone surrogate (``"\\ud83d"``, half an emoji) becomes U+FFFD.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from pipeline.errors import quoted, repaired
from pipeline.library import Library, LibraryError, Warning_, build_library
from pipeline.sources.archive import ExportFile, open_export
from pipeline.sources import strict_json
from pipeline.sources.playlist_names import unique_names

_EXPORT_FILE = re.compile(r"^(?:yourlibrary|playlist(\d+))\.json$", re.IGNORECASE)
_TRACK_URI = re.compile(r"^(?i:spotify:track:)([0-9A-Za-z]{22})$")
_FOLDER_DEPTH = 2
"""The export's files sit in the folder given or in the export's own folder one level down."""

_TRACK_COLUMNS = ["track_id", "name", "artists", "album"]
_PLAYLIST_FIELDS = ["playlist_id", "playlist_name", "added_at"]


@dataclass(frozen=True)
class _Playlist:
    """One playlist as read: its name as written, its track rows and how many items were not tracks."""

    name: str
    rows: list[dict]
    skipped: int


@dataclass(frozen=True)
class _Document:
    """What one file of the export holds: liked rows (and how many were not tracks) or playlists."""

    liked: list[dict]
    liked_skipped: int
    playlists: list[_Playlist]


def is_account_export(path: Path) -> bool:
    """Whether ``path`` (a folder or .zip) holds ``YourLibrary.json`` or ``PlaylistN.json``."""
    try:
        with open_export(Path(path), depth=_FOLDER_DEPTH) as export:
            return not export.is_single_file and any(_is_export_file(file) for file in export.files)
    except LibraryError:   # an unreadable zip: the Exportify reader says what is wrong with it
        return False


def read_account_export(path: Path) -> Library:
    """Read the export into a `Library` (features missing).

    Files are read and parsed one at a time, within the bounds of `archive`. Raises `LibraryError`
    naming the file (and playlist and item) of bad input.
    """
    with open_export(Path(path), depth=_FOLDER_DEPTH) as export:
        files = sorted(filter(_is_export_file, export.files), key=_playlist_number)
        documents = export.parse_each(files, lambda file, data: _read_document(file.name, data))
    liked = [row for document in documents for row in document.liked]
    playlists = [playlist for document in documents for playlist in document.playlists]
    memberships = _membership_rows(playlists)
    skipped = sum(playlist.skipped for playlist in playlists)
    liked_skipped = sum(document.liked_skipped for document in documents)
    return build_library(pd.DataFrame([*liked, *memberships], columns=_TRACK_COLUMNS),
                         pd.DataFrame(memberships, columns=[*_TRACK_COLUMNS, *_PLAYLIST_FIELDS]),
                         pd.DataFrame(liked, columns=_TRACK_COLUMNS),
                         f"Spotify account export: {export.name}", _skipped_warnings(skipped, liked_skipped))


def _read_document(file: str, data: bytes) -> _Document:
    document = _parse_json(data, file)
    if PurePosixPath(file).name.lower() == "yourlibrary.json":
        liked, skipped = _liked_rows(file, document)
        return _Document(liked, skipped, [])
    playlists = _list_field(document, "playlists", file)
    return _Document([], 0, [_playlist(file, number, playlist) for number, playlist in enumerate(playlists, 1)])


def _membership_rows(playlists: list[_Playlist]) -> list[dict]:
    """Rows of every playlist, under names made unique."""
    rows = []
    for playlist, name in zip(playlists, unique_names([playlist.name for playlist in playlists])):
        for row in playlist.rows:
            row["playlist_id"] = row["playlist_name"] = name
        rows += playlist.rows
    return rows


def _liked_rows(file: str, document: object) -> tuple[list[dict], int]:
    """The liked songs' rows and how many entries had no Spotify track id."""
    rows, skipped = [], 0
    for number, entry in enumerate(_list_field(document, "tracks", file), 1):
        place = f"liked song {number}"
        if not isinstance(entry, dict):
            raise LibraryError(f"{place} should be an object, not {_kind(entry)}", file=file)
        track_id = _track_id(_text(entry, "uri", place, file, numbers=False))
        if not track_id:
            skipped += 1
            continue
        rows.append({"track_id": track_id, "name": _text(entry, "track", place, file),
                     "artists": _artists(_text(entry, "artist", place, file)),
                     "album": _text(entry, "album", place, file)})
    return rows, skipped


def _playlist(file: str, number: int, playlist: object) -> _Playlist:
    if not isinstance(playlist, dict):
        raise LibraryError(f"playlist {number} should be an object with a name and items, not {_kind(playlist)}",
                           file=file, column="playlists")
    name = _text(playlist, "name", f"playlist {number}", file) or "unnamed playlist"
    place = f"playlist {number} ({quoted(name)})"
    items = playlist.get("items")
    if items is not None and not isinstance(items, list):
        raise LibraryError(f"{place}: 'items' should be a list, not {_kind(items)}", file=file)
    rows = [_item_row(file, f"{place}, item {index}", item) for index, item in enumerate(items or [], 1)]
    tracks = [row for row in rows if row is not None]
    return _Playlist(name, tracks, len(rows) - len(tracks))


def _item_row(file: str, place: str, item: object) -> dict | None:
    """The item's track row; None for an episode, a local file or another item without a track id."""
    if not isinstance(item, dict):
        raise LibraryError(f"{place} should be an object, not {_kind(item)}", file=file)
    track = item.get("track")
    if track is None:
        return None
    if not isinstance(track, dict):
        raise LibraryError(f"{place}: 'track' should be an object, not {_kind(track)}", file=file)
    track_id = _track_id(_text(track, "trackUri", place, file, numbers=False))
    if not track_id:
        return None
    return {"track_id": track_id, "name": _text(track, "trackName", place, file),
            "artists": _artists(_text(track, "artistName", place, file)),
            "album": _text(track, "albumName", place, file),
            "added_at": _text(item, "addedDate", place, file, numbers=False) or None}


def _text(entry: dict, field: str, place: str, file: str, *, numbers: bool = True) -> str:
    """``entry[field]`` as text ("" when missing or null); a name that is a number reads as its digits.

    Lone surrogates become U+FFFD: later steps (hashing, saving) need valid Unicode.
    """
    value = entry.get(field)
    if value is None:
        return ""
    if isinstance(value, str):
        return value if value.isascii() else repaired(value)
    if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise LibraryError(f"{place}: '{field}' should be text, not {_kind(value)}", file=file)


def _kind(value: object) -> str:
    """What a JSON value is, for a message: ``an object``, ``the number '5'``, ``null``."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"the number {quoted(value)}"
    if isinstance(value, str):
        return f"the text {quoted(value)}"
    return "an object" if isinstance(value, dict) else "a list"


def _track_id(uri: str) -> str | None:
    match = _TRACK_URI.match(uri.strip())
    return match.group(1) if match else None


def _artists(name: str) -> tuple[str, ...]:
    # The export names one artist per track; a comma there belongs to the name ("Earth, Wind & Fire").
    return (name.strip(),) if name.strip() else ()


def _skipped_warnings(skipped: int, liked_skipped: int) -> list[Warning_]:
    found = []
    if skipped:
        found.append(Warning_("skipped_items", f"{skipped} playlist items skipped: podcast episodes, local files "
                              "and other items without a Spotify track id", skipped))
    if liked_skipped:
        found.append(Warning_("skipped_liked", f"{liked_skipped} liked songs skipped: they have no Spotify track "
                              "id", liked_skipped))
    return found


def _list_field(document: object, field: str, file: str) -> list:
    if not isinstance(document, dict):
        raise LibraryError(f"expected a JSON object with a '{field}' list, not {_kind(document)}", file=file,
                           column=field)
    value = document.get(field, [])
    if not isinstance(value, list):
        raise LibraryError(f"expected a JSON object with a '{field}' list; '{field}' is {_kind(value)}", file=file,
                           column=field)
    return value


def _is_export_file(file: ExportFile) -> bool:
    return bool(_EXPORT_FILE.match(PurePosixPath(file.name).name))


def _playlist_number(file: ExportFile) -> tuple[int, str]:
    match = _EXPORT_FILE.match(PurePosixPath(file.name).name)
    return (int(match.group(1)) if match and match.group(1) else 0), file.name


# ----- parsing ---------------------------------------------------------------------------------------
def _parse_json(data: bytes, file: str) -> object:
    """The file's JSON, strictly: no NaN or Infinity, no number too long to read, no deep nesting."""
    try:
        text = data.decode("utf-8-sig", errors="surrogatepass")   # encoded surrogates: repaired in `_text`
    except UnicodeDecodeError:
        raise LibraryError("not UTF-8 text", file=file) from None
    try:
        return strict_json.loads(text)
    except json.JSONDecodeError as error:
        raise LibraryError(f"not valid JSON (line {error.lineno}: {error.msg})", file=file) from None
    except strict_json.NestedTooDeeply:
        raise LibraryError("not an account export: its JSON is nested too deeply", file=file) from None
    except strict_json.NotStrictJson as error:
        raise LibraryError(f"not valid JSON ({error})", file=file) from None
