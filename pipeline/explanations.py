"""Why a liked song is suggested for a playlist, in words a person can check.

Each (song, playlist) row gets three explanations:

* ``similar_tracks``: the k playlist tracks most like the song, as 'Artist – Title'. Likeness is
  the cosine similarity of the two tracks' encodings by the model's own fitted encode step; a
  song already in the playlist is never its own neighbour, and ties (equal to 12 decimals, so
  they do not hinge on the order a BLAS library sums in) go to the track the playlist lists first.
* ``closest_features`` / ``furthest_features``: the two audio features where the song sits
  closest to, and furthest from, the playlist's profile: ``z = |value - mean| / spread`` over
  the playlist's tracks (spread: their standard deviation, at least a tenth of the whole
  library's); a feature the song has no value for is left out. Ties go to the feature listed
  first in `EXPLAINED_FEATURES` (for the furthest: last).

Every track is encoded and described once; a playlist's members are rows sliced from that
encoding, so explaining every liked song against every playlist costs a dense (audio features)
and a sparse (artists, genres, albums) matrix product per playlist and no per-row lookups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pandas.api.extensions import ExtensionArray
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from pipeline.features import track_frame
from pipeline.fitting import ONE_BLAS_THREAD
from pipeline.library import AUDIO_FEATURES, Library, artist_names

EXPLANATION_COLUMNS = ["similar_tracks", "closest_features", "furthest_features"]
FEATURE_LABELS = {"duration_ms": "duration", "instrumentalness": "instrumental", "speechiness": "speechy",
                  "acousticness": "acoustic"}
EXPLAINED_FEATURES = [f for f in AUDIO_FEATURES if f not in ("key", "mode")]
SIMILAR_TRACKS = 3
COMMON_SHARE = 0.05
"""Encoded columns set on more than this share of tracks (audio features) multiply as a dense block."""
TIE_DECIMALS = 12
"""Cosine similarities equal to this many decimals are a tie."""


def explain(track_ids: pd.Series | np.ndarray, playlist_ids: pd.Series | np.ndarray, library: Library, encoder,
            k: int = SIMILAR_TRACKS) -> pd.DataFrame:
    """`EXPLANATION_COLUMNS`, one row per (track id, playlist id) pair in the order given;
    ``encoder`` is the fitted encode step of the model that scored them."""
    songs, song_ids = pd.factorize(np.asarray(track_ids, dtype=object))
    playlists, playlist_uniques = pd.factorize(np.asarray(playlist_ids, dtype=object))
    if not len(songs):
        return pd.DataFrame({column: pd.Series(dtype=object) for column in EXPLANATION_COLUMNS})
    members = library.memberships.groupby("playlist_id", sort=False)["track_id"].agg(list)
    tracks = EncodedTracks.of(library, encoder, pd.unique(np.concatenate(
        [song_ids, library.memberships["track_id"].to_numpy(dtype=object)])))
    song_rows = tracks.ids.get_indexer(song_ids)
    similar = np.full(len(songs), "", dtype=object)
    by_playlist = np.argsort(playlists, kind="stable")          # each playlist's rows, in the order given
    with threadpool_limits(**ONE_BLAS_THREAD):
        for code, positions in enumerate(np.split(by_playlist, np.cumsum(np.bincount(playlists))[:-1])):
            in_playlist = tracks.ids.get_indexer(members.get(playlist_uniques[code], []))
            similar[positions] = tracks.most_similar(song_rows[songs[positions]], in_playlist, k)
    closest, furthest = feature_fit(library, song_ids, songs, playlist_uniques, playlists)
    return pd.DataFrame({"similar_tracks": similar, "closest_features": closest, "furthest_features": furthest})


@dataclass(frozen=True)
class EncodedTracks:
    """Tracks encoded once: unit-length vectors in the model's space, split into the columns most
    tracks use (a dense array: one BLAS product) and the rest (sparse: artists, genres, albums),
    and 'Artist – Title' per track, all in the order of ``ids``."""

    ids: pd.Index
    common: np.ndarray          # dense, tracks x common columns
    rare: sp.csr_matrix | None  # tracks x the other columns (None when the encoding is dense)
    descriptions: np.ndarray    # of str

    @classmethod
    def of(cls, library: Library, encoder, track_ids) -> "EncodedTracks":
        ids = pd.Index(track_ids)
        vectors = normalize(encoder.transform(track_frame(library, ids)))
        if not sp.issparse(vectors):
            return cls(ids, np.asarray(vectors), None, describe(library.tracks.reindex(ids)))
        vectors = vectors.tocsr()
        common = vectors.getnnz(axis=0) > COMMON_SHARE * vectors.shape[0]
        return cls(ids, vectors[:, common].toarray(), vectors[:, ~common].tocsr(),
                   describe(library.tracks.reindex(ids)))

    def cosine(self, songs: np.ndarray, members: np.ndarray) -> np.ndarray:
        """Dense songs x members matrix of cosine similarities (rows of ``ids`` by position)."""
        similarity = self.common[songs] @ self.common[members].T
        if self.rare is not None:
            shared = (self.rare[songs] @ self.rare[members].T).tocoo()
            similarity[shared.row, shared.col] += shared.data
        # equal to 12 decimals is a tie: which track wins must not hinge on the order BLAS sums in
        return np.round(similarity, TIE_DECIMALS, out=similarity)

    def most_similar(self, songs: np.ndarray, members: np.ndarray, k: int) -> np.ndarray:
        """For each song (row position): '; '-joined descriptions of its k most similar ``members``."""
        if not len(members):
            return np.full(len(songs), "", dtype=object)
        similarity = self.cosine(songs, members)
        itself = pd.Index(members).get_indexer(songs)               # a playlist lists a track once
        in_playlist = np.flatnonzero(itself >= 0)
        similarity[in_playlist, itself[in_playlist]] = -np.inf
        best, values = top_k(similarity, k)
        return joined(self.descriptions[members[best]], np.isfinite(values), "; ")


def top_k(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the columns of its k largest values, largest first, and those values; equal values
    go to the lower column, as a stable sort would give. One pass per k instead of sorting every
    row (k is small); ``values`` is overwritten."""
    if values.shape[1] <= k:
        best = np.argsort(-values, axis=1, kind="stable")
        return best, np.take_along_axis(values, best, axis=1)
    rows = np.arange(len(values))
    best, found = np.empty((len(values), k), dtype=np.intp), np.empty((len(values), k))
    for place in range(k):
        best[:, place] = np.argmax(values, axis=1)                  # the first of equal values
        found[:, place] = values[rows, best[:, place]]
        values[rows, best[:, place]] = -np.inf
    return best, found


def describe(tracks: pd.DataFrame) -> np.ndarray:
    """'Artist, Artist – Title' per track (the title alone when no artist is known)."""
    artists = artist_names(tracks["artists"])
    return np.array([f"{by} – {title}" if by else str(title) for by, title in zip(artists, tracks["name"])],
                    dtype=object)


def joined(parts: np.ndarray, keep: np.ndarray, separator: str) -> np.ndarray:
    """Per row, the ``parts`` where ``keep`` is true, joined by ``separator``."""
    result = np.full(len(parts), "", dtype=object)
    whole = keep.all(axis=1)
    if whole.any():
        complete = parts[whole, 0]
        for column in range(1, parts.shape[1]):
            complete = complete + separator + parts[whole, column]     # no per-row lists for the collector to scan
        result[whole] = complete
    for row in np.flatnonzero(~whole):
        result[row] = separator.join(parts[row, keep[row]])
    return result


def playlist_profiles(library: Library) -> pd.DataFrame:
    """Per playlist: mean and spread of each explained audio feature."""
    features = library.tracks[EXPLAINED_FEATURES]
    joined_rows = library.memberships[["playlist_id", "track_id"]].join(features, on="track_id")
    grouped = joined_rows.groupby("playlist_id")[EXPLAINED_FEATURES]
    spread = features.std().replace(0, 1.0)
    std = grouped.std().fillna(spread).clip(lower=spread * 0.1, axis=1)  # axis: pandas 3 needs it
    return pd.concat({"mean": grouped.mean(), "std": std}, axis=1)


def feature_fit(library: Library, track_ids: np.ndarray, songs: np.ndarray, playlist_ids: np.ndarray,
                playlists: np.ndarray) -> tuple[ExtensionArray, ExtensionArray]:
    """Per row (``songs``, ``playlists``: positions in ``track_ids``, ``playlist_ids``): the two
    features where the song sits closest to, and furthest from, the playlist's profile."""
    profiles = playlist_profiles(library).reindex(playlist_ids)
    values = library.tracks[EXPLAINED_FEATURES].reindex(track_ids).to_numpy(dtype=float)[songs]
    mean = profiles["mean"].to_numpy(dtype=float)[playlists]
    spread = profiles["std"].to_numpy(dtype=float)[playlists]
    z = np.abs((values - mean) / spread)
    z = np.where(np.isnan(z), np.inf, z)
    nearest = np.argsort(z, axis=1, kind="stable")[:, :2]
    # an unknown feature is neither close nor far: it sorts last both ways
    furthest = np.argsort(np.where(np.isfinite(z), z, -np.inf), axis=1, kind="stable")[:, ::-1][:, :2]
    return _two_labels(nearest, z), _two_labels(furthest, z)


def _two_labels(features: np.ndarray, z: np.ndarray) -> ExtensionArray:
    """", "-joined labels of each row's two ``features`` (column indices), skipping those whose z is unknown."""
    labels = [FEATURE_LABELS.get(f, f) for f in EXPLAINED_FEATURES]
    none = len(labels)
    by_pair = np.array([", ".join(labels[j] for j in (first, second) if j != none)
                        for first in range(none + 1) for second in range(none + 1)], dtype=object)
    known = np.isfinite(np.take_along_axis(z, features, axis=1))
    codes = np.where(known, features, none)
    return pd.Series(by_pair).array.take(codes[:, 0] * (none + 1) + codes[:, 1])     # few strings, many rows
