"""Fits none of your playlists: a threshold picked for a precision delivers it where it was picked,
costs coverage honestly, and never suggests more as it rises."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.abstention import at_threshold, precision_coverage, threshold_for_precision

scores = st.lists(st.tuples(st.floats(0.0, 1.0, allow_nan=False), st.booleans()), min_size=1, max_size=200)


@settings(max_examples=300, deadline=None)
@given(scores, st.floats(0.05, 1.0))
def test_the_picked_threshold_reaches_the_precision_on_the_songs_it_was_picked_from(pairs, wanted):
    confidence, correct = map(np.array, zip(*pairs))
    threshold = threshold_for_precision(confidence, correct, wanted)
    if threshold is None:
        # unreachable: no cut of the ranking, however strict, is right that often
        order = np.argsort(-confidence)
        assert all(correct[order][:k].mean() < wanted for k in range(1, len(order) + 1)
                   if k == len(order) or confidence[order][k - 1] > confidence[order][k])
    else:
        kept = confidence >= threshold
        assert kept.any() and correct[kept].mean() >= wanted - 1e-12
        # and it is the lowest such threshold: one step lower lets in a song that spoils it
        lower = confidence[confidence < threshold]
        if len(lower):
            assert correct[confidence >= lower.max()].mean() < wanted


@settings(max_examples=200, deadline=None)
@given(scores)
def test_a_higher_threshold_never_raises_coverage(pairs):
    confidence, correct = map(np.array, zip(*pairs))
    coverage = [row["coverage"] for row in precision_coverage(confidence, correct)]
    assert coverage == sorted(coverage, reverse=True)


def test_when_every_song_is_right_often_enough_nothing_is_held_back():
    confidence = np.array([0.9, 0.2, 0.6, 0.4])
    assert threshold_for_precision(confidence, np.array([True, True, False, True]), 0.7) == 0.0


def test_a_precision_no_cut_reaches_holds_everything_back():
    confidence, correct = np.array([0.9, 0.8, 0.3]), np.array([False, True, True])
    assert threshold_for_precision(confidence, correct, 0.9) is None
    assert at_threshold(confidence, correct, None) == {"threshold": None, "precision": None, "coverage": 0.0}


def test_songs_tied_with_the_threshold_are_all_in_or_all_out():
    confidence = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    correct = np.array([True, True, False, False, True])
    # all five: 3 of 5 right; down to the 0.5s: 2 of 4; only the 0.9: 1 of 1. A 70% request stops above
    # the ties rather than taking one of them.
    assert threshold_for_precision(confidence, correct, 0.7) == 0.9
    assert threshold_for_precision(confidence, correct, 0.6) == 0.0
    assert at_threshold(confidence, correct, 0.5) == {"threshold": 0.5, "precision": 0.5, "coverage": 0.8}


def test_the_curve_reads_like_the_sentence_on_the_page():
    confidence = np.array([0.95, 0.85, 0.75, 0.35, 0.15])
    correct = np.array([True, True, False, True, False])
    curve = {row["threshold"]: row for row in precision_coverage(confidence, correct, (0.0, 0.5, 0.9, 0.99))}
    assert curve[0.0] == {"threshold": 0.0, "precision": 0.6, "coverage": 1.0}
    assert curve[0.5]["precision"] == 2 / 3 and curve[0.5]["coverage"] == 0.6
    assert curve[0.9] == {"threshold": 0.9, "precision": 1.0, "coverage": 0.2}
    assert curve[0.99] == {"threshold": 0.99, "precision": None, "coverage": 0.0}
