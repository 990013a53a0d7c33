"""Holding back songs that fit none of the playlists: the threshold comes from held-out songs,
and the page's words carry its numbers."""

import numpy as np
import pandas as pd
import pytest

from dashboard.suggestion_threshold import (StoredSuggestions, fits_none, suggested, threshold_for,
                                            threshold_sentence)
from pipeline.abstention import at_threshold, threshold_for_precision
from pipeline.suggest import COLUMNS

# ten held-out playlist tracks, most confident first: right, right, right, right, wrong, right, ...
CONFIDENCE = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
CORRECT = np.array([1, 1, 1, 1, 0, 1, 0, 1, 0, 0], dtype=bool)


def stored(confidence=CONFIDENCE, correct=CORRECT) -> StoredSuggestions:
    """Four liked songs whose best playlists score 0.9, 0.65, 0.55 and 0.3."""
    best = pd.DataFrame({"track_id": ["t1", "t2", "t3", "t4"], "track_name": ["One", "Two", "Three", "Four"],
                         "artists": ["A"] * 4, "playlist_id": ["gym", "gym", "chill", "chill"],
                         "playlist": ["Gym", "Gym", "Chill", "Chill"], "score": [0.9, 0.65, 0.55, 0.3]})
    table = pd.DataFrame([{**dict.fromkeys(COLUMNS, ""), "track_id": t, "playlist_id": p, "score": s, "rank": 1,
                           "already_in_playlist": False}
                          for t, p, s in zip(best["track_id"], best["playlist_id"], best["score"])])
    return StoredSuggestions(table, best, np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool))


def test_a_minimum_precision_gives_the_lowest_confidence_whose_held_out_suggestions_reach_it():
    threshold = threshold_for(stored(), 0.8)
    assert threshold.value == threshold_for_precision(CONFIDENCE, CORRECT, 0.8) == 0.6
    assert threshold.precision == at_threshold(CONFIDENCE, CORRECT, 0.6)["precision"] == pytest.approx(5 / 6)
    assert threshold.coverage == 0.5, "two of the four liked songs reach 0.6"
    assert threshold_sentence(stored(), threshold) == (
        "Suggest only at confidence ≥ 60.0%: 83% of suggestions were right on the 10 playlist songs the model "
        "had not seen; 50% of your liked songs get one.")


def test_songs_below_the_threshold_leave_the_table_and_fit_none():
    threshold = threshold_for(stored(), 0.8)
    assert list(suggested(stored().table, threshold)["track_id"]) == ["t1", "t2"]
    held_back = fits_none(stored(), threshold)
    assert list(held_back["track_id"]) == ["t3", "t4"], "closest first"
    assert list(held_back["playlist"]) == ["Chill", "Chill"]


def test_without_a_minimum_precision_nothing_is_held_back():
    assert threshold_for(stored(), None) is None
    assert len(suggested(stored().table, None)) == 4 and fits_none(stored(), None).empty
    assert threshold_sentence(stored(), None) == (
        "Nothing is held back: every liked song gets its best playlist suggested. Without a threshold, 60% of "
        "top suggestions were right on the 10 playlist songs the model had not seen.")


def test_a_precision_every_suggestion_reaches_holds_nothing_back_and_says_so():
    threshold = threshold_for(stored(), 0.5)
    assert (threshold.value, threshold.coverage) == (0.0, 1.0)
    assert fits_none(stored(), threshold).empty
    assert threshold_sentence(stored(), threshold).startswith("Every confidence already reaches 50%: 60% of")


def test_an_unreachable_precision_holds_every_song_back_and_says_so_plainly():
    wrong_at_the_top = stored(correct=~CORRECT)
    threshold = threshold_for(wrong_at_the_top, 0.9)
    assert threshold.value is None and threshold.coverage == 0.0
    assert suggested(wrong_at_the_top.table, threshold).empty
    assert len(fits_none(wrong_at_the_top, threshold)) == 4
    assert threshold_sentence(wrong_at_the_top, threshold).startswith(
        "No confidence threshold makes 90% of suggestions right on the 10 playlist songs the model had not seen, "
        "so every liked song is held back.")
    nothing_held_out = stored(confidence=[], correct=[])
    assert "no held-out playlist songs" in threshold_sentence(nothing_held_out, threshold_for(nothing_held_out, 0.8))


def test_the_stored_document_comes_back_whole_and_an_older_one_is_refused():
    document = stored().to_document()
    again = StoredSuggestions.from_document(document)
    pd.testing.assert_frame_equal(again.best, stored().best)
    assert list(again.table.columns) == COLUMNS
    assert again.held_out_correct.dtype == bool and list(again.held_out_confidence) == list(CONFIDENCE)
    older = {"columns": document["table"]["columns"], "rows": document["table"]["rows"]}
    with pytest.raises(KeyError):
        StoredSuggestions.from_document(older)
