"""Encodings: how a track becomes a feature vector (scikit-learn `ColumnTransformer`s).

A model sees a *track frame*: one row per (track, moment) with the twelve audio
features, the release year, the artists and genres (tuples of strings) and the
day it was added. `build_encoder` turns an `Encoding` into the transformer that
maps such a frame to a matrix.
"""

from __future__ import annotations

from itertools import chain
from typing import Iterable

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (FunctionTransformer, MaxAbsScaler, RobustScaler, SplineTransformer,
                                   StandardScaler)

from sklearn.utils.validation import check_is_fitted

from pipeline.config import ConfigError, Encoding
from pipeline.library import AUDIO_FEATURES, Library

FRAME_COLUMNS: tuple[str, ...] = (*AUDIO_FEATURES, "year", "artists", "genres", "album", "added_days")


def track_frame(library: Library, track_ids: Iterable[str], added_at: Iterable | None = None) -> pd.DataFrame:
    """The model input for these tracks, in this order (ids may repeat).

    ``added_at`` gives, per row, when the track was added (to the playlist for
    training rows, to the liked songs for the songs we score); it feeds the
    optional added-date feature.
    """
    ids = pd.Index(list(track_ids), name="track_id")
    tracks = library.tracks.reindex(ids)
    frame = tracks[list(AUDIO_FEATURES)].astype(float).reset_index(drop=True)
    frame["year"] = tracks["year"].astype("Float64").astype(float).to_numpy()
    frame["artists"] = _tuples(tracks["artists"])
    frame["genres"] = _tuples(tracks["genres"])
    frame["album"] = _album_tokens(tracks)
    frame["added_days"] = _days(added_at, len(ids))
    return frame


def build_encoder(encoding: Encoding, library: Library | None = None) -> ColumnTransformer:
    """The `ColumnTransformer` for an `Encoding`: audio features (+ year, added date) scaled,
    artists one-hot or hashed, genres multi-hot.

    With a ``library``, numeric columns no track has a value for are left out (an export without
    ``loudness``), and columns missing on some tracks get a missing-indicator beside their imputed
    value. Raises `ConfigError` when the encoding leaves nothing to learn from.
    """
    numeric = numeric_columns(encoding, library)
    blocks: list[tuple] = []
    if numeric:
        blocks.append(("audio", _numeric_block(encoding.scaler, encoding.splines), numeric))
        if library is not None and library.tracks.reindex(columns=numeric).isna().to_numpy().any():
            # a column per feature ("all"), even where a training fold has no gap: an empty block would
            # break the sparse stack, and the shape must not depend on which tracks a fold drew
            blocks.append(("missing", MissingIndicator(features="all", sparse=True), numeric))
    if encoding.artist == "onehot":
        blocks.append(("artist", MultiHot(), "artists"))
    elif encoding.artist == "hashing":
        blocks.append(("artist", _hashed(encoding.artist_buckets), "artists"))
    if encoding.genres:
        blocks.append(("genres", MultiHot(), "genres"))
    if encoding.album:
        blocks.append(("album", MultiHot(), "album"))
    if not blocks:
        raise ConfigError("nothing to learn from: this library has no audio features or release years, and the "
                          "encoding leaves out artists, albums and genres (turn one of them on)")
    return ColumnTransformer(blocks, remainder="drop", sparse_threshold=0.3)


def numeric_columns(encoding: Encoding, library: Library | None = None) -> list[str]:
    """The numeric inputs of an encoding: audio features, then year and added date if asked for;
    with a ``library``, only those some track has a value for."""
    numeric = list(AUDIO_FEATURES) + (["year"] if encoding.year else []) + (
        ["added_days"] if encoding.added_at else [])
    if library is None:
        return numeric
    present = set(library.available_features())
    present |= {"year"} if library.tracks["year"].notna().any() else set()
    present |= {"added_days"} if library.memberships["added_at"].notna().any() else set()
    return [column for column in numeric if column in present]


def _numeric_block(scaler: str, splines: bool = False):
    scaling = {"maxabs": MaxAbsScaler(), "robust": RobustScaler(), "standard": StandardScaler(),
               "none": FunctionTransformer(feature_names_out="one-to-one")}
    steps = [SimpleImputer(strategy="median", keep_empty_features=True), scaling[scaler]]
    if splines:
        # playlists are often ranges ("quiet", "fast"): splines let a linear model see bumps, not only slopes
        steps.append(SplineTransformer(n_knots=5, degree=3, knots="quantile", extrapolation="constant"))
    return make_pipeline(*steps)


def tokens(values: tuple[str, ...]) -> list[str]:
    """Analyzer for tuple cells: each artist or genre is one token (module level so it pickles)."""
    return [value.casefold() for value in values]


class MultiHot(TransformerMixin, BaseEstimator):
    """Multi-hot columns for tuple cells (artists, genres, albums), one per token seen in ``fit``.

    Unlike `CountVectorizer`, a library where the column is empty everywhere (no genres in the
    export) gives one all-zero column instead of an error; tokens unseen in training map to nothing.

    Like `CountVectorizer`, its input is one column of cells (a sequence, Series or one-column
    frame of tuples of strings), not a numeric matrix; its tags say so, which is why scikit-learn's
    estimator checks, all built on numeric matrices, skip it.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Each token (casefolded) seen in `fit` and its column, in sorted order.
    """

    def fit(self, X, y=None) -> "MultiHot":
        uniques, _, _ = _factorized_tokens(_cells(X))
        vocabulary = sorted({token.casefold() for token in uniques})
        self.vocabulary_ = {token: i for i, token in enumerate(vocabulary)}
        return self

    def transform(self, X) -> sp.csr_matrix:
        check_is_fitted(self, "vocabulary_")
        cells = _cells(X)
        # per distinct token, not per cell: a million liked songs share a few thousand artists
        uniques, codes, lengths = _factorized_tokens(cells)
        column_of = np.array([self.vocabulary_.get(token.casefold(), -1) for token in uniques], dtype=np.int64)
        columns = column_of[codes]
        rows = np.repeat(np.arange(len(cells)), lengths)
        known = columns >= 0
        encoded = sp.csr_matrix((np.ones(int(known.sum())), (rows[known], columns[known])),
                                shape=(len(cells), max(len(self.vocabulary_), 1)))
        encoded.sum_duplicates()
        encoded.data[:] = 1.0  # a token twice in one cell ("Björk", "BJÖRK") is still one
        return encoded

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False
        return tags


def _cells(X) -> list:
    return list(X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X)


def _factorized_tokens(cells: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct tokens of all cells, each token's code into them (cells flattened in order),
    and each cell's length."""
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    flat = np.fromiter(chain.from_iterable(cells), dtype=object, count=int(lengths.sum()))
    codes, uniques = pd.factorize(flat)
    return np.asarray(uniques, dtype=object), codes, lengths


def _hashed(buckets: int) -> HashingVectorizer:
    return HashingVectorizer(analyzer=tokens, n_features=int(buckets), alternate_sign=False,
                             norm=None, binary=True, lowercase=False, dtype=np.float64)


def _tuples(values: pd.Series) -> list[tuple[str, ...]]:
    return [value if isinstance(value, tuple) else () for value in values.to_numpy(dtype=object)]


def _album_tokens(tracks: pd.DataFrame) -> list[tuple[str, ...]]:
    """One token per (first artist, album): "Greatest Hits" alone would join unrelated albums."""
    albums = tracks["album"].fillna("").to_numpy(dtype=object)  # one conversion: arrow strings iterate slowly
    return [(f"{artists[0] if isinstance(artists, tuple) and artists else ''}|{album}",) if album else ()
            for artists, album in zip(tracks["artists"].to_numpy(dtype=object), albums)]


def _days(added_at: Iterable | None, length: int) -> np.ndarray:
    if added_at is None:
        return np.full(length, np.nan)
    stamps = pd.to_datetime(pd.Series(list(added_at)), utc=True, errors="coerce")
    epoch = pd.Timestamp("2000-01-01", tz="UTC")
    return ((stamps - epoch).dt.total_seconds() / 86400.0).to_numpy(dtype=float, na_value=np.nan)
