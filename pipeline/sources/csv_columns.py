"""What the columns of a track CSV mean, whichever exporter wrote it.

Exportify has shipped several headers over the years (``Track URI`` or
``Track ID`` or ``Spotify ID``; ``Artist Name`` or ``Artist Name(s)``; tabs
inside the header line), and long CSVs such as TidyTuesday's use
``snake_case``. Columns are therefore mapped by meaning: a header name is
folded (case, spaces, underscores, tabs) and looked up in `COLUMN_ALIASES`.
This module also parses the cells whose format differs between exporters:
track ids, artist lists and genre lists.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Sequence

import pandas as pd

from pipeline.errors import quoted, shortened
from pipeline.library import AUDIO_FEATURES, LibraryError

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "track_id": ("track uri", "track id", "spotify id", "spotify uri", "uri", "id"),
    "name": ("track name", "name", "title", "song name", "song"),
    "artists": ("artist name(s)", "artist names", "artist name", "artists", "artist", "track artist"),
    "artist_uris": ("artist uri(s)", "artist uris", "artist uri", "artist id(s)", "artist ids", "artist id"),
    "album": ("album name", "album", "track album name"),
    "release_date": ("album release date", "release date", "track album release date"),
    "popularity": ("popularity", "track popularity"),
    "genres": ("artist genres", "genres", "genre"),
    "added_at": ("added at", "date added", "added"),
    "playlist_name": ("playlist name", "playlist"),
    "playlist_id": ("playlist id", "playlist uri"),
    "liked": ("liked", "is liked"),
    **{feature: (feature,) for feature in AUDIO_FEATURES if feature != "duration_ms"},
    "duration_ms": ("track duration (ms)", "duration (ms)", "duration ms", "duration"),
}
"""Our column name -> header names that mean it, most specific first."""

_HEADER_NAME_LIMIT = 24
"""Characters of each header name a message shows."""

TRACK_ID_HEADERS = ("Track URI", "Track ID", "Spotify ID")
"""How the id column is spelt in the exports we know (named in error messages)."""

# the prefix in any case (SPOTIFY:TRACK: exists in the wild); the id itself is case-sensitive base62
_TRACK_PREFIX = r"(?i:spotify:track:|https?://open\.spotify\.com/(?:intl-[a-z-]+/)?track/)"
_TRACK_ID = re.compile(rf"^{_TRACK_PREFIX}?([0-9A-Za-z]{{22}})(?:[?#].*)?$")
_LOOKS_LIKE_A_TRACK = re.compile(rf"^{_TRACK_PREFIX}")
_OTHER_SPOTIFY_ITEM = re.compile(r"^spotify:[a-z]+:", re.IGNORECASE)
_ESCAPED_COMMA = re.compile(r"(?<!\\),\s*")        # exportify.app: "A, B\, C" (names escape commas)
_TIGHT_COMMA = re.compile(r"(?<!\\),(?!\s)")       # exportify.net: "Earth, Wind & Fire,Ramsey Lewis"


def fold_header(name: str) -> str:
    """Fold a header name for matching: case, BOM, tabs, underscores and runs of spaces."""
    return " ".join(name.replace("\ufeff", "").replace("_", " ").casefold().split())


def map_columns(header: Sequence[str], file: str) -> dict[str, int]:
    """Our column name -> position in ``header``.

    Raises `LibraryError` when a name appears twice or no column holds track ids.
    """
    folded = [fold_header(name) for name in header]
    _reject_duplicates(header, folded, file)
    positions = {name: i for i, name in enumerate(folded) if name}
    mapping: dict[str, int] = {}
    for column, aliases in COLUMN_ALIASES.items():
        found = next((positions[alias] for alias in aliases if alias in positions), None)
        if found is not None:
            mapping[column] = found
    if "track_id" not in mapping:
        # A header of text in the wrong encoding may be one cell of kilobytes: show a short line.
        shown = ", ".join(quoted(name.strip(), _HEADER_NAME_LIMIT) for name in header[:6])
        shown += ", ..." if len(header) > 6 else ""
        raise LibraryError(f"no track id column: expected one of {', '.join(map(repr, TRACK_ID_HEADERS))} "
                           f"in the header, found {shown or 'nothing'}", file=file, row=1)
    return mapping


def _reject_duplicates(header: Sequence[str], folded: list[str], file: str) -> None:
    counts = Counter(name for name in folded if name)
    twice = [name for name in folded if counts.get(name, 0) > 1]
    if twice:
        original = header[folded.index(twice[0])].strip()
        raise LibraryError("this column name appears more than once in the header", file=file, row=1,
                           column=shortened(original))   # the quotes come with `column`


def parse_track_ids(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Spotify track ids from URIs, bare ids or open.spotify.com links.

    Returns ``(ids, kind)``: ids are NaN where the cell holds no track id; kind says why
    (``"local"`` for local files and empty cells, ``"other"`` for episodes and other
    Spotify items, ``"invalid"`` for anything else, ``""`` for a track).
    """
    # A plain loop: pandas' regex methods on Arrow strings cost ten times more here.
    parsed = [_parse_track_id(str(cell).strip()) for cell in raw.fillna("")]
    ids = pd.Series([track_id for track_id, _ in parsed], index=raw.index, dtype=object)
    kind = pd.Series([what for _, what in parsed], index=raw.index, dtype=object)
    return ids, kind


def _parse_track_id(cell: str) -> tuple[str | None, str]:
    match = _TRACK_ID.match(cell)
    if match:
        return match.group(1), ""
    if not cell or cell.lower().startswith("spotify:local:"):
        return None, "local"
    if _LOOKS_LIKE_A_TRACK.match(cell):  # a track URI with a broken id is a malformed id, not an episode
        return None, "invalid"
    return None, "other" if _OTHER_SPOTIFY_ITEM.match(cell) else "invalid"


def split_artists(names: pd.Series, uris: pd.Series | None = None) -> pd.Series:
    """Tuples of artist names from the joined cells of each exporter.

    exportify.app joins names with ", " and escapes commas inside a name as ``\\,``;
    exportify.net joins with "," and leaves "Earth, Wind & Fire" alone. When a column of
    artist URIs or ids is present its count picks the reading that fits; otherwise the
    exportify.net reading is used unless the cell holds escaped commas.
    """
    counts = _uri_counts(uris) if uris is not None else pd.Series(0, index=names.index)
    pairs = zip(names.fillna("").astype(str), counts.astype(int).tolist())
    return pd.Series([_split_artist_cell(cell, count) for cell, count in pairs], index=names.index, dtype=object)


def _uri_counts(uris: pd.Series) -> pd.Series:
    cells = uris.fillna("").astype(str).str.strip()
    return cells.str.count(",").add(1).where(cells != "", 0)


@lru_cache(maxsize=1 << 16)
def _split_artist_cell(cell: str, expected: int) -> tuple[str, ...]:
    if not cell.strip():
        return ()
    readings = [_split(cell, _ESCAPED_COMMA), _split(cell, _TIGHT_COMMA)]
    if expected:
        fitting = [reading for reading in readings if len(reading) == expected]
        return fitting[0] if fitting else readings[0]
    return readings[0] if "\\," in cell else readings[1]


def _split(cell: str, separator: re.Pattern) -> tuple[str, ...]:
    parts = (part.replace("\\,", ",").strip() for part in separator.split(cell))
    return tuple(part for part in parts if part)


def split_genres(cells: pd.Series) -> pd.Series:
    """Tuples of distinct genres from comma-joined cells (Exportify repeats them per artist)."""
    return pd.Series([_split_genre_cell(c) for c in cells.fillna("").astype(str)], index=cells.index,
                     dtype=object)


@lru_cache(maxsize=1 << 16)
def _split_genre_cell(cell: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(genre.strip() for genre in cell.split(",") if genre.strip()))
