"""The Suggestions page's picks: kept across playlists, and exported where the user sent them."""

import pandas as pd

from dashboard.suggestion_picks import CSV_COLUMNS, picks_frame, table_for, updated_picks
from pipeline.csv_export import to_csv_bytes
from pipeline.spotify.export import read_suggestions, select_suggestions


def suggestions() -> pd.DataFrame:
    rows = []
    for playlist_id, playlist, runner_up in (("gym", "Gym", "Party"), ("chill", "Chill", "Gym")):
        for rank, (track, name, score) in enumerate((("t1", "=cmd()", 0.9), ("t2", "Song two", 0.6),
                                                     ("t3", "Song three", 0.3)), start=1):
            rows.append({"track_id": track, "track_name": name, "artists": "Someone", "playlist": playlist,
                         "playlist_id": playlist_id, "score": score, "rank": rank, "already_in_playlist": False,
                         "runner_up": runner_up, "runner_up_score": score / 2, "similar_tracks": "A – B",
                         "closest_features": "energy, tempo", "furthest_features": "valence, duration"})
    rows.append({**rows[0], "track_id": "t9", "already_in_playlist": True, "rank": 0})
    return pd.DataFrame(rows)


def test_a_playlists_table_is_ranked_and_leaves_out_songs_already_in_it():
    table = table_for(suggestions(), "gym", {})
    assert list(table["track_id"]) == ["t1", "t2", "t3"]
    assert not table["accept"].any() and not table["runner_up_instead"].any()


def test_the_table_can_be_limited_to_unfiled_songs_and_shows_earlier_picks():
    table = table_for(suggestions(), "gym", {("gym", "t2"): (True, False)}, unfiled_only={"t2", "t3"})
    assert list(table["track_id"]) == ["t2", "t3"]
    assert list(table["accept"]) == [True, False]


def test_editing_one_playlist_keeps_the_picks_of_the_others():
    picks = {("chill", "t3"): (True, False), ("gym", "t1"): (True, False)}
    edited = table_for(suggestions(), "gym", picks).assign(accept=[False, True, False],
                                                           runner_up_instead=[False, False, True])
    assert updated_picks(picks, "gym", edited) == {("chill", "t3"): (True, False), ("gym", "t2"): (True, False),
                                                   ("gym", "t3"): (False, True)}


def test_picked_songs_go_to_their_playlist_or_to_the_runner_up():
    picks = {("gym", "t1"): (True, False), ("gym", "t3"): (False, True), ("chill", "t2"): (True, False)}
    frame = picks_frame(suggestions(), picks, {"Gym": "gym", "Chill": "chill", "Party": "party"})
    assert list(frame.columns) == CSV_COLUMNS
    by_track = frame.set_index("track_id")
    assert by_track.loc["t1", ["playlist", "playlist_id", "suggested_for"]].tolist() == ["Gym", "gym", "Gym"]
    assert by_track.loc["t3", ["playlist", "playlist_id", "suggested_for"]].tolist() == ["Party", "party", "Gym"]
    assert by_track.loc["t3", "score"] == 0.15
    assert frame["accepted"].all()


def test_the_csv_is_safe_in_a_spreadsheet_and_readable_by_the_spotify_export(tmp_path):
    spotify_ids = {"t1": "4uLU6hMCjMI75M1A2tKUQC", "t2": "7ouMYWpwJ422jRcDASZB7P"}
    frame = suggestions().replace({"track_id": spotify_ids})
    picks = {("gym", spotify_ids["t1"]): (True, False), ("gym", spotify_ids["t2"]): (True, False)}
    data = to_csv_bytes(picks_frame(frame, picks, {"Gym": "gym"}))
    assert b"'=cmd()" in data
    (tmp_path / "accepted.csv").write_bytes(data)
    chosen = select_suggestions(read_suggestions(tmp_path / "accepted.csv"), "Gym")
    assert [(s.track_id, s.track_name) for s in chosen] == [(spotify_ids["t1"], "=cmd()"),
                                                             (spotify_ids["t2"], "Song two")]


def test_picks_of_songs_the_table_no_longer_shows_are_kept():
    picks = {("gym", "t3"): (True, False), ("gym", "t1"): (True, False)}
    shown = table_for(suggestions(), "gym", picks, unfiled_only={"t1", "t2"}).assign(accept=False)
    assert updated_picks(picks, "gym", shown) == {("gym", "t3"): (True, False)}, \
        "t3 was held back or hidden, not unticked"


def test_a_song_ticked_for_both_goes_to_the_runner_up_only_and_the_table_says_so():
    picks = {("gym", "t1"): (True, True), ("gym", "t2"): (True, False)}
    table = table_for(suggestions(), "gym", picks)
    assert list(table["goes_to"]) == ["Party", "Gym", ""]
    frame = picks_frame(suggestions(), picks, {"Gym": "gym", "Chill": "chill", "Party": "party"})
    assert frame[["track_id", "playlist"]].values.tolist() == [["t2", "Gym"], ["t1", "Party"]]


def test_a_runner_up_pick_is_ranked_among_the_picks_for_the_playlist_it_goes_to():
    picks = {("gym", "t3"): (False, True), ("gym", "t2"): (True, False), ("chill", "t1"): (False, True)}
    frame = picks_frame(suggestions(), picks, {"Gym": "gym", "Chill": "chill", "Party": "party"})
    ranks = {(row.playlist, row.track_id): row.rank for row in frame.itertuples()}
    assert ranks == {("Party", "t3"): 1, ("Gym", "t2"): 1, ("Gym", "t1"): 2}, \
        "t3 was third for Gym, but is Party's only pick; t1 (0.45 for Gym) ranks after t2 (0.6)"


def test_a_song_with_no_runner_up_can_only_go_to_the_playlist_it_was_suggested_for():
    table = suggestions()
    nowhere = (table["playlist_id"] == "gym") & table["track_id"].isin(["t1", "t2"])
    table.loc[nowhere, ["runner_up", "runner_up_score"]] = ["", float("nan")]  # every other playlist holds them
    picks = {("gym", "t1"): (False, True), ("gym", "t2"): (True, True)}
    shown = table_for(table, "gym", picks)
    assert list(shown["goes_to"][:2]) == ["", "Gym"]
    frame = picks_frame(table, picks, {"Gym": "gym", "Chill": "chill", "Party": "party"})
    assert list(zip(frame["track_id"], frame["playlist"], frame["playlist_id"])) == [("t2", "Gym", "gym")]
    assert frame["score"].tolist() == [0.6], "its score for the playlist it goes to"
