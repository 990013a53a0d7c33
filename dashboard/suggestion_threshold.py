"""What the Suggestions page needs to hold songs back live, and the threshold's words (no Streamlit).

The suggestions task fits once and stores a `StoredSuggestions`: per playlist its best liked
songs (no threshold), per liked song its best playlist and calibrated score, and the top
choices of held-out playlist tracks (scored by models that never saw them). Asking for a
minimum precision then needs no refit: `threshold_for` reads the lowest confidence whose
held-out suggestions were right that often (`pipeline.abstention`), and songs whose best
score is below it fit none of the playlists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.results_store import frame_document, frame_from_document
from pipeline.abstention import at_threshold
from pipeline.library import artist_names
from pipeline.suggest import COLUMNS, Threshold, lowest_suggested_score, threshold_from

BEST_COLUMNS = ["track_id", "track_name", "artists", "playlist_id", "playlist", "score"]


@dataclass(frozen=True)
class StoredSuggestions:
    """One stored suggestions run.

    ``table``: per playlist its best liked songs not in it (`pipeline.suggest.COLUMNS`), unthresholded.
    ``best``: per liked song (`BEST_COLUMNS`) its best playlist and that calibrated score.
    ``held_out_confidence`` / ``held_out_correct``: per held-out playlist track, the top choice's
    calibrated score and whether that playlist holds it.
    """

    table: pd.DataFrame
    best: pd.DataFrame
    held_out_confidence: np.ndarray
    held_out_correct: np.ndarray

    @classmethod
    def from_scored(cls, scored, library, table: pd.DataFrame) -> "StoredSuggestions":
        """From `pipeline.suggest.ScoredLikedSongs` and the table made from it."""
        scores = scored.scores
        tracks = library.tracks.reindex(scores.index)
        best_ids = scores.idxmax(axis=1)  # ties go to the first playlist, as the table's ranks do
        best = pd.DataFrame({
            "track_id": scores.index, "track_name": tracks["name"].to_numpy(),
            "artists": artist_names(tracks["artists"]),
            "playlist_id": best_ids.to_numpy(), "playlist": best_ids.map(library.playlist_names).to_numpy(),
            "score": scores.max(axis=1).to_numpy(dtype=float)})
        return cls(table, best, np.asarray(scored.held_out_confidence, dtype=float),
                   np.asarray(scored.held_out_correct, dtype=bool))

    def to_document(self) -> dict:
        return {"table": frame_document(self.table), "best": frame_document(self.best),
                "held_out": {"confidence": self.held_out_confidence.tolist(),
                             "correct": self.held_out_correct.tolist()}}

    @classmethod
    def from_document(cls, document: dict) -> "StoredSuggestions":
        """Raises KeyError for a document of an older format (without best scores or held-out tracks)."""
        table = frame_from_document(document["table"], COLUMNS)
        best = frame_from_document(document["best"], BEST_COLUMNS)
        held_out = document["held_out"]
        confidence, correct = held_out["confidence"], held_out["correct"]
        if len(confidence) != len(correct):
            raise ValueError("held-out confidence and correctness differ in length")
        return cls(table, best, np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool))


def threshold_for(stored: StoredSuggestions, min_precision: float | None) -> Threshold | None:
    """The lowest confidence whose held-out suggestions were right ``min_precision`` of the time,
    with that precision and the share of liked songs that still get a suggestion; None: nothing
    is held back. An unreachable precision gives ``value`` None: every song is held back."""
    return threshold_from(stored.held_out_confidence, stored.held_out_correct, stored.best["score"],
                          min_precision=min_precision)


def suggested(table: pd.DataFrame, threshold: Threshold | None) -> pd.DataFrame:
    """The rows of ``table`` (a ``score`` column) at or above the threshold."""
    return table[table["score"] >= lowest_suggested_score(threshold)]


def fits_none(stored: StoredSuggestions, threshold: Threshold | None) -> pd.DataFrame:
    """Liked songs whose best score is below the threshold (`BEST_COLUMNS`), closest first."""
    held_back = stored.best[stored.best["score"] < lowest_suggested_score(threshold)]
    return held_back.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def unthresholded_precision(stored: StoredSuggestions) -> float | None:
    """How often the top choice was right on held-out tracks when every song gets a suggestion."""
    return at_threshold(stored.held_out_confidence, stored.held_out_correct, 0.0)["precision"]


def threshold_sentence(stored: StoredSuggestions, threshold: Threshold | None) -> str:
    """The threshold and what it costs, in the user's words and numbers."""
    held_out = len(stored.held_out_confidence)
    if threshold is None:
        precision = unthresholded_precision(stored)
        measured = (f" Without a threshold, {precision:.0%} of top suggestions were right on the {held_out:,} "
                    "playlist songs the model had not seen." if precision is not None else "")
        return "Nothing is held back: every liked song gets its best playlist suggested." + measured
    if not held_out:
        return ("There were no held-out playlist songs to measure precision on, so no threshold can be chosen "
                "and every liked song is held back.")
    if threshold.value is None:
        return (f"No confidence threshold makes {threshold.min_precision:.0%} of suggestions right on the "
                f"{held_out:,} playlist songs the model had not seen, so every liked song is held back. "
                "Ask for a lower precision.")
    right = (f"{threshold.precision:.0%} of suggestions were right on the {held_out:,} playlist songs the model "
             "had not seen")
    if threshold.value == 0.0:
        return (f"Every confidence already reaches {threshold.min_precision:.0%}: {right}, so nothing is held "
                f"back and {threshold.coverage:.0%} of your liked songs get a suggestion.")
    return (f"Suggest only at confidence ≥ {threshold.value:.1%}: {right}; "
            f"{threshold.coverage:.0%} of your liked songs get one.")


