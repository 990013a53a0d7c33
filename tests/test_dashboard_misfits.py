"""The Misfits page (Streamlit AppTest): songs another playlist fits better, Move or Keep, the moves CSV."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from markdown_it import MarkdownIt
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard import picks_store
from dashboard.misfit_moves import DEFAULT_MIN_CONFIDENCE
from dashboard.suggestion_picks import PICKED_SUGGESTIONS
from pipeline.sources.native import save_library
from pipeline.spotify.export import chosen_rows, read_suggestions, select_suggestions
from pipeline.library import Library
from tests.test_dashboard_apptest import fresh_server, open_app, small_library, wait_until  # noqa: F401
from tests.test_misfits import PLANTED, quiet_and_loud

IMAGE = "![x](https://example.org/t.png)"
"""A playlist name that, as Markdown, would draw an image fetched from outside."""


@pytest.fixture
def downloads(monkeypatch) -> dict[str, tuple[str, bytes]]:
    """What each download button would serve: its URL -> (file name, bytes)."""
    served: dict[str, tuple[str, bytes]] = {}
    original = MediaFileManager.add

    def add(self, data, mimetype, coordinates, file_name=None, **options):
        url = original(self, data, mimetype, coordinates, file_name=file_name, **options)
        served[url] = (file_name, data)
        return url

    monkeypatch.setattr(MediaFileManager, "add", add)
    return served


def downloaded(at, key: str, served: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
    """(file name, bytes) the download button ``key`` serves as the page stands."""
    button = next(b for b in at.get("download_button") if b.key == key)
    return served[button.proto.url]


def with_spotify_ids(library: Library) -> Library:
    """``library`` with each track id padded to Spotify's 22 characters ('party000' -> 'party00000000000000000'),
    so the export path takes its CSVs."""
    padded = {track: track.ljust(22, "0") for track in library.tracks.index}
    return replace(library, tracks=library.tracks.rename(index=padded),
                   memberships=library.memberships.assign(track_id=library.memberships["track_id"].map(padded)),
                   liked=library.liked.assign(track_id=library.liked["track_id"].map(padded)))


@pytest.fixture(scope="module")
def small_library_folder(tmp_path_factory):
    """`small_library` (four playlists, noisily apart: some two dozen misfits) with Spotify-like ids."""
    folder = tmp_path_factory.mktemp("small") / "library"
    save_library(with_spotify_ids(small_library()), folder)
    return folder


@pytest.fixture(scope="module")
def planted_folder(tmp_path_factory):
    """Two playlists apart in loudness, and one loud song filed in Quiet."""
    folder = tmp_path_factory.mktemp("planted") / "library"
    save_library(quiet_and_loud(), folder)
    return folder


def misfits_page(folder):
    at = open_app("misfits", path=folder, model="logreg", folds=3)
    at.button(key="misfits_run").click().run()
    return wait_until(at, lambda at: at.data_editor or at.main.info and not at.button(key="misfits_run"))


def choose(at, rows: dict[int, str]):
    """Choose Move or Keep in the editor's rows (position -> choice), as a click in the browser does."""
    editor = at.data_editor[0]
    at.session_state[editor.key] = {"edited_rows": {i: {"choice": c} for i, c in rows.items()},
                                    "added_rows": [], "deleted_rows": []}
    return at.run()


def page_markdown(at) -> list[str]:
    return [e.value for kind in ("markdown", "caption", "info", "success", "warning", "error")
            for e in getattr(at.main, kind)]


def test_the_page_offers_to_find_misfits_then_shows_the_planted_one_surest_first_with_its_sentence(planted_folder):
    at = open_app("misfits", path=planted_folder, model="logreg")
    assert not at.data_editor and "scored by a model trained without it" in at.info[0].value

    at = misfits_page(planted_folder)

    assert not at.exception
    top = at.data_editor[0].value.iloc[0]
    assert (top["track_id"], top["playlist"], top["better_playlist"]) == (PLANTED, "Quiet", "Loud")
    assert top["choice"] == "Keep", "moving is an active choice"
    assert top["score_there"] > 50 > top["score_here"], "shown as percents"
    assert top["similar_tracks"] and top["closest_features"]
    sentence = f"Song loud_in_ in Quiet fits Loud better ({top['score_there'] / 100:.2f} vs "
    assert any(sentence in MarkdownIt("commonmark").render(m) for m in page_markdown(at)), "read as the user sees it"
    config = json.loads(at.data_editor[0].proto.columns)
    assert config["score_there"]["type_config"]["format"] == "%.1f%%"
    assert [config[c]["label"] for c in ("choice", "playlist", "better_playlist")] == ["Choice", "In", "Fits better"]


def test_the_list_starts_at_the_default_confidence_and_filters_by_confidence_and_playlist(small_library_folder):
    at = misfits_page(small_library_folder)
    slider = at.slider(key="misfits_min_confidence")
    assert slider.value == DEFAULT_MIN_CONFIDENCE * 100 and "50%" in slider.help
    shown = at.data_editor[0].value
    assert (shown["score_there"] >= 50).all()
    assert list(shown["rank"]) == sorted(shown["rank"]), "surest first"

    slider.set_value(0).run()
    everything = at.data_editor[0].value
    assert len(everything) > len(shown)
    assert any(m.startswith(f"**{len(everything)} songs** sit in a playlist another fits better") for m in
               page_markdown(at)), "the count is of every misfit, whatever the filters"

    at.selectbox(key="misfits_playlist").set_value("party").run()
    assert set(at.data_editor[0].value["playlist"]) == {"Party"}


def test_move_choices_collect_across_filters_and_survive_a_reload(small_library_folder):
    at = misfits_page(small_library_folder)
    table = at.data_editor[0].value
    at = choose(at, {0: "Move", 2: "Move"})
    assert any("**2 moves chosen**" in m for m in page_markdown(at))
    at.selectbox(key="misfits_playlist").set_value(table.loc[1, "playlist_id"]).run()
    assert any("**2 moves chosen**" in m for m in page_markdown(at)), "kept while looking at one playlist"

    reloaded = open_app("misfits", path=small_library_folder, model="logreg")  # a new browser session

    assert not reloaded.exception
    again = reloaded.data_editor[0].value
    assert list(again["choice"][:3]) == ["Move", "Keep", "Move"]
    assert (again["choice"][3:] == "Keep").all()


def test_the_download_holds_exactly_the_moved_rows_and_the_export_reads_them_as_moves(small_library_folder,
                                                                                    downloads, tmp_path):
    at = misfits_page(small_library_folder)
    table = at.data_editor[0].value
    assert at.get("download_button")[0].proto.disabled, "nothing to move yet"
    at = choose(at, {0: "Move", 1: "Move", 3: "Move"})

    name, data = downloaded(at, "misfits_download", downloads)
    path = tmp_path / name
    path.write_bytes(data)
    frame = read_suggestions(path)

    moved = table.iloc[[0, 1, 3]]
    assert name == "misfits_moves.csv"
    assert list(zip(frame["track_id"], frame["playlist_id"])) == list(zip(moved["track_id"], moved["playlist_id"]))
    assert (frame["accepted"] == "True").all()
    target = moved.iloc[0]["better_playlist"]
    rows = chosen_rows(frame, target, file=name)
    expected = moved[moved["better_playlist"] == target]
    assert list(rows["from_playlist"]) == list(expected["playlist"]), "each row leaves its current playlist"
    assert [s.track_id for s in select_suggestions(frame, target)] == list(expected["track_id"])


def test_send_to_spotify_hands_the_moves_over_and_removes_nothing_unless_asked(small_library_folder, monkeypatch):
    for variable in ("SPOTIFY_CLIENT_ID", "SPOTIFY_ACCESS_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    at = misfits_page(small_library_folder)
    moved = at.data_editor[0].value.iloc[0]
    at = choose(at, {0: "Move"})
    remove = at.checkbox(key="misfits_remove_from_old")
    assert not remove.value and "type its name to confirm" in remove.help

    at.button(key="misfits_spotify").click().run()

    assert not at.exception and at.title[0].value == "Spotify"
    handed = at.session_state[PICKED_SUGGESTIONS]
    assert handed["from_page"] == "misfits" and handed["remove_from_old"] is False
    assert handed["playlists"] == [moved["better_playlist"]] and handed["songs"] == 1
    assert picks_store.read_handed_over()["remove_from_old"] is False, "kept on disk for a login's new session"

    at = open_app("misfits", path=small_library_folder, model="logreg")
    at.checkbox(key="misfits_remove_from_old").check().run()
    at.button(key="misfits_spotify").click().run()
    assert at.session_state[PICKED_SUGGESTIONS]["remove_from_old"] is True
    assert picks_store.read_handed_over()["remove_from_old"] is True


def test_a_playlist_named_like_markdown_shows_as_text_in_the_sentence(tmp_path):
    library = quiet_and_loud()
    memberships = library.memberships.assign(playlist_name=library.memberships["playlist_name"].replace(
        {"Quiet": IMAGE}))
    save_library(replace(library, memberships=memberships), tmp_path / "library")

    at = misfits_page(tmp_path / "library")

    sentence = next(m for m in page_markdown(at) if "The surest:" in m)
    rendered = MarkdownIt("commonmark").render(sentence)
    assert "<img" not in rendered and IMAGE in rendered
