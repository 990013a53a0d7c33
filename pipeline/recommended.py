"""The recommended default configuration: what most users will ever see.

Chosen with ``bench/quality.py --table`` for the **worst** library's ratio to the blog's method
(MaxAbs + one-hot artist, class-weighted logistic regression), over the demo, both real
exports, ten small libraries cut from TidyTuesday, and each of those again without
loudness, duration, tempo or any audio feature (see the README's table). What each choice
bought on the two real libraries (macro-AP, track-grouped 80/20, median of 3 seeds),
starting from the blog's method (0.609 / 0.645): standard scaling + year + genres
(0.664 / 0.689), + artist|album tokens (0.664 / 0.710), class-weight power 0.5 instead of
fully balanced (0.671 / 0.716), splines on the audio features (0.674 / 0.725). The date a
song was added raised cross-validated scores but lowered the backtest on liked songs
(0.629 -> 0.567, 0.608 -> 0.591), so it stays off.

The regularisation is not fixed: calibrated fits choose logistic regression's C from
(1, 10) on their inner folds (`pipeline.models.MODELS["logreg"].per_library`). Audio-driven
libraries want the weaker penalty (TidyTuesday cuts: worst ratio 1.06 -> 1.11 with the
choice), artist-driven ones the stronger (demo, deadda7a keep C = 1). The model stays the softmax one:
one-vs-rest (`pipeline.models.OneVsRestLogistic`) fitted ~3x faster on seankmchenry but lost
0.006 macro-AP on tt02 (``bench/quality.py --table --configs default ovr``).

Catch-all playlists (liked, starred, "everything", in any language) are suggested for leaving
out (`catch_alls`): a playlist everything goes into teaches a model nothing about where a song
belongs, and it sets the baseline so high that no model beats it (one export: a playlist holding
98% of the tracks, the model 11.6 points below "always answer that one"). The user decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from pipeline.baseline import tracks_in_playlists
from pipeline.config import Encoding, RunConfig
from pipeline.library import Library

CATCH_ALL_NAMES = re.compile(
    r"liked|starred|your[ _]?top[ _]?songs|sort[ _]?needed|to[ _]?sort|unsorted|shazam|downloads?",
    re.IGNORECASE,
)
"""Names that usually mean "everything goes here"."""

CATCH_ALL_SHARE = 0.5
"""A playlist holding more than this share of all playlist tracks, or of each other playlist's
tracks on average, is a catch-all whatever its name."""


def recommended_config(seed: int = 0) -> RunConfig:
    """Half-balanced class weights, logistic regression, on audio splines, year, artist, album and genres."""
    return RunConfig(model="logreg", strategy="class_weights", encoding=Encoding(),
                     params={"class_weight_power": 0.5}, seed=seed)  # C: chosen per library (see above)


@dataclass(frozen=True)
class CatchAll:
    """A playlist suggested for leaving out, and why."""

    playlist_name: str
    share_of_tracks: float
    """Its share of all playlist tracks."""
    covers_others: float
    """The share of each other playlist's tracks it holds too, averaged over the other playlists."""
    by_name: bool

    @property
    def reason(self) -> str:
        """E.g. "holds 98% of your tracks and, on average, 97% of each of your other playlists"."""
        big, covering = self.share_of_tracks > CATCH_ALL_SHARE, self.covers_others > CATCH_ALL_SHARE
        reasons = [f"holds {self.share_of_tracks:.0%} of your tracks"] if big else []
        if covering:
            reasons.append(f"{'and' if big else 'holds'}, on average, {self.covers_others:.0%} of each of your "
                           "other playlists")
        if self.by_name:
            reasons.append("and its name looks like one" if reasons else "its name looks like a catch-all")
        return " ".join(reasons)


def catch_alls(library: Library) -> list[CatchAll]:
    """Playlists (largest first) that look like catch-alls by name (`CATCH_ALL_NAMES`), or by size
    (`CATCH_ALL_SHARE` of all tracks, or of each other playlist's tracks on average); none when
    leaving them out would leave fewer than two playlists."""
    names, _, held = tracks_in_playlists(library)
    if len(names) < 2:
        return []
    counts = held.astype(float)
    common = counts.T @ counts                      # [j, k]: tracks playlists j and k share; sizes on the diagonal
    covers = common / np.maximum(np.diag(common), 1)[None, :]
    np.fill_diagonal(covers, 0.0)
    covers_others = covers.sum(axis=1) / (len(names) - 1)
    found = [CatchAll(name, float(held[:, i].mean()), float(covers_others[i]), bool(CATCH_ALL_NAMES.search(name)))
             for i, name in enumerate(names)]
    found = [c for c in found if c.by_name or max(c.share_of_tracks, c.covers_others) > CATCH_ALL_SHARE]
    return found if len(names) - len(found) >= 2 else []
