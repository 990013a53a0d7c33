"""The Suggestions page (Streamlit AppTest): ranked liked songs, their reasons, picks and the CSV."""

import io
import json
from dataclasses import replace

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from dashboard import results_store
from dashboard.suggestion_threshold import StoredSuggestions
from pipeline.abstention import at_threshold, threshold_for_precision
from pipeline.sources.native import save_library
from tests.test_dashboard_apptest import fresh_server, open_app, small_library, small_library_folder, wait_until  # noqa: F401

IMAGE, LINK = "![x](https://example.org/t.png)", "[click](https://example.org)"
"""Playlist names that, as Markdown, would draw an image fetched from outside, or a link."""


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


def tick(at, editor, rows: dict[int, dict]):
    """Tick boxes in the editor's rows (position -> {column: value}), as a click in the browser does."""
    at.session_state[editor.key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def picked_list(at) -> pd.DataFrame:
    """The "Picked songs" table as the user reads it: its column headers, its rows."""
    shown = next(e for e in at.main.expander if e.label == "Picked songs").dataframe[0]
    labels = {column: config.get("label", column) for column, config in column_config(shown).items()}
    return shown.value.rename(columns=labels)


def page_markdown(at) -> list[str]:
    """Every piece of Markdown the page itself draws (not the sidebar)."""
    return [e.value for kind in ("markdown", "caption", "info", "success", "warning", "error")
            for e in getattr(at.main, kind)]


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
    assert table["score"].between(0, 100).all() and table["score"].max() > 1, "percents, like every score card"
    assert (table["runner_up"] != largest["playlist_name"]).all()
    assert table["similar_tracks"].str.len().gt(0).all() and table["closest_features"].str.len().gt(0).all()
    config = column_config(at.data_editor[0])
    assert config["score"]["type_config"]["type"] == "progress"
    assert config["score"]["type_config"]["format"] == "%.1f%%", "one decimal everywhere (83.4%, not 83.43%)"
    assert config["score"]["type_config"]["max_value"] == 100
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
    picked = picked_list(at).set_index("Song")
    name = small_library().playlist_names[first_playlist]
    assert picked.loc[table.loc[tracks[0], "track_name"], "Goes to"] == name
    assert picked.loc[table.loc[tracks[1], "track_name"], "Goes to"] == table.loc[tracks[1], "runner_up"]


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
    assert (table["score"] >= threshold * 100).all() and len(table) < len(before), "shown as percents"
    held_back = fits_none_list(at)
    assert set(held_back["track_id"]) == set(stored.best.loc[stored.best["score"] < threshold, "track_id"]) & unfiled
    assert (held_back["score"] < threshold * 100).all()
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


EDITOR_WIDTH_AT_1400 = 940
"""The table's width in px in chromium at a 1400 px window: what the 300 px sidebar and the margins leave."""


def test_the_columns_a_user_acts_on_come_first_and_fit_at_1400_px(small_library_folder):
    at = suggestions_page(small_library_folder)
    editor = at.data_editor[0]
    order, config = list(editor.proto.column_order), column_config(editor)
    acted_on = order[:order.index("goes_to") + 1]
    assert {"accept", "track_name", "runner_up", "runner_up_instead"} <= set(acted_on)
    assert not {"similar_tracks", "closest_features", "furthest_features"} & set(acted_on), "long reasons after"
    assert [config[c]["label"] for c in acted_on if c in ("accept", "runner_up_instead", "goes_to")] == \
        ["Add", "Send there", "Goes to"]
    assert sum(config[c]["width"] for c in acted_on) <= EDITOR_WIDTH_AT_1400, "Send there is on screen"


def test_a_song_ticked_for_add_and_send_there_goes_to_the_runner_up_only_and_the_page_says_so(
        small_library_folder):
    at = suggestions_page(small_library_folder)
    song = at.data_editor[0].value.iloc[0]
    at = tick(at, at.data_editor[0], {0: {"accept": True, "runner_up_instead": True}})
    shown = at.data_editor[0].value.iloc[0]
    assert shown["goes_to"] == song["runner_up"], "the table says where the song goes"
    assert "Send the song to its runner-up playlist instead of" in column_config(at.data_editor[0])[
        "runner_up_instead"]["help"]
    assert any(f"**1 song picked** for 1 playlist: {song['runner_up']} (1)" in m for m in page_markdown(at))
    assert picked_list(at).to_dict("records") == [
        {"Song": song["track_name"], "Artists": song["artists"], "Goes to": song["runner_up"]}]


def test_the_picked_songs_show_song_artists_and_playlist_not_ids(small_library_folder):
    at = suggestions_page(small_library_folder)
    at = tick(at, at.data_editor[0], {0: {"accept": True}, 1: {"accept": True}})
    assert list(picked_list(at).columns) == ["Song", "Artists", "Goes to"]


def test_a_runner_up_pick_is_ranked_among_the_picks_for_the_playlist_it_goes_to(small_library_folder):
    at = suggestions_page(small_library_folder)
    table = at.data_editor[0].value
    sent = table.index[table["runner_up"] == table["runner_up"].iloc[-1]][-1]  # low in this playlist's list
    at = tick(at, at.data_editor[0], {int(sent): {"runner_up_instead": True}})
    at.button(key="suggest_spotify").click().run()
    handed_over = at.session_state["spotify_picked_suggestions"]
    rows = pd.read_csv(io.BytesIO(handed_over["csv"]))
    assert rows[["track_id", "playlist", "rank"]].to_dict("records") == [
        {"track_id": table.loc[sent, "track_id"], "playlist": table.loc[sent, "runner_up"], "rank": 1}], \
        f"not its rank {table.loc[sent, 'rank']} in the playlist it was suggested for"


def test_picks_come_back_after_a_reload(small_library_folder):
    at = suggestions_page(small_library_folder)
    tick(at, at.data_editor[0], {0: {"accept": True}, 2: {"runner_up_instead": True}})
    picked = picked_list(at)

    reloaded = open_app("suggestions", path=small_library_folder, model="logreg")  # a new browser session

    assert not reloaded.exception
    table = reloaded.data_editor[0].value
    assert table.loc[0, "accept"] and table.loc[2, "runner_up_instead"] and table.loc[2, "goes_to"]
    assert any("**2 songs picked**" in m for m in page_markdown(reloaded))
    assert picked_list(reloaded).equals(picked)


@pytest.fixture(scope="module")
def markdown_names_folder(tmp_path_factory):
    """`small_library` with two playlists named like Markdown: an outside image and a link."""
    library = small_library()
    names = {"workout": IMAGE, "party": LINK}
    memberships = library.memberships.assign(playlist_name=[
        names.get(p, n) for p, n in zip(library.memberships["playlist_id"], library.memberships["playlist_name"])])
    folder = tmp_path_factory.mktemp("markdown-names") / "library"
    save_library(replace(library, memberships=memberships), folder)
    return folder


def test_playlist_names_that_look_like_markdown_show_as_text_not_an_image_or_link(markdown_names_folder):
    at = suggestions_page(markdown_names_folder)
    assert at.selectbox(key="suggest_playlist").value == "workout"
    at = tick(at, at.data_editor[0], {0: {"accept": True}})
    at.selectbox(key="suggest_playlist").set_value("party").run()
    at = tick(at, at.data_editor[0], {0: {"accept": True}})

    summary = next(m for m in page_markdown(at) if "songs picked" in m)
    assert IMAGE not in summary and LINK not in summary
    rendered = MarkdownIt("commonmark").render(summary)
    assert "<img" not in rendered and "<a " not in rendered
    assert IMAGE in rendered and LINK in rendered, "the names read as typed"
    assert "<img" not in MarkdownIt("commonmark").render(column_config(at.data_editor[0])["accept"]["help"])
