"""The Library model: tracks, playlist membership and liked songs, validated.

Every source (demo, Exportify, long CSV, account export, Spotify) produces a
`Library`; every later step (features, models, evaluation, suggestions)
consumes one. A track may sit in several playlists, and a liked song may
already sit in playlists: membership is a table of (playlist, track) rows,
not a label per track.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable

import numpy as np
import pandas as pd

from pipeline.errors import UserError, quoted, repaired

AUDIO_FEATURES: tuple[str, ...] = (
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "duration_ms",
)
"""The twelve audio features every model may use (duration included)."""

TRACK_COLUMNS: tuple[str, ...] = (
    "name",
    "artists",
    "album",
    "release_date",
    "year",
    "popularity",
    "genres",
    *AUDIO_FEATURES,
)
MEMBERSHIP_COLUMNS: tuple[str, ...] = ("playlist_id", "playlist_name", "track_id", "added_at")
LIKED_COLUMNS: tuple[str, ...] = ("track_id", "added_at")


class LibraryError(UserError):
    """Bad input, with the place it was found: file, row (1-based, header = 1) and column."""

    def __init__(self, problem: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.problem, self.file, self.row, self.column = problem, file, row, column
        place = ", ".join(
            part for part in (
                f"{file}" if file else "",
                f"row {row}" if row is not None else "",
                f"column '{column}'" if column else "",
            ) if part
        )
        super().__init__(f"{place}: {problem}" if place else problem)


@dataclass(frozen=True)
class Warning_:
    """One validation warning: what is odd, where, and how many rows it touches."""

    code: str
    message: str
    count: int = 1

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Library:
    """A person's music library.

    Attributes
    ----------
    tracks : DataFrame indexed by ``track_id`` with `TRACK_COLUMNS`; ``artists`` and
        ``genres`` hold tuples of strings, ``year`` is a nullable integer, features are
        floats (NaN where unknown).
    memberships : DataFrame with `MEMBERSHIP_COLUMNS`, one row per (playlist, track).
    liked : DataFrame with `LIKED_COLUMNS`, one row per liked song.
    source : a short human description of where the library came from.
    warnings : what validation found odd but survivable.
    """

    tracks: pd.DataFrame
    memberships: pd.DataFrame
    liked: pd.DataFrame
    source: str = ""
    warnings: tuple[Warning_, ...] = field(default_factory=tuple)

    # ----- views -------------------------------------------------------------------
    def playlists(self) -> pd.DataFrame:
        """One row per playlist: ``playlist_id``, ``playlist_name``, ``size``; largest first."""
        return self._playlist_sizes.copy()  # a copy: the caller may change it, the library never does

    @cached_property
    def _playlist_sizes(self) -> pd.DataFrame:
        # counted once per library: every page and the sidebar ask on every redraw
        sizes = (
            self.memberships.groupby(["playlist_id", "playlist_name"], sort=False)
            .size()
            .rename("size")
            .reset_index()
        )
        return sizes.sort_values(["size", "playlist_name"], ascending=[False, True],
                                 kind="stable").reset_index(drop=True)

    @property
    def playlist_names(self) -> dict[str, str]:
        """Playlist id -> display name."""
        pairs = self.memberships.drop_duplicates("playlist_id")
        return dict(zip(pairs["playlist_id"], pairs["playlist_name"]))

    def liked_in_playlists(self) -> pd.Index:
        """Ids of liked songs that already sit in at least one playlist."""
        filed = set(self.memberships["track_id"])
        return pd.Index([t for t in self.liked["track_id"] if t in filed], name="track_id")

    def feature_coverage_by_feature(self) -> dict[str, float]:
        """Per audio feature: the share of tracks (playlist or liked) that have a value for it."""
        if self.tracks.empty:
            return {feature: 0.0 for feature in AUDIO_FEATURES}
        known = self.tracks[list(AUDIO_FEATURES)].notna().mean()
        return {feature: float(known[feature]) for feature in AUDIO_FEATURES}

    def available_features(self) -> tuple[str, ...]:
        """The audio features with a value on at least one track: what a model can use."""
        return tuple(f for f, share in self.feature_coverage_by_feature().items() if share > 0)

    def absent_features(self) -> tuple[str, ...]:
        """The audio features no track has (a column the export lacks): left out of every model."""
        return tuple(f for f, share in self.feature_coverage_by_feature().items() if share == 0)

    def feature_coverage(self) -> float:
        """Share of tracks that have every audio feature this library has (see `absent_features`)."""
        available = list(self.available_features())
        if self.tracks.empty or not available:
            return 0.0
        return float(self.tracks[available].notna().all(axis=1).mean())

    def has_features(self) -> bool:
        """Whether any track has any audio feature."""
        return bool(self.available_features())

    def learnable_inputs(self) -> tuple[str, ...]:
        """What a model can learn from here: audio features, artists, albums, release years, genres.

        Only inputs some track actually has are named; an empty tuple means nothing to learn from.
        """
        tracks = self.tracks
        found = ["audio features"] if self.has_features() else []
        found += [label for label, present in (
            ("artists", tracks["artists"].map(len).gt(0).any()),
            ("albums", tracks["album"].astype(str).str.len().gt(0).any()),
            ("release years", tracks["year"].notna().any()),
            ("genres", tracks["genres"].map(len).gt(0).any()),
        ) if present]
        return tuple(found)

    def fingerprint(self) -> str:
        """A short stable hash of the content (not the source path): keys caches and studies."""
        digest = hashlib.sha256()
        for frame in (self.memberships[["playlist_id", "track_id"]], self.liked[["track_id"]]):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        features = self.tracks[list(AUDIO_FEATURES)].sort_index()
        digest.update(np.nan_to_num(features.to_numpy(dtype=float), nan=-1e9).round(6).tobytes())
        digest.update("\0".join(features.index).encode())
        return digest.hexdigest()[:16]

    def summary(self) -> dict:
        """Plain-data summary (what ``python -m pipeline info --json`` prints)."""
        playlists = self.playlists()
        return {
            "source": self.source,
            "playlists": int(len(playlists)),
            "tracks": int(self.memberships["track_id"].nunique()),
            "tracks_total": int(len(self.tracks)),
            "memberships": int(len(self.memberships)),
            "liked": int(len(self.liked)),
            "liked_in_playlists": int(len(self.liked_in_playlists())),
            "feature_coverage": round(self.feature_coverage(), 4),
            "feature_coverage_by_feature": {f: round(v, 4) for f, v in self.feature_coverage_by_feature().items()},
            "absent_features": list(self.absent_features()),
            "largest_three_share": round(self._baseline_top3(), 4),
            "playlist_sizes": {row.playlist_name: int(row.size) for row in playlists.itertuples()},
            "fingerprint": self.fingerprint(),
            "warnings": [str(w) for w in self.warnings],
        }

    def _baseline_top3(self) -> float:
        """The share of playlist tracks the three largest playlists hold, each track once: the baseline's
        top-3, from `pipeline.baseline` itself (imported here: it builds on this module)."""
        from pipeline.baseline import library_baseline
        return library_baseline(self).top3 if len(self.memberships) else 0.0

    # ----- transformations -----------------------------------------------------------
    def exclude(self, names: Iterable[str]) -> "Library":
        """Leave out playlists by name or id (case-insensitive); unknown names raise `LibraryError`.

        A name ending in ``*`` matches by prefix (``your_top_songs_*``).
        """
        names = [n for n in names if n]
        if not names:
            return self
        keep = pd.Series(True, index=self.memberships.index)
        for name in names:
            hit = _matches(self.memberships, name)
            if not hit.any():
                known = ", ".join(sorted(self.playlist_names.values())[:12])
                raise LibraryError(f"no playlist named '{name}' to leave out (playlists: {known}, ...)")
            keep &= ~hit
        return replace(self, memberships=self.memberships[keep].reset_index(drop=True))


def artist_names(artists: Iterable) -> list[str]:
    """Each track's artists as one text ("Artist, Artist"; "" when none is known), from the
    ``artists`` column of `Library.tracks` (tuples of names)."""
    return [", ".join(names) if isinstance(names, tuple) else "" for names in artists]


def _matches(memberships: pd.DataFrame, name: str) -> pd.Series:
    wanted = name.strip().casefold()
    names = memberships["playlist_name"].str.casefold()
    ids = memberships["playlist_id"].str.casefold()
    if wanted.endswith("*"):
        return names.str.startswith(wanted[:-1]) | ids.str.startswith(wanted[:-1])
    return (names == wanted) | (ids == wanted)


# ----- building and validation ---------------------------------------------------------
def build_library(tracks: pd.DataFrame, memberships: pd.DataFrame, liked: pd.DataFrame,
                  source: str, warnings: Iterable[Warning_] = ()) -> Library:
    """Normalise the three tables, de-duplicate, and validate them into a `Library`.

    ``tracks`` needs a ``track_id`` column (or index) and any subset of `TRACK_COLUMNS`;
    missing columns are added empty. Raises `LibraryError` when the library is unusable.
    """
    found = [Warning_(w.code, repaired(w.message), w.count) for w in warnings]
    source = repaired(str(source))
    tracks = _normalise_tracks(tracks, found)
    memberships = _normalise_memberships(memberships, found)
    liked = _normalise_liked(liked, found)
    unknown = set(memberships["track_id"]) | set(liked["track_id"])
    unknown -= set(tracks.index)
    if unknown:
        raise LibraryError(f"{source or 'library'}: {len(unknown)} playlist or liked rows point at tracks with no "
                           f"track data (e.g. {quoted(sorted(unknown)[0])})")
    if memberships.empty and liked.empty:
        raise LibraryError(f"{source or 'library'}: no playlists and no liked songs found")
    if memberships.empty:
        found.append(Warning_("no_playlists", "no playlists to learn from, only liked songs: export your playlists "
                              "too (suggestions need at least two)", 1))
    found += _feature_warnings(tracks)
    return Library(tracks=tracks, memberships=memberships, liked=liked, source=source,
                   warnings=tuple(_merge_warnings(found)))


def _normalise_tracks(tracks: pd.DataFrame, found: list[Warning_]) -> pd.DataFrame:
    if "track_id" in tracks.columns:
        tracks = tracks.set_index("track_id")
    tracks = tracks.copy()
    tracks.index = tracks.index.astype(str)
    tracks.index.name = "track_id"
    for column in TRACK_COLUMNS:
        if column not in tracks.columns:
            tracks[column] = np.nan
    tracks["artists"] = tracks["artists"].map(_as_tuple)
    tracks["genres"] = tracks["genres"].map(_as_tuple)
    for column in ("name", "album", "release_date"):
        tracks[column] = _text(tracks[column].astype(object).where(tracks[column].notna(), ""))
    for column in (*AUDIO_FEATURES, "popularity"):
        numbers = pd.to_numeric(tracks[column], errors="coerce").astype(float)
        tracks[column] = numbers.where(np.isfinite(numbers))  # an 'inf' cell is as unknown as an empty one
    tracks["year"] = _plausible_years(_year_of(tracks["release_date"]).where(
        tracks["year"].isna(), pd.to_numeric(tracks["year"], errors="coerce")))
    duplicated = tracks.index.duplicated(keep="first")
    if duplicated.any():
        # The same track exported from several playlists: keep the first, fill its gaps from the rest.
        tracks = tracks.groupby(level=0, sort=False).first()
    return tracks[list(TRACK_COLUMNS)]


def _normalise_memberships(memberships: pd.DataFrame, found: list[Warning_]) -> pd.DataFrame:
    memberships = memberships.reindex(columns=list(MEMBERSHIP_COLUMNS)).copy()
    memberships["playlist_name"] = memberships["playlist_name"].astype(object).fillna(memberships["playlist_id"])
    for column in ("playlist_id", "playlist_name", "track_id"):
        memberships[column] = _text(memberships[column])
    memberships["added_at"] = _timestamps(memberships["added_at"])
    duplicated = memberships.duplicated(["playlist_id", "track_id"], keep="first")
    if duplicated.any():
        count = int(duplicated.sum())
        found.append(Warning_("duplicate_rows", f"{count} duplicate playlist {'row' if count == 1 else 'rows'} "
                              "(same track twice in one playlist) counted once", count))
    return memberships[~duplicated].reset_index(drop=True)


def _normalise_liked(liked: pd.DataFrame, found: list[Warning_]) -> pd.DataFrame:
    liked = liked.reindex(columns=list(LIKED_COLUMNS)).copy()
    liked["track_id"] = _text(liked["track_id"])
    liked["added_at"] = _timestamps(liked["added_at"])
    duplicated = liked.duplicated("track_id", keep="first")
    if duplicated.any():
        count = int(duplicated.sum())
        found.append(Warning_("duplicate_liked", f"{count} duplicate liked {'song' if count == 1 else 'songs'} "
                              "counted once", count))
    return liked[~duplicated].reset_index(drop=True)


FEATURES_HOWTO = ("add them with 'python -m pipeline features --library SOURCE --out FOLDER' "
                  "(ReccoBeats, or Spotify for older apps) or use an export that includes them")


def _feature_warnings(tracks: pd.DataFrame) -> list[Warning_]:
    """What the library lacks in audio features, what that costs, and how to get them."""
    if tracks.empty:
        return []
    known = tracks[list(AUDIO_FEATURES)].notna()
    absent = [feature for feature in AUDIO_FEATURES if not known[feature].any()]
    if len(absent) == len(AUDIO_FEATURES):
        return [Warning_("no_features", "no audio features in this library: models learn from artists, albums, "
                         "release years and genres only, which cannot tell apart playlists of similar artists "
                         f"by mood or tempo; audio features would help: {FEATURES_HOWTO}", len(tracks))]
    found = []
    if absent:
        names = ", ".join(f.removesuffix("_ms") for f in absent)
        found.append(Warning_("absent_features", f"audio features incomplete: no values at all for {names}; "
                              f"{'it is' if len(absent) == 1 else 'they are'} left out of the model, so playlists "
                              f"that differ mainly in {names} are harder to tell apart ({FEATURES_HOWTO})",
                              len(absent)))
    present = [feature for feature in AUDIO_FEATURES if feature not in absent]
    missing = ~known[present].all(axis=1)
    if missing.any():
        found.append(Warning_("missing_features", f"{int(missing.sum())} of {len(tracks)} tracks lack some audio "
                              "features; models fill each gap with the median of the training tracks and mark "
                              "it as missing", int(missing.sum())))
    return found


def _merge_warnings(found: list[Warning_]) -> list[Warning_]:
    seen: dict[str, Warning_] = {}
    for warning in found:
        seen.setdefault(warning.message, warning)
    return list(seen.values())


def _as_tuple(value) -> tuple[str, ...]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(repaired(str(v).strip()) for v in value if str(v).strip())
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    text = repaired(str(value).strip())
    return tuple(part.strip() for part in text.split(",") if part.strip()) if text else ()


def _text(values: pd.Series) -> pd.Series:
    """Every cell as a printable string (lone surrogates repaired; see `repaired`)."""
    return values.map(lambda value: repaired(str(value))).astype(str)


EARLIEST_YEAR, LATEST_YEAR = 1000, 2999


def _plausible_years(years: pd.Series) -> pd.Series:
    """Whole years in a plausible range as nullable integers; 1.5, -3 or 1e30 as unknown."""
    years = years.astype(float)
    plausible = np.isfinite(years) & (years == years.round()) & years.between(EARLIEST_YEAR, LATEST_YEAR)
    return years.where(plausible).astype("Int64")


def _year_of(release_dates: pd.Series) -> pd.Series:
    years = release_dates.astype(str).str.extract(r"^\s*(\d{4})", expand=False)
    return pd.to_numeric(years, errors="coerce")


def _timestamps(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
