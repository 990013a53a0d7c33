"""The Suggestions page (Streamlit AppTest): ranked liked songs, their reasons, picks and the CSV."""

import json

from dashboard import results_store
from dashboard.suggestion_threshold import StoredSuggestions
from pipeline.abstention import at_threshold, threshold_for_precision
from tests.test_dashboard_apptest import fresh_server, open_app, small_library, small_library_folder, wait_until  # noqa: F401


def suggestions_page(folder):
    at = open_app("suggestions", path=folder, model="logreg")
    at.button(key="suggest_run").click().run()
    return wait_until(at, lambda at: at.data_editor)


def column_config(editor) -> dict:
    return json.loads(editor.proto.columns)


def stored_run(at) -> StoredSuggestions:
    """What the page's task stored for the sidebar's selection."""
    selection = at.session_state["_selection"]
    path = results_store.suggestions_path(selection.fingerprint, selection.config)
    return StoredSuggestions.from_document(results_store.read_json(path))


def threshold_words(at) -> str:
    return next(m.value for m in at.markdown if "held back" in m.value or "confidence ≥" in m.value)


def fits_none_list(at):
    """The "Fits none of your playlists" tab's table, or None when it shows none."""
    tab = next(t for t in at.tabs if t.label == "Fits none of your playlists")
    return tab.dataframe[0].value if tab.dataframe else None


def test_a_playlist_shows_ranked_liked_songs_not_yet_in_it_with_reasons(small_library_folder):
    at = suggestions_page(small_library_folder)
    library = small_library()
    largest = library.playlists().iloc[0]
    assert at.selectbox(key="suggest_playlist").value == largest["playlist_id"]
    table = at.data_editor[0].value
    unfiled = set(library.liked["track_id"]) - set(library.liked_in_playlists())
    assert set(table["track_id"]) <= unfiled, "by default only liked songs in no playlist yet"
    assert len(table) == len(unfiled)
    assert list(table["rank"]) == sorted(table["rank"])
    assert list(table["score"]) == sorted(table["score"], reverse=True)
    assert table["score"].between(0, 1).all()
    assert (table["runner_up"] != largest["playlist_name"]).all()
    assert table["similar_tracks"].str.len().gt(0).all() and table["closest_features"].str.len().gt(0).all()
    config = column_config(at.data_editor[0])
    assert config["score"]["type_config"]["type"] == "progress"
    assert "Calibrated probability" in config["score"]["help"]
    assert at.download_button[0].proto.disabled, "nothing picked: nothing to download"


def test_filed_songs_can_be_included_and_songs_already_in_the_playlist_never_are(small_library_folder):
    at = suggestions_page(small_library_folder)
    at.toggle(key="suggest_unfiled").set_value(False).run()
    library = small_library()
    playlist = at.selectbox(key="suggest_playlist").value
    table = at.data_editor[0].value
    members = set(library.memberships.loc[library.memberships["playlist_id"] == playlist, "track_id"])
    assert not set(table["track_id"]) & members
    assert set(table["track_id"]) & set(library.liked_in_playlists()), "songs filed elsewhere now appear"


def test_picks_survive_switching_playlists_and_collect_for_the_download(small_library_folder):
    at = suggestions_page(small_library_folder)
    first = at.data_editor[0]
    tracks = list(first.value["track_id"])
    at.session_state[first.key] = {"edited_rows": {0: {"accept": True}, 1: {"runner_up_instead": True}},
                                   "added_rows": [], "deleted_rows": []}
    at.run()
    assert any("**2 songs picked**" in m.value for m in at.markdown)
    assert not at.download_button[0].proto.disabled
    first_playlist = at.selectbox(key="suggest_playlist").value
    at.selectbox(key="suggest_playlist").set_value("party").run()
    assert at.data_editor[0].key != first.key
    assert any("**2 songs picked**" in m.value for m in at.markdown), "picks are kept while looking elsewhere"
    at.selectbox(key="suggest_playlist").set_value(first_playlist).run()
    table = at.data_editor[0].value.set_index("track_id")
    assert table.loc[tracks[0], "accept"] and table.loc[tracks[1], "runner_up_instead"]
    picked = next(d.value for d in at.dataframe if "suggested_for" in d.value.columns).set_index("track_id")
    name = small_library().playlist_names[first_playlist]
    assert picked.loc[tracks[0], ["playlist", "suggested_for"]].tolist() == [name, name]
    assert picked.loc[tracks[1], ["playlist", "suggested_for"]].tolist() == [table.loc[tracks[1], "runner_up"], name]


def test_add_to_spotify_waits_for_picks_and_says_nothing_is_added_unconfirmed(small_library_folder):
    at = suggestions_page(small_library_folder)
    spotify = next(b for b in at.button if b.key == "suggest_spotify")
    assert spotify.disabled, "nothing picked yet"
    assert "adds nothing until you confirm" in spotify.help


def test_nothing_is_held_back_until_asked_and_the_page_says_so(small_library_folder):
    at = suggestions_page(small_library_folder)
    assert not at.toggle(key="suggest_hold_back").value
    assert at.slider(key="suggest_min_precision").proto.disabled
    words = threshold_words(at)
    precision = stored_run(at).held_out_correct.mean()
    assert words.startswith("Nothing is held back") and f"{precision:.0%} of top suggestions were right" in words
    assert fits_none_list(at) is None
    assert any("Nothing is held back. Turn on" in i.value for i in at.tabs[1].info)


def test_a_minimum_precision_holds_back_the_songs_that_fit_no_playlist(small_library_folder):
    at = suggestions_page(small_library_folder)
    before = at.data_editor[0].value
    stored = stored_run(at)
    confidence, correct = stored.held_out_confidence, stored.held_out_correct
    unfiled = set(small_library().liked["track_id"]) - set(small_library().liked_in_playlists())
    unfiled_best = stored.best.loc[stored.best["track_id"].isin(unfiled), "score"]

    def holds_some_back(percent: int) -> bool:
        threshold = threshold_for_precision(confidence, correct, percent / 100)
        return threshold is not None and (unfiled_best < threshold).any() and (stored.best["score"] >= threshold).any()

    # the user asks for the lowest precision that holds some songs back on this library, but not all
    wanted = next((percent for percent in range(50, 100, 5) if holds_some_back(percent)), None)
    assert wanted is not None, "some precision on the slider holds songs back"
    at.toggle(key="suggest_hold_back").set_value(True).run()
    at.slider(key="suggest_min_precision").set_value(wanted).run()
    threshold = threshold_for_precision(confidence, correct, wanted / 100)
    precision = at_threshold(confidence, correct, threshold)["precision"]
    coverage = (stored.best["score"] >= threshold).mean()
    assert threshold_words(at) == (
        f"Suggest only at confidence ≥ {threshold:.1%}: {precision:.0%} of suggestions were right on the "
        f"{len(confidence)} playlist songs the model had not seen; {coverage:.0%} of your liked songs get one.")

    table = at.data_editor[0].value if at.data_editor else before.iloc[:0]
    assert (table["score"] >= threshold).all() and len(table) < len(before)
    held_back = fits_none_list(at)
    assert set(held_back["track_id"]) == set(stored.best.loc[stored.best["score"] < threshold, "track_id"]) & unfiled
    assert (held_back["score"] < threshold).all()
    assert list(held_back["score"]) == sorted(held_back["score"], reverse=True), "closest first"
    song = held_back.iloc[0]
    assert song["track_id"] in set(before["track_id"]) - set(table["track_id"]), "it left the playlist's table"
    closest = stored.best.set_index("track_id").loc[song["track_id"], "playlist_id"]
    assert song["playlist"] == small_library().playlist_names[closest]
    at.selectbox(key="suggest_playlist").set_value(closest).run()
    assert not at.data_editor or song["track_id"] not in set(at.data_editor[0].value["track_id"]), \
        "not even its closest playlist suggests it"


def test_a_precision_no_threshold_reaches_holds_every_song_back_and_says_so(small_library_folder):
    at = suggestions_page(small_library_folder)
    selection = at.session_state["_selection"]
    path = results_store.suggestions_path(selection.fingerprint, selection.config)
    document = results_store.read_json(path)
    document["held_out"] = {"confidence": [0.9, 0.8, 0.7], "correct": [False, True, True]}  # never 95% right
    results_store.write_json(path, document)
    at.toggle(key="suggest_hold_back").set_value(True).run()
    at.slider(key="suggest_min_precision").set_value(95).run()
    assert threshold_words(at).startswith("No confidence threshold makes 95% of suggestions right on the 3 "
                                          "playlist songs the model had not seen, so every liked song is held back")
    unfiled = set(small_library().liked["track_id"]) - set(small_library().liked_in_playlists())
    assert not at.data_editor and set(fits_none_list(at)["track_id"]) == unfiled
    assert any("No liked songs left to suggest for" in i.value for i in at.info)


def test_suggestions_stored_in_an_older_format_are_made_again(small_library_folder):
    at = open_app("suggestions", path=small_library_folder, model="logreg")
    selection = at.session_state["_selection"]
    results_store.write_json(results_store.suggestions_path(selection.fingerprint, selection.config),
                             {"columns": ["track_id", "score"], "rows": [["t1", 0.5]]})
    at.run()
    assert not at.exception
    assert at.button(key="suggest_run"), "no half-read table: the suggestions are simply made again"
