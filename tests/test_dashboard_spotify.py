"""The Spotify page (Streamlit AppTest) against the loopback Spotify and ReccoBeats fakes."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests
from markdown_it import MarkdownIt
from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboard.markdown_text import escape_markdown
from dashboard.picks_store import write_handed_over
from dashboard.suggestion_picks import PICKED_SUGGESTIONS
from pipeline.csv_export import to_csv_bytes
from pipeline.sources import load_library
from tests.fakes.fixtures import account, private_data_dir, reccobeats, spotify, unknown_to_reccobeats  # noqa: F401
from tests.fakes.spotify_api import WRITE_SCOPE

PAGE = str(Path(__file__).resolve().parents[1] / "dashboard" / "app_pages" / "spotify.py")
ADD = r"/v1/playlists/[^/]+/items"
IMAGE = "![x](https://example.org/t.png)"
"""A playlist name that, as Markdown, would draw an image fetched from outside."""
SPOTIFY_ENV = ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "SPOTIFY_REDIRECT_URI", "SPOTIFY_ACCESS_TOKEN",
               "PLAYLIST_ENHANCER_SPOTIFY_API_URL", "PLAYLIST_ENHANCER_SPOTIFY_ACCOUNTS_URL",
               "PLAYLIST_ENHANCER_RECCOBEATS_URL")


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.secrets = {"spotify": {}}  # never the developer's own secrets.toml
    return at.run()


@pytest.fixture
def wired(monkeypatch, spotify, reccobeats):
    """Environment pointing the page at the fakes, with a ready token allowed to change playlists."""
    for name in SPOTIFY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PLAYLIST_ENHANCER_SPOTIFY_API_URL", spotify.api_url)
    monkeypatch.setenv("PLAYLIST_ENHANCER_SPOTIFY_ACCOUNTS_URL", spotify.url)
    monkeypatch.setenv("PLAYLIST_ENHANCER_RECCOBEATS_URL", reccobeats.api_url)
    monkeypatch.setenv("PLAYLIST_ENHANCER_RETRIES", "1")
    monkeypatch.setenv("PLAYLIST_ENHANCER_BACKOFF", "0.01")
    monkeypatch.setenv("PLAYLIST_ENHANCER_MAX_RETRY_AFTER", "1")
    monkeypatch.setenv("SPOTIFY_ACCESS_TOKEN", spotify.grant(WRITE_SCOPE)["access_token"])
    return spotify


@pytest.fixture
def road_trip(account):
    return next(p for p in account.playlists if p.name == "Road Trip")


@pytest.fixture
def suggestions_csv(account, road_trip) -> tuple[bytes, list[str], list[str]]:
    """A Suggestions-page download for Road Trip: (csv, 6 new track ids, 2 it already holds)."""
    holds = [t for _, t in road_trip.items if t.kind == "track" and t.playable][:2]
    new = [t for t in account.tracks().values() if t.playable and t.id not in set(road_trip.track_ids())][:6]
    picked = holds + new
    frame = pd.DataFrame({"track_id": [t.id for t in picked], "track_name": [t.name for t in picked],
                          "artists": [", ".join(n for _, n in t.artists) for t in picked],
                          "playlist": "Road Trip", "rank": range(1, len(picked) + 1), "accepted": True})
    return to_csv_bytes(frame), [t.id for t in new], [t.id for t in holds]


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def preview(at: AppTest, csv: bytes, playlist: str = "Road Trip", create: bool = False) -> AppTest:
    at.file_uploader(key="spotify_suggestions").set_value(("accepted_suggestions.csv", csv, "text/csv"))
    at.text_input(key="spotify_target").set_value(playlist)
    at.checkbox(key="spotify_create").set_value(create).run()
    return at.button(key="spotify_preview").click().run()


def confirm_and_add(at: AppTest) -> AppTest:
    at.checkbox(key="spotify_confirm").check().run()
    return at.button(key="spotify_apply").click().run()


@pytest.fixture
def port():
    """The dashboard runs on another port than Streamlit's default 8501."""
    before = config.get_option("server.port")
    config.set_option("server.port", 8765)
    yield 8765
    config.set_option("server.port", before)


@pytest.fixture
def unset(monkeypatch):
    for name in SPOTIFY_ENV:
        monkeypatch.delenv(name, raising=False)


def handed_over(csv: bytes, songs: int) -> dict:
    """What the Suggestions page's "Add to Spotify" hands over."""
    return {"name": "accepted_suggestions.csv", "csv": csv, "playlists": ["Road Trip"], "songs": songs}


def test_without_spotify_settings_the_page_explains_the_setup_for_the_port_it_runs_on(unset, port):
    at = open_page()

    assert not at.exception and not at.error
    message = texts(at.info)
    assert "Spotify is not set up" in message and "`http://127.0.0.1:8765/`" in message and "8501" not in message
    assert "`redirect_uri`" in message, "says which setting names another address"
    assert "secrets.toml" in message and "Use your own Spotify library" in message
    assert not at.button, "nothing to fetch or export without Spotify"


def test_picks_handed_over_without_spotify_settings_say_plainly_that_nothing_was_sent(unset, suggestions_csv):
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.secrets = {"spotify": {}}
    at.session_state[PICKED_SUGGESTIONS] = handed_over(suggestions_csv[0], 5)

    at.run()

    assert not at.exception and not at.success, "nothing succeeded"
    assert "Nothing was sent to Spotify" in texts(at.warning) and "5 picked songs are kept here" in texts(at.warning)
    assert "Spotify is not set up" in texts(at.info)


def test_with_a_client_id_preview_says_why_it_cannot_run_yet(monkeypatch, wired, suggestions_csv):
    token = os.environ["SPOTIFY_ACCESS_TOKEN"]
    monkeypatch.delenv("SPOTIFY_ACCESS_TOKEN")
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "test-client-id")

    at = open_page()
    assert at.button(key="spotify_preview").disabled
    assert "Log in to Spotify first" in texts(at.caption)

    monkeypatch.setenv("SPOTIFY_ACCESS_TOKEN", token)
    at.run()
    assert at.button(key="spotify_preview").disabled and "Choose a suggestions CSV first" in texts(at.caption)
    at.file_uploader(key="spotify_suggestions").set_value(("accepted.csv", suggestions_csv[0], "text/csv")).run()
    assert at.button(key="spotify_preview").disabled and "Name the playlist" in texts(at.caption)
    at.text_input(key="spotify_target").set_value("Road Trip").run()
    assert not at.button(key="spotify_preview").disabled
    assert not [c for c in at.caption if "first" in c.value]


def test_the_login_comes_back_to_the_port_the_dashboard_runs_on_unless_redirect_uri_says_otherwise(
        monkeypatch, wired, port):
    monkeypatch.delenv("SPOTIFY_ACCESS_TOKEN")
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "test-client-id")

    at = open_page()
    back = parse_qs(urlsplit(at.get("link_button")[0].proto.url).query)["redirect_uri"]
    assert back == ["http://127.0.0.1:8765/"]
    assert "http://127.0.0.1:8765/" in texts(at.caption) and "`redirect_uri`" in texts(at.caption)

    monkeypatch.setenv("SPOTIFY_REDIRECT_URI", "http://127.0.0.1:9000/")
    at = open_page()
    assert parse_qs(urlsplit(at.get("link_button")[0].proto.url).query)["redirect_uri"] == ["http://127.0.0.1:9000/"]


def test_picks_handed_over_are_still_there_in_a_new_session(wired, suggestions_csv):
    write_handed_over(handed_over(suggestions_csv[0], 8))  # "Add to Spotify", then a login in a new tab

    at = open_page()

    assert at.radio(key="spotify_use_picks").value is True
    assert "Picked on the Suggestions page (8 songs)" in at.radio(key="spotify_use_picks").options
    at.button(key="spotify_preview").click().run()
    assert "6 song(s) to add to 'Road Trip'; 2 already there" in texts(at.markdown)


def test_a_playlist_named_like_markdown_is_shown_as_text_not_an_image(wired, account, road_trip):
    road_trip.name = IMAGE
    new = [t for t in account.tracks().values() if t.playable and t.id not in set(road_trip.track_ids())][:2]
    csv = to_csv_bytes(pd.DataFrame({"track_id": [t.id for t in new], "track_name": [t.name for t in new],
                                     "artists": "Someone", "playlist": IMAGE, "rank": [1, 2], "accepted": True}))

    at = confirm_and_add(preview(open_page(), csv, IMAGE))

    assert not at.exception and not at.error
    shown = [texts(at.markdown), at.checkbox(key="spotify_confirm").label, texts(at.success)]
    for text in shown:
        assert IMAGE not in text and "<img" not in MarkdownIt("commonmark").render(text)
    assert f"'{escape_markdown(IMAGE)}'" in texts(at.success) and road_trip.track_ids()[-2:] == [t.id for t in new]


def test_the_tab_icon_ships_with_the_app(monkeypatch, wired):
    from streamlit.commands import page_config

    from tests.test_dashboard_apptest import open_app

    icons = []
    original = page_config._get_favicon_string
    monkeypatch.setattr(page_config, "_get_favicon_string", lambda icon: icons.append(original(icon)) or icons[-1])

    open_app("spotify")

    assert icons and all(icon.startswith("data:image/svg+xml;base64,") for icon in icons), \
        "the browser gets the icon in the page: nothing to fetch from a font server"


def test_with_a_client_id_but_no_login_the_page_offers_a_login_link(monkeypatch, wired):
    monkeypatch.delenv("SPOTIFY_ACCESS_TOKEN")
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "test-client-id")

    at = open_page()

    assert not at.exception and not at.error
    link = at.get("link_button")[0]
    assert link.proto.url.startswith(f"{wired.url}/authorize?") and "user-library-read" in link.proto.url
    assert "playlist-modify" not in link.proto.url, "reading asks only for read permission"
    assert at.button(key="spotify_fetch").disabled


def test_fetch_saves_a_library_the_sidebar_can_load(wired, account, private_data_dir):
    at = open_page()
    assert "Connected to Spotify" in texts(at.success)

    at.button(key="spotify_fetch").click().run()

    assert not at.exception and not at.error
    folder = private_data_dir / "spotify-library"
    message = texts(at.success)
    assert "My Spotify library" in message and str(folder) in message
    library = load_library(folder)
    own = [p for p in account.playlists if p.owner == account.user_id or p.collaborative]
    assert sorted(library.playlist_names.values()) == sorted(p.name for p in own)
    assert library.tracks["energy"].notna().sum() == len(library.tracks) - 3, "ReccoBeats features were added"


def test_a_rate_limited_fetch_is_an_error_message_not_a_traceback(wired, private_data_dir):
    wired.fail("/v1/me/playlists", 429, retry_after=3600, times=None)
    at = open_page()

    at.button(key="spotify_fetch").click().run()

    assert not at.exception
    assert "Spotify" in texts(at.error) and not (private_data_dir / "spotify-library").exists()


def test_preview_lists_the_songs_to_add_and_writes_nothing_until_confirmed(wired, suggestions_csv, road_trip):
    csv, new, holds = suggestions_csv
    before = road_trip.track_ids()

    at = preview(open_page(), csv)

    assert not at.exception and not at.error
    assert "6 song(s) to add to 'Road Trip'; 2 already there" in texts(at.markdown)
    table = at.dataframe[0].value.set_index("track_id")
    assert (table.loc[new, "action"] == "add").all() and (table.loc[holds, "action"] == "already there").all()
    assert at.checkbox(key="spotify_confirm").label == "I want to add these 6 songs to Road Trip"
    assert at.button(key="spotify_apply").disabled
    at.run()
    assert not wired.requests_to(ADD, "POST") and road_trip.track_ids() == before


def test_confirmed_songs_are_added_once_and_a_second_export_adds_nothing(wired, suggestions_csv, road_trip):
    csv, new, holds = suggestions_csv
    before = road_trip.track_ids()

    at = confirm_and_add(preview(open_page(), csv))

    assert not at.exception and not at.error
    assert "Added 6 song(s) to 'Road Trip'" in texts(at.success)
    assert road_trip.track_ids() == before + new
    assert road_trip.snapshot_id in at.code[-1].value
    assert list(at.dataframe[-1].value["track_id"]) == new

    at = preview(at, csv)
    assert "0 song(s) to add to 'Road Trip'; 8 already there" in texts(at.markdown)
    assert "Nothing to add" in texts(at.info)
    assert not [b for b in at.button if b.key == "spotify_apply"]
    counts = Counter(road_trip.track_ids())
    assert all(counts[t] == 1 for t in new + holds) and len(wired.requests_to(ADD, "POST")) == 1


def test_a_new_playlist_is_created_only_when_asked(wired, suggestions_csv, account):
    csv, new, holds = suggestions_csv

    at = preview(open_page(), csv, "Road Trip finds")
    assert "no playlist of yours is named 'Road Trip finds'" in texts(at.error) and not at.exception

    at = confirm_and_add(preview(at, csv, "Road Trip finds", create=True))

    assert "(created it)" in texts(at.success)
    created = [p for p in account.playlists if p.name == "Road Trip finds"]
    assert len(created) == 1 and created[0].track_ids() == holds + new


def test_a_failing_write_is_an_error_message_not_a_traceback(wired, suggestions_csv, road_trip):
    csv, _, _ = suggestions_csv
    before = road_trip.track_ids()
    wired.fail(ADD, 500, method="POST", times=None)

    at = confirm_and_add(preview(open_page(), csv))

    assert not at.exception
    assert "added 0 of 6 tracks to 'Road Trip'" in texts(at.error)
    assert road_trip.track_ids() == before


def test_a_file_that_is_not_a_suggestions_csv_is_named_in_the_error(wired):
    at = preview(open_page(), b"name,artist\nx,y\n")

    assert not at.exception
    assert "accepted_suggestions.csv" in texts(at.error) and "track_id" in texts(at.error)


def test_the_page_is_in_the_app_navigation(wired):
    from tests.test_dashboard_apptest import open_app

    at = open_app("spotify")

    assert not at.exception and not at.error
    assert at.title[0].value == "Spotify" and "Connected to Spotify" in texts(at.success)


def test_a_read_only_login_previews_but_asks_for_permission_before_writing(monkeypatch, wired, suggestions_csv):
    monkeypatch.delenv("SPOTIFY_ACCESS_TOKEN")
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "test-client-id")
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.secrets = {"spotify": {}}
    at.session_state["spotify_token"] = {**wired.grant(), "expires_at": int(time.time()) + 3600}

    at = preview(at.run(), suggestions_csv[0])

    assert not at.exception and not at.error
    assert "6 song(s) to add to 'Road Trip'" in texts(at.markdown)
    link = at.get("link_button")[0]
    assert "playlist-modify-private" in link.proto.url
    assert not [b for b in at.button if b.key == "spotify_apply"] and not wired.requests_to(ADD, "POST")


def test_the_login_link_comes_back_logged_in_and_the_code_leaves_the_address(monkeypatch, wired):
    monkeypatch.delenv("SPOTIFY_ACCESS_TOKEN")
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "test-client-id")
    at = open_page()
    consent = requests.get(at.get("link_button")[0].proto.url, allow_redirects=False, timeout=5)
    back = parse_qs(urlsplit(consent.headers["Location"]).query)
    at.query_params["code"], at.query_params["state"] = back["code"][0], back["state"][0]

    at.run()

    assert not at.exception and not at.error
    assert "Connected to Spotify in this session" in texts(at.success)
    assert "code" not in at.query_params and "state" not in at.query_params
    assert not at.button(key="spotify_fetch").disabled


def test_a_stale_login_link_says_to_log_in_again(monkeypatch, wired):
    monkeypatch.delenv("SPOTIFY_ACCESS_TOKEN")
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "test-client-id")
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.secrets = {"spotify": {}}
    at.query_params["code"], at.query_params["state"] = "code-1", "unknown-state"

    at.run()

    assert not at.exception and "log in again" in texts(at.error)
    assert at.get("link_button"), "a fresh login link is offered"


def test_a_fetched_library_opens_from_the_sidebar_and_picked_suggestions_go_back_to_spotify(wired, account,
                                                                                              road_trip):
    from tests.test_dashboard_apptest import chart, open_app, wait_until

    at = open_app()
    at.sidebar.radio(key="source").set_value("spotify").run()
    assert "fetch your library on the **Spotify** page" in texts(at.info), "nothing fetched yet"
    at.switch_page("app_pages/spotify.py").run()
    at.button(key="spotify_fetch").click().run()
    at.button(key="spotify_open_library").click().run()
    assert not at.exception and at.title[0].value == "Your library"
    assert "Road Trip" in json.dumps(chart(at, "sizes_chart")), "the fetched playlists are drawn"
    assert at.sidebar.radio(key="source").value == "spotify"

    at.switch_page("app_pages/suggestions.py").run()
    at.button(key="suggest_run").click().run()
    at = wait_until(at, lambda at: at.data_editor)
    at.selectbox(key="suggest_playlist").set_value(road_trip.id).run()
    editor = at.data_editor[0]
    picked = list(editor.value["track_id"][:2])
    at.session_state[editor.key] = {"edited_rows": {0: {"accept": True}, 1: {"accept": True}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="suggest_spotify").click().run()

    assert not at.exception and at.title[0].value == "Spotify"
    at.switch_page("app_pages/spotify.py").run()  # AppTest reruns the page it opened; a browser follows the URL
    assert at.radio(key="spotify_use_picks").value is True
    assert at.selectbox(key="spotify_picked_target").value == "Road Trip"
    at.button(key="spotify_preview").click().run()
    assert "2 song(s) to add to 'Road Trip'" in texts(at.markdown)
    assert not wired.requests_to(ADD, "POST"), "nothing is added before the user confirms"
    before = road_trip.track_ids()
    at = confirm_and_add(at)
    assert road_trip.track_ids() == before + picked


def test_a_fetch_refused_for_the_account_says_what_to_do_not_a_traceback(wired, private_data_dir):
    wired.fail("/v1/me", 403, times=None)
    at = open_page()

    at.button(key="spotify_fetch").click().run()

    assert not at.exception
    message = texts(at.error)
    assert "Spotify refused this account (HTTP 403 on /me)" in message and "User Management" in message
    assert not (private_data_dir / "spotify-library").exists()


def test_a_playlist_deleted_during_the_fetch_is_left_out_with_a_warning(wired, road_trip, private_data_dir):
    wired.delete_when_listed(road_trip.id)
    at = open_page()

    at.button(key="spotify_fetch").click().run()

    assert not at.exception and not at.error
    assert "1 playlist disappeared during the fetch and was skipped" in texts(at.warning)
    assert "Road Trip" not in load_library(private_data_dir / "spotify-library").playlist_names.values()


def test_a_preview_refused_by_spotify_is_an_error_message(wired, suggestions_csv):
    wired.fail("/v1/me/playlists", 400, times=None)

    at = preview(open_page(), suggestions_csv[0])

    assert not at.exception
    assert "request for your playlists as invalid (HTTP 400" in texts(at.error)


def test_a_target_playlist_deleted_after_the_preview_is_named_in_the_error(wired, suggestions_csv, account,
                                                                           road_trip):
    at = preview(open_page(), suggestions_csv[0])
    account.playlists.remove(road_trip)  # deleted in another app while the preview was open

    at = confirm_and_add(at)

    assert not at.exception
    assert "the playlist 'Road Trip' is not on Spotify any more" in texts(at.error)
    assert not wired.requests_to(ADD, "POST")


# ----- moves from the Misfits page: add, then (only if asked) remove from the old playlist ----------
REMOVE = r"/v1/playlists/[^/]+/items"


@pytest.fixture
def gym(account):
    return next(p for p in account.playlists if p.name == "Gym Bangers")


@pytest.fixture
def moves_csv(gym, road_trip) -> tuple[bytes, list[str]]:
    """A Misfits-page download: two Gym Bangers songs that fit Road Trip better (csv, their track ids)."""
    songs = [t for _, t in gym.items if t.kind == "track" and t.playable and t.id not in set(road_trip.track_ids())]
    songs = [songs[4], songs[10]]
    frame = pd.DataFrame({"accepted": True, "rank": [1, 2], "track_id": [t.id for t in songs],
                          "track_name": [t.name for t in songs], "artists": "Someone", "playlist": gym.name,
                          "playlist_id": gym.id, "score_here": 0.05, "better_playlist": road_trip.name,
                          "better_playlist_id": road_trip.id, "score_there": 0.8, "margin": 0.75})
    return to_csv_bytes(frame), [t.id for t in songs]


def hand_over_moves(csv: bytes, remove_from_old: bool) -> None:
    """What the Misfits page's "Send to Spotify" hands over."""
    write_handed_over({"name": "misfits_moves.csv", "csv": csv, "playlists": ["Road Trip"], "songs": 2,
                       "from_page": "misfits", "create": False, "remove_from_old": remove_from_old})


def removal_widget(at: AppTest, kind, prefix: str):
    found = [w for w in kind if (w.key or "").startswith(prefix)]
    return found[0] if found else None


def test_moves_are_only_added_when_removal_is_not_asked_for(wired, moves_csv, gym, road_trip):
    csv, moved = moves_csv
    hand_over_moves(csv, remove_from_old=False)
    before = gym.track_ids()

    at = open_page()
    assert "Moves chosen on the Misfits page (2 songs)" in at.radio(key="spotify_use_picks").options
    assert at.checkbox(key="spotify_remove_from_old").value is False, "off unless the user asked for it"
    at = confirm_and_add(at.button(key="spotify_preview").click().run())

    assert not at.exception and not at.error
    assert road_trip.track_ids()[-2:] == moved and gym.track_ids() == before
    assert removal_widget(at, at.text_input, "spotify_removal_confirm") is None
    assert not wired.requests_to(REMOVE, "DELETE")


def test_removal_waits_for_the_typed_playlist_name_is_logged_and_undone(wired, moves_csv, gym, road_trip,
                                                                        private_data_dir):
    csv, moved = moves_csv
    hand_over_moves(csv, remove_from_old=True)
    before = gym.track_ids()

    at = open_page()
    assert at.checkbox(key="spotify_remove_from_old").value is True, "as the Misfits page handed it over"
    at = at.button(key="spotify_preview").click().run()
    assert removal_widget(at, at.button, "spotify_removal_apply") is None, "nothing offered before the add"
    at = confirm_and_add(at)
    assert road_trip.track_ids()[-2:] == moved

    preview_table = next(d.value for d in at.dataframe if "positions" in d.value.columns)
    assert list(preview_table["track_id"]) == moved
    assert list(preview_table["positions"]) == [str(before.index(t) + 1) for t in moved]
    remove = removal_widget(at, at.button, "spotify_removal_apply")
    assert remove.disabled and "Type **Gym Bangers** below to confirm" in texts(at.markdown)
    confirm = removal_widget(at, at.text_input, "spotify_removal_confirm")
    assert confirm.label == "Type the playlist name to confirm"
    confirm.set_value("Gym").run()
    assert removal_widget(at, at.button, "spotify_removal_apply").disabled
    assert not wired.requests_to(REMOVE, "DELETE") and gym.track_ids() == before, "nothing removed before"

    removal_widget(at, at.text_input, "spotify_removal_confirm").set_value("gym bangers ").run()
    removal_widget(at, at.button, "spotify_removal_apply").click().run()

    assert not at.exception and not at.error
    assert gym.track_ids() == [t for t in before if t not in moved]
    log = [json.loads(line) for line in (private_data_dir / "spotify-exports.jsonl").read_text().splitlines()]
    entry = next(e for e in log if e["event"] == "removed")
    message = texts(at.success)
    assert f"Logged as entry `{entry['entry']}`" in message and entry["snapshot_id"] in message
    assert entry["snapshot_id"] == gym.snapshot_id

    removal_widget(at, at.button, "spotify_removal_undo").click().run()

    assert not at.exception and not at.error
    assert gym.track_ids() == before, "every song back at its place"
    assert "Undone: put 2 song(s) back in 'Gym Bangers'" in texts(at.success)
    assert removal_widget(at, at.button, "spotify_removal_undo") is None, "undone once"


def test_a_failing_removal_is_an_error_message_with_its_undo_not_a_traceback(wired, moves_csv, gym):
    csv, moved = moves_csv
    hand_over_moves(csv, remove_from_old=True)
    before = gym.track_ids()
    at = confirm_and_add(open_page().button(key="spotify_preview").click().run())
    wired.fail(REMOVE, 503, method="DELETE", times=None)

    removal_widget(at, at.text_input, "spotify_removal_confirm").set_value("Gym Bangers").run()
    removal_widget(at, at.button, "spotify_removal_apply").click().run()

    assert not at.exception
    assert "removed 0 of 2 track(s) from 'Gym Bangers'" in texts(at.error)
    assert gym.track_ids() == before
    removal_widget(at, at.button, "spotify_removal_undo").click().run()
    assert not at.exception and gym.track_ids() == before, "nothing to put back twice"


def test_a_proposed_playlist_handed_over_is_previewed_as_new_and_created_once_confirmed(wired, account, road_trip):
    new = [t for t in account.tracks().values() if t.playable and t.id not in set(road_trip.track_ids())][:3]
    csv = to_csv_bytes(pd.DataFrame({"proposal": 1, "playlist": "Folk finds", "rank": [1, 2, 3],
                                     "track_id": [t.id for t in new], "track_name": [t.name for t in new],
                                     "artists": "Someone", "typical": True, "accepted": True}))
    write_handed_over({"name": "new-playlist-folk-finds.csv", "csv": csv, "playlists": ["Folk finds"], "songs": 3,
                       "from_page": "new_playlists", "create": True, "remove_from_old": False})

    at = open_page()
    assert "A new playlist from the New playlists page (3 songs)" in at.radio(key="spotify_use_picks").options
    assert at.checkbox(key="spotify_picked_create").value is True
    assert not [c for c in at.checkbox if c.key == "spotify_remove_from_old"], "nothing to remove from"
    at = at.button(key="spotify_preview").click().run()
    assert "3 song(s) to add to a new private playlist 'Folk finds'" in texts(at.markdown)
    assert not [p for p in account.playlists if p.name == "Folk finds"], "nothing created before the confirmation"

    at = confirm_and_add(at)

    created = [p for p in account.playlists if p.name == "Folk finds"]
    assert len(created) == 1 and created[0].track_ids() == [t.id for t in new]
    assert "(created it)" in texts(at.success)
