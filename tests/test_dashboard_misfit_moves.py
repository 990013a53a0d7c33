"""The Misfits page's table and choices, without Streamlit: Keep unless chosen Move, the moves CSV."""

from __future__ import annotations

import pandas as pd

from dashboard.misfit_moves import (CSV_COLUMNS, KEEP, MOVE, known_moves, moves_frame, moves_summary,
                                    playlists_with_misfits, shown_misfits, table_for, updated_moves)
from pipeline.misfits import COLUMNS


def misfits() -> pd.DataFrame:
    """Four misfits, surest first: s1 sits in Gym and in Chill, both times Late Night fits better."""
    rows = [("s1", "gym", "Gym", "night", "Late Night", 0.04, 0.71),
            ("s2", "gym", "Gym", "party", "Party", 0.1, 0.6),
            ("s1", "chill", "Chill", "night", "Late Night", 0.3, 0.71),
            ("s3", "chill", "Chill", "gym", "Gym", 0.2, 0.3)]
    frame = pd.DataFrame(rows, columns=["track_id", "playlist_id", "playlist", "better_playlist_id", "better_playlist",
                                        "score_here", "score_there"])
    frame = frame.assign(margin=frame["score_there"] - frame["score_here"], rank=range(1, 5),
                         track_name=[f"Song {t}" for t in frame["track_id"]], artists="Band", similar_tracks="x",
                         closest_features="energy", furthest_features="tempo")
    return frame[COLUMNS]


def test_only_misfits_whose_better_playlist_reaches_the_confidence_are_shown_surest_first():
    shown = shown_misfits(misfits().iloc[::-1], 0.5)
    assert list(zip(shown["track_id"], shown["playlist_id"])) == [("s1", "gym"), ("s2", "gym"), ("s1", "chill")]
    assert list(shown_misfits(misfits(), 0.5, "chill")["track_id"]) == ["s1"]


def test_every_misfit_is_kept_until_chosen_move_and_a_song_is_decided_in_each_playlist():
    table = table_for(misfits(), {("s1", "chill")})
    assert list(table["choice"]) == [KEEP, KEEP, MOVE, KEEP]


def test_choices_in_an_edited_table_replace_its_rows_and_keep_the_others():
    moves = {("s3", "chill"), ("s2", "gym")}
    edited = table_for(shown_misfits(misfits(), 0.5, "gym"), moves).assign(choice=[MOVE, KEEP])
    assert updated_moves(moves, edited) == {("s1", "gym"), ("s3", "chill")}


def test_the_moves_csv_holds_the_moved_rows_only_accepted_and_surest_first():
    moves = {("s3", "chill"), ("s1", "gym")}
    frame = moves_frame(misfits(), moves)
    assert list(frame.columns) == CSV_COLUMNS and frame["accepted"].all()
    assert list(zip(frame["track_id"], frame["playlist_id"])) == [("s1", "gym"), ("s3", "chill")]
    assert moves_frame(misfits(), set()).empty


def test_the_summary_counts_songs_per_pair_of_playlists():
    frame = moves_frame(misfits(), {("s1", "gym"), ("s2", "gym"), ("s1", "chill")})
    assert moves_summary(frame) == [("Gym", "Late Night", 1), ("Gym", "Party", 1), ("Chill", "Late Night", 1)]
    assert playlists_with_misfits(misfits()) == [("gym", "Gym", 2), ("chill", "Chill", 2)]


def test_stored_moves_that_are_no_longer_misfits_are_forgotten():
    assert known_moves({("s1", "gym"), ("gone", "gym")}, misfits()) == {("s1", "gym")}
