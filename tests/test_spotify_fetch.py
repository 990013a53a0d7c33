"""Fetching a library from Spotify: the real Spotipy client against a loopback Spotify with faults."""

from __future__ import annotations

import pytest

from pipeline.spotify.retry import RateLimited, ServiceUnavailable
from pipeline.sources import native
from pipeline.spotify.fetch import fetch_spotify_library
from pipeline.spotify.auth import SpotifyLoginExpired
from pipeline.spotify.settings import SpotifySettings
from pipeline.spotify.client import SpotifyRefused, connect
from tests.fakes.fixtures import (POLICY, account, cli_env, client, client_of, pages, private_data_dir, reccobeats, run_cli,
                                  session, settings, spotify, unknown_to_reccobeats)
from tests.fakes.spotify_api import FakeSpotify

ITEMS = r"/v1/playlists/[^/]+/items"


def expected_playlists(account) -> dict[str, set[str]]:
    """What the user should see: each own or collaborative playlist's analysable tracks."""
    return {p.name: {t.id for _, t in p.items if t.kind == "track" and t.playable}
            for p in account.playlists if p.owner == account.user_id or p.collaborative}


def playlists_of(library) -> dict[str, set[str]]:
    return {name: set(group["track_id"]) for name, group in library.memberships.groupby("playlist_name")}


def page_requests(fake) -> list[tuple[str, str]]:
    """The pages the fake served (path, offset), in order."""
    served = [r for r in fake.requests if r.status == 200 and (r.path == "/v1/me/tracks" or r.path.endswith("/items"))]
    return [(r.path, r.query.get("offset", "0")) for r in served]


def test_a_full_fetch_reads_every_playlist_and_liked_song_and_counts_what_it_skips(client, pages, spotify, account):
    seen = []
    library = fetch_spotify_library(client, pages, progress=lambda fraction, message: seen.append(fraction))

    assert playlists_of(library) == expected_playlists(account)
    assert sum(len(ids) for ids in playlists_of(library).values()) == 250
    liked = [t.id for _, t in account.liked if t.playable]
    assert list(library.liked["track_id"]) == liked  # newest like first, as Spotify lists them
    codes = {w.code: w.count for w in library.warnings}
    assert codes["skipped_local_files"] == 1 and codes["skipped_episodes"] == 1
    assert codes["skipped_unavailable"] == 2  # one in a playlist, one among liked songs
    assert codes["skipped_followed"] == 1
    followed = next(p for p in account.playlists if p.owner != account.user_id)
    assert not spotify.requests_to(f"/v1/playlists/{followed.id}/items")
    some = next(iter(account.tracks().values()))
    row = library.tracks.loc[some.id]
    assert row["name"] == some.name and row["duration_ms"] == some.duration_ms
    assert row["artists"] == tuple(name for _, name in some.artists)
    assert row["genres"] == tuple(dict.fromkeys(g for a, _ in some.artists for g in account.genres[a]))
    assert all(r.query["limit"] == "50" for r in spotify.requests_to(ITEMS))
    assert len(page_requests(spotify)) == len(set(page_requests(spotify)))  # no page read twice
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_older_response_field_names_are_read_the_same(pages, account, session):
    with FakeSpotify(account, legacy_shapes=True) as old_api:
        library = fetch_spotify_library(client_of(old_api, session), pages)
    assert playlists_of(library) == expected_playlists(account)


def test_an_unchanged_playlist_is_not_downloaded_again(client, pages, spotify, account):
    fetch_spotify_library(client, pages)
    first = len(spotify.requests_to(ITEMS))
    road_trip = account.playlist(next(p.id for p in account.playlists if p.name == "Road Trip"))
    newly_liked = next(t for _, t in account.liked if t.name == "Song l0")
    road_trip.items.append(("2026-02-01T00:00:00Z", newly_liked))
    road_trip.version += 1  # Spotify gives the changed playlist a new snapshot id

    library = fetch_spotify_library(client, pages)

    again = spotify.requests_to(ITEMS)[first:]
    assert {r.path for r in again} == {f"/v1/playlists/{road_trip.id}/items"}
    assert newly_liked.id in playlists_of(library)["Road Trip"]


def test_a_500_on_page_7_that_outlasts_the_retries_keeps_what_was_fetched_and_the_next_run_resumes(
        client, pages, spotify, account):
    road_trip = next(p for p in account.playlists if p.name == "Road Trip")
    seventh = f"/v1/playlists/{road_trip.id}/items"  # pages: 3 + 2 for the first two playlists, then this one
    spotify.fail(seventh, 500, times=None, query={"offset": "50"})

    with pytest.raises(ServiceUnavailable, match="progress is saved") as stopped:
        fetch_spotify_library(client, pages)

    assert stopped.value.attempts == POLICY.retries + 1
    assert len(spotify.requests_to(seventh)) == 1 + POLICY.retries + 1
    before = page_requests(spotify)
    spotify.clear_faults()
    library = fetch_spotify_library(client, pages)
    resumed = page_requests(spotify)[len(before):]
    assert [p for p in resumed if p[0].startswith("/v1/playlists")] == [(seventh, "50")]
    assert playlists_of(library) == expected_playlists(account)


def test_a_short_retry_after_is_waited_out(client, pages, spotify, account):
    spotify.fail("/v1/me/playlists", 429, retry_after=1)

    library = fetch_spotify_library(client, pages)

    asked = spotify.requests_to("/v1/me/playlists")
    assert [r.status for r in asked] == [429, 200]
    assert asked[1].at - asked[0].at >= 1.0
    assert playlists_of(library) == expected_playlists(account)


@pytest.mark.timeout(30)
def test_a_retry_after_of_two_hours_stops_at_once_with_a_clear_message_and_resumes_later(
        client, pages, spotify, account):
    spotify.fail("/v1/me/tracks", 429, retry_after=7200, query={"offset": "50"})

    with pytest.raises(RateLimited) as stopped:
        fetch_spotify_library(client, pages)

    assert str(stopped.value).startswith("Spotify asks us to wait 120 minutes; progress is saved")
    assert len(spotify.requests_to("/v1/me/tracks")) == 2  # page one, then the refused page: never retried
    fetched = len(spotify.requests_to(ITEMS))
    spotify.clear_faults()
    library = fetch_spotify_library(client, pages)
    assert len(spotify.requests_to(ITEMS)) == fetched  # every playlist page came from the saved pages
    assert len(library.liked) == len([t for _, t in account.liked if t.playable])


def test_an_access_token_expiring_mid_run_is_refreshed_once_and_the_call_repeated(client, pages, spotify, account,
                                                                                   session):
    old_token = session["spotify_token"]["access_token"]
    spotify.expire_access_tokens(after_requests=4)

    library = fetch_spotify_library(client, pages)

    assert len(spotify.requests_to("/api/token", "POST")) == 1
    statuses = [r.status for r in spotify.requests if r.path.startswith("/v1/")]
    assert statuses.count(401) == 1 and statuses[statuses.index(401) + 1] == 200
    assert session["spotify_token"]["access_token"] != old_token
    assert playlists_of(library) == expected_playlists(account)
    assert len(page_requests(spotify)) == len(set(page_requests(spotify)))


def test_server_errors_dropped_connections_and_slow_answers_are_retried(session, pages, spotify, account):
    client = client_of(spotify, session, timeout=0.5)
    spotify.fail("/v1/me/playlists", 503, times=2)
    spotify.fail("/v1/me", 0)  # connection dropped without an answer
    spotify.fail(ITEMS, None, delay=1.5, query={"offset": "50"})  # slower than the client's timeout

    library = fetch_spotify_library(client, pages)

    assert [r.status for r in spotify.requests_to("/v1/me/playlists")] == [503, 503, 200]
    assert [r.status for r in spotify.requests_to("/v1/me")][-1] == 200
    assert playlists_of(library) == expected_playlists(account)


def test_artist_genres_refused_by_the_api_leave_genres_empty_without_failing(pages, account, session):
    with FakeSpotify(account, artists_status=403) as no_genres:
        library = fetch_spotify_library(client_of(no_genres, session), pages)
    assert library.tracks["genres"].map(len).sum() == 0
    assert "no_genres" in {w.code for w in library.warnings}
    assert playlists_of(library) == expected_playlists(account)


def test_a_rejected_static_access_token_asks_for_a_fresh_one(spotify, pages):
    client = connect(SpotifySettings(access_token="not-a-token-spotify-knows", api_url=spotify.api_url),
                     policy=POLICY)
    with pytest.raises(SpotifyLoginExpired, match="log in again.*SPOTIFY_ACCESS_TOKEN"):
        fetch_spotify_library(client, pages)


def test_cli_fetch_saves_a_library_that_later_runs_read_without_network(spotify, reccobeats, account, tmp_path,
                                                                          unknown_to_reccobeats):
    token = spotify.grant()["access_token"]
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=token)

    done = run_cli("fetch", "--out", str(tmp_path / "mine"), env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Saved 3 playlists" in done.stdout and "feature coverage" in done.stdout
    assert token not in done.stdout + done.stderr
    library = native.load_saved_library(tmp_path / "mine")
    assert playlists_of(library) == expected_playlists(account)
    assert library.tracks[["energy", "tempo"]].notna().all(axis=1).sum() == len(library.tracks) - 3
    assert spotify.requests_to("/v1/audio-features")[0].status == 403  # a new app: ReccoBeats filled in


# ----- Spotify refusing a read (4xx other than 401 and 429) ----------------------------------------
@pytest.mark.parametrize("path", ["/v1/me", "/v1/me/tracks"])
def test_a_403_for_the_account_says_to_add_it_under_user_management(client, pages, spotify, session, path):
    spotify.fail(path, 403, times=None)

    with pytest.raises(SpotifyRefused) as refused:
        fetch_spotify_library(client, pages)

    message = str(refused.value)
    assert refused.value.status == 403 and f"HTTP 403 on {path[3:]}" in message
    assert "User Management" in message and "Premium" in message and "docs/spotify.md" in message
    assert "\n" not in message and session["spotify_token"]["access_token"] not in message


def test_a_400_on_the_playlist_list_is_a_clear_error(client, pages, spotify):
    spotify.fail("/v1/me/playlists", 400, times=None, body={"error": {"status": 400, "message": "Bad request"}})

    with pytest.raises(SpotifyRefused, match=r"request for your playlists as invalid \(HTTP 400: Bad request\)"):
        fetch_spotify_library(client, pages)


def test_a_playlist_deleted_before_its_items_are_read_is_skipped_and_counted(client, pages, spotify, account):
    road_trip = next(p for p in account.playlists if p.name == "Road Trip")
    expected = {name: ids for name, ids in expected_playlists(account).items() if name != "Road Trip"}
    spotify.delete_when_listed(road_trip.id)

    library = fetch_spotify_library(client, pages)

    assert [r.status for r in spotify.requests_to(f"/v1/playlists/{road_trip.id}/items")] == [404]
    assert playlists_of(library) == expected
    gone = next(w for w in library.warnings if w.code == "skipped_disappeared")
    assert gone.count == 1 and gone.message.startswith("1 playlist disappeared during the fetch and was skipped")


def test_a_playlist_deleted_between_two_of_its_pages_leaves_none_of_its_songs(client, pages, spotify, account):
    road_trip = next(p for p in account.playlists if p.name == "Road Trip")
    second_page = f"/v1/playlists/{road_trip.id}/items"
    spotify.fail(second_page, 404, times=None, query={"offset": "50"})

    library = fetch_spotify_library(client, pages)

    assert "Road Trip" not in playlists_of(library)
    assert "skipped_disappeared" in {w.code for w in library.warnings}
    assert not pages.get(f"playlist:{road_trip.id}:{road_trip.snapshot_id}:0"), "its saved pages are forgotten"


def test_cli_fetch_refused_for_the_account_is_one_line_saying_what_to_do(spotify, reccobeats, tmp_path):
    token = spotify.grant()["access_token"]
    spotify.fail("/v1/me", 403, times=None)
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=token)

    done = run_cli("fetch", "--out", str(tmp_path / "mine"), env=env, cwd=tmp_path)

    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if not line.startswith("[")]  # not the progress lines
    assert len(errors) == 1 and errors[0].startswith("error: Spotify refused this account (HTTP 403 on /me)")
    assert "User Management" in errors[0] and "Traceback" not in done.stderr
    assert token not in done.stdout + done.stderr and not (tmp_path / "mine").exists()


def test_cli_fetch_says_a_playlist_disappeared_and_saves_the_rest(spotify, reccobeats, account, tmp_path):
    road_trip = next(p for p in account.playlists if p.name == "Road Trip")
    expected = {name: ids for name, ids in expected_playlists(account).items() if name != "Road Trip"}
    spotify.delete_when_listed(road_trip.id)
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=spotify.grant()["access_token"])

    done = run_cli("fetch", "--out", str(tmp_path / "mine"), "--no-features", env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Saved 2 playlists" in done.stdout
    assert "warning: 1 playlist disappeared during the fetch and was skipped" in done.stdout
    assert playlists_of(native.load_saved_library(tmp_path / "mine")) == expected


def test_cli_features_refused_by_spotify_is_one_line(spotify, reccobeats, tmp_path):
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=spotify.grant()["access_token"])
    fetched = run_cli("fetch", "--out", str(tmp_path / "mine"), "--no-features", env=env, cwd=tmp_path)
    assert fetched.returncode == 0, fetched.stderr
    spotify.fail("/v1/audio-features", 400, times=None)

    done = run_cli("features", "--library", str(tmp_path / "mine"), "--out", str(tmp_path / "more"), "--spotify",
                   env=env, cwd=tmp_path)

    assert done.returncode == 2 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if not line.startswith("[")]
    assert errors == ["error: Spotify refused GET /audio-features (HTTP 400: injected fault); see docs/spotify.md "
                      "for what Spotify allows an app"]
