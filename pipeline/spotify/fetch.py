"""Read a person's library from the Spotify Web API into a `Library`.

Reads their own and collaborative playlists (``GET /me/playlists``, then each playlist's
``/items``, 50 per page), their liked songs (``GET /me/tracks``) and, where the API still
gives them, artist genres. Local files, podcast episodes and tracks no longer available are
skipped and counted in the library's warnings, and so is a playlist deleted between being
listed and being read (Spotify's 404 on its items). Every page is stored as it arrives, keyed
by the playlist's ``snapshot_id`` and offset, so an interrupted fetch resumes where it
stopped and an unchanged playlist is never downloaded twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd
from spotipy.exceptions import SpotifyException

from pipeline.library import Library, Warning_, build_library
from pipeline.spotify.client import PlaylistNotFound
from pipeline.spotify.store import JsonStore
from pipeline.paths import data_dir

logger = logging.getLogger(__name__)
PAGE_SIZE = 50
ARTISTS_PER_CALL = 50
Progress = Callable[[float, str], None]
"""``progress(fraction_done, message)``, as in `pipeline.evaluation`."""

_SKIP_MESSAGES = {
    "local": ("skipped_local_files", "{n} local file(s) skipped: only Spotify tracks can be analysed"),
    "episode": ("skipped_episodes", "{n} podcast episode(s) skipped"),
    "unavailable": ("skipped_unavailable", "{n} track(s) no longer available on Spotify skipped"),
}


def default_page_cache() -> JsonStore:
    return JsonStore(data_dir() / "spotify-pages.sqlite")


def fetch_spotify_library(client, pages: JsonStore, *, liked: bool = True, genres: bool = True,
                          progress: Progress | None = None) -> Library:
    """The signed-in user's library; raises `RateLimited`/`ServiceUnavailable` with pages kept, and
    `SpotifyRefused` when Spotify will not serve this account."""
    report = progress or (lambda fraction, message: None)
    me = client.me()
    playlists, followed = my_playlists(client, me["id"])
    steps = len(playlists) + liked + genres
    collected = _Collected()
    for done, playlist in enumerate(playlists):
        report(done / steps, f"Reading playlist '{playlist['name']}'")
        try:
            entries = list(_playlist_entries(client, pages, playlist))  # all pages, or none of them
        except PlaylistNotFound:
            logger.info("playlist %s disappeared during the fetch", playlist["id"])
            pages.delete_prefix(f"playlist:{playlist['id']}:")
            collected.disappeared += 1
            continue
        for entry in entries:
            collected.add(entry, playlist=playlist)
    if liked:
        report(len(playlists) / steps, "Reading liked songs")
        for entry in _liked_entries(client, pages, me["id"]):
            collected.add(entry)
    genre_warning = None
    if genres:
        report((steps - 1) / steps, "Reading artist genres")
        genre_warning = collected.attach_genres(client, pages)
    report(1.0, "Library read")
    warnings = collected.warnings() + ([genre_warning] if genre_warning else [])
    if followed:
        warnings.append(Warning_("skipped_followed", f"{followed} followed playlist(s) owned by someone else left "
                                 "out: only your own and collaborative playlists are read", followed))
    return collected.to_library(f"Spotify account {me.get('display_name') or me['id']}", warnings)


def my_playlists(client, user_id: str) -> tuple[list[dict], int]:
    """The user's own and collaborative playlists (summaries), and how many followed ones were left out."""
    mine, followed = [], 0
    page = client.current_user_playlists(limit=PAGE_SIZE)
    while page:
        for playlist in page["items"]:
            if playlist and (playlist.get("owner", {}).get("id") == user_id or playlist.get("collaborative")):
                mine.append(playlist)
            elif playlist:
                followed += 1
        page = client.next(page) if page.get("next") else None
    return mine, followed


def playlist_track_ids(client, playlist_id: str) -> list[str]:
    """The Spotify track ids in a playlist right now (uncached: export needs the live state)."""
    fetch = lambda offset: client.playlist_items(playlist_id, limit=PAGE_SIZE, offset=offset,
                                                 additional_types=("track", "episode"))
    ids = []
    for entry in _paged(None, "", fetch):
        track = _track_of(entry)
        if _kind(entry, track) in ("track", "unavailable") and track and track.get("id"):
            ids.append(track["id"])
    return ids


# ----- pages ---------------------------------------------------------------------------------
def _playlist_entries(client, pages: JsonStore, playlist: dict) -> Iterator[dict]:
    stamp = f"playlist:{playlist['id']}:{playlist.get('snapshot_id', '')}"
    pages.delete_prefix(f"playlist:{playlist['id']}:", keep_prefix=stamp + ":")
    fetch = lambda offset: client.playlist_items(playlist["id"], limit=PAGE_SIZE, offset=offset, market="from_token",
                                                 additional_types=("track", "episode"))
    return _paged(pages, stamp, fetch)


def _liked_entries(client, pages: JsonStore, user_id: str) -> Iterator[dict]:
    fetch = lambda offset: client.current_user_saved_tracks(limit=PAGE_SIZE, offset=offset, market="from_token")
    # Liked songs have no snapshot id: the count and the newest like's date stand in for one.
    first = fetch(0)
    newest = first["items"][0].get("added_at", "") if first["items"] else ""
    stamp = f"liked:{user_id}:{first.get('total', 0)}:{newest}"
    pages.delete_prefix(f"liked:{user_id}:", keep_prefix=stamp + ":")
    return _paged(pages, stamp, fetch, first)


def _paged(pages: JsonStore | None, stamp: str, fetch: Callable[[int], dict], first: dict | None = None):
    page = first if first is not None else _cached(pages, f"{stamp}:0", lambda: fetch(0))
    while True:
        yield from (entry for entry in page.get("items") or [] if entry)
        if not page.get("next") or not page.get("items"):
            return
        offset = int(page.get("offset", 0)) + int(page.get("limit") or PAGE_SIZE)
        page = _cached(pages, f"{stamp}:{offset}", lambda: fetch(offset))


def _cached(pages: JsonStore | None, key: str, fetch: Callable[[], dict]) -> dict:
    page = pages.get(key) if pages is not None else None
    if page is None:
        page = fetch()
        if pages is not None:
            pages.put(key, page)
    return page


# ----- entries -> tables ---------------------------------------------------------------------
def _track_of(entry: dict) -> dict | None:
    # The February 2026 API renamed a playlist entry's "track" to "item"; accept both.
    return entry.get("item") or entry.get("track")


def _kind(entry: dict, track: dict | None) -> str:
    if entry.get("is_local") or (track and track.get("is_local")):
        return "local"
    if track is None:
        return "unavailable"
    if track.get("type") == "episode" or track.get("episode") is True:
        return "episode"
    if not track.get("id") or track.get("is_playable") is False:
        return "unavailable"
    return "track"


class _Collected:
    """Tracks, memberships and likes gathered from entries, plus what was skipped."""

    def __init__(self) -> None:
        self.tracks: dict[str, dict] = {}
        self.artist_ids: dict[str, list[str]] = {}
        self.memberships: list[dict] = []
        self.liked: list[dict] = []
        self.skipped: Counter = Counter()
        self.disappeared = 0  # playlists listed, then gone (404) when their items were read

    def add(self, entry: dict, playlist: dict | None = None) -> None:
        track = _track_of(entry)
        kind = _kind(entry, track)
        if kind != "track":
            self.skipped[kind] += 1
            return
        track_id = track["id"]
        if track_id not in self.tracks:
            album = track.get("album") or {}
            self.tracks[track_id] = {
                "track_id": track_id, "name": track.get("name", ""),
                "artists": tuple(a.get("name", "") for a in track.get("artists") or []),
                "album": album.get("name", ""), "release_date": album.get("release_date", ""),
                "popularity": track.get("popularity"), "duration_ms": track.get("duration_ms"),
            }
            self.artist_ids[track_id] = [a["id"] for a in track.get("artists") or [] if a.get("id")]
        row = {"track_id": track_id, "added_at": entry.get("added_at")}
        if playlist is None:
            self.liked.append(row)
        else:
            self.memberships.append({**row, "playlist_id": playlist["id"], "playlist_name": playlist["name"]})

    def attach_genres(self, client, pages: JsonStore) -> Warning_ | None:
        """Fill genres from the artists' genres; a refusal (403/404) means no genres, not an error."""
        wanted = sorted({a for ids in self.artist_ids.values() for a in ids})
        known = {key.split(":", 1)[1]: value for key, (value, _) in
                 pages.get_many(f"artist:{a}" for a in wanted).items()}
        missing = [a for a in wanted if a not in known]
        for start in range(0, len(missing), ARTISTS_PER_CALL):
            batch = missing[start:start + ARTISTS_PER_CALL]
            try:
                answer = client.artists(batch) or {}
            except SpotifyException as error:
                if error.http_status not in (400, 403, 404):
                    raise
                logger.info("artist genres unavailable (HTTP %s)", error.http_status)
                return Warning_("no_genres", f"Spotify gave no artist genres (HTTP {error.http_status}); "
                                "genres are left empty")
            found = {a["id"]: list(a.get("genres") or []) for a in answer.get("artists") or [] if a}
            fetched = {a: found.get(a, []) for a in batch}
            pages.put_many({f"artist:{a}": genres for a, genres in fetched.items()})
            known.update(fetched)
        for track_id, row in self.tracks.items():
            row["genres"] = tuple(dict.fromkeys(g for a in self.artist_ids[track_id] for g in known.get(a, [])))
        return None

    def warnings(self) -> list[Warning_]:
        notes = [Warning_(code, message.format(n=self.skipped[kind]), self.skipped[kind])
                 for kind, (code, message) in _SKIP_MESSAGES.items() if self.skipped[kind]]
        if self.disappeared:
            n = self.disappeared
            gone = "1 playlist disappeared during the fetch and was" if n == 1 else \
                f"{n} playlists disappeared during the fetch and were"
            notes.append(Warning_("skipped_disappeared", f"{gone} skipped (deleted on Spotify, or no longer "
                                  "shared with you)", n))
        return notes

    def to_library(self, source: str, warnings: list[Warning_]) -> Library:
        return build_library(pd.DataFrame(list(self.tracks.values()), columns=["track_id", "name", "artists", "album",
                                                                                "release_date", "popularity",
                                                                                "duration_ms", "genres"]),
                             pd.DataFrame(self.memberships), pd.DataFrame(self.liked), source, warnings)


def fetch_to_folder(out: str | Path, *, features: bool = True, fresh: bool = False,
                    progress: Progress | None = None) -> Library:
    """``python -m pipeline fetch``: log in, fetch, add audio features, save with `native.save_library`."""
    from pipeline.sources import native
    from pipeline.spotify.features import FeatureCache, add_audio_features, default_providers
    from pipeline.spotify.settings import load_settings
    from pipeline.spotify.client import connect

    settings = load_settings()
    client = connect(settings)
    pages = default_page_cache()
    if fresh:
        pages.delete_prefix("")
    library = fetch_spotify_library(client, pages, progress=progress)
    if features:
        library = add_audio_features(library, default_providers(settings, client), FeatureCache.default(),
                                     progress=progress)
    native.save_library(library, Path(out))
    return library
