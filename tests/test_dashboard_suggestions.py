"""The Suggestions page (Streamlit AppTest): ranked liked songs, their reasons, picks and the CSV."""

import json

from tests.test_dashboard_apptest import fresh_server, open_app, small_library, small_library_folder, wait_until  # noqa: F401


def suggestions_page(folder):
    at = open_app("suggestions", path=folder, model="logreg")
    at.button(key="suggest_run").click().run()
    return wait_until(at, lambda at: at.data_editor)


def column_config(editor) -> dict:
    return json.loads(editor.proto.columns)


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
