"""What the Spotify page does, without the widgets: settings, login links, fetching, exporting and the
removal of moved songs from their old playlists."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, MutableMapping

import pandas as pd

from dashboard.picks_store import MISFITS, NEW_PLAYLISTS, SUGGESTIONS
from pipeline.errors import UserError
from pipeline.spotify.export import ExportPlan, Suggestion, is_misfits_file, read_suggestions, select_suggestions
from pipeline.spotify.moves import plans_for_moved_misfits
from pipeline.spotify.removal import RemovalPlan
from pipeline.library import Library
from pipeline.paths import fetched_library_dir
from pipeline.spotify.features import FeatureCache, add_audio_features, default_providers
from pipeline.sources.native import save_library
from pipeline.spotify.fetch import default_page_cache, fetch_spotify_library
from pipeline.spotify.auth import SessionTokenCache, SpotifyNotConfigured, has_login, start_login
from pipeline.spotify.client import ResilientSpotify, connect
from pipeline.spotify.settings import SpotifySettings, load_settings

REMOVE_FROM_OLD = "spotify_remove_from_old"
"""Session key of the Spotify page's "also remove them from their current playlist" (misfits only)."""
LOGIN_LINK_SECONDS = 10 * 60
"""A login link is reused for this long; `start_login` forgets its state after 15 minutes."""
Progress = Callable[[float, str], None]


def redirect_uri_for(port: int) -> str:
    """This dashboard's own address on ``port``: where Spotify sends the browser back after a login
    unless the ``redirect_uri`` setting says otherwise."""
    return f"http://127.0.0.1:{port}/"


def configured_settings(secrets: Mapping[str, Any] | None, port: int) -> SpotifySettings:
    """Settings from the environment over ``secrets`` (None: Streamlit found no secrets file), with this
    dashboard on ``port`` as the redirect URI unless one is set; raises `SpotifyNotConfigured` without a
    client id or token."""
    settings = load_settings({"redirect_uri": redirect_uri_for(port), **(secrets or {})})
    if not settings.client_id and not settings.access_token:
        raise SpotifyNotConfigured()
    return settings


def preview_blocker(logged_in: bool, has_songs: bool, playlist: str) -> str | None:
    """Why the export preview cannot run yet, as what to do first; None when it can."""
    if not logged_in:
        return "Log in to Spotify first (under Connection above): the preview looks your playlists up."
    if not has_songs:
        return "Choose a suggestions CSV first: the Suggestions page's download, or pick songs there."
    if not playlist:
        return "Name the playlist to add the songs to first."
    return None


def is_logged_in(settings: SpotifySettings, session: MutableMapping[str, Any], scopes: tuple[str, ...]) -> bool:
    """A ready access token counts as logged in (its scopes are Spotify's business); else the session's login."""
    return bool(settings.access_token) or has_login(SessionTokenCache(session), scopes)


def login_link(settings: SpotifySettings, session: MutableMapping[str, Any], scopes: tuple[str, ...]) -> str:
    """The authorisation URL for ``scopes``, kept a while so every rerun does not start another login."""
    key = "spotify_login_link:" + " ".join(scopes)
    url, created = session.get(key, ("", 0.0))
    if not url or time.time() - created > LOGIN_LINK_SECONDS:
        url = start_login(settings, scopes)
        session[key] = (url, time.time())
    return url


def spotify_client(settings: SpotifySettings, session: MutableMapping[str, Any],
                   scopes: tuple[str, ...]) -> ResilientSpotify:
    return connect(settings, scopes, cache=SessionTokenCache(session))


def fetch_and_save(client, settings: SpotifySettings, fetch_progress: Progress,
                   features_progress: Progress) -> tuple[Library, Path]:
    """Read the user's library, add audio features and save it where the sidebar can load it."""
    library = fetch_spotify_library(client, default_page_cache(), progress=fetch_progress)
    library = add_audio_features(library, default_providers(settings, client), FeatureCache.default(),
                                 progress=features_progress)
    folder = fetched_library_dir()
    save_library(library, folder)
    return library, folder


def uploaded_suggestions(name: str, content: bytes, playlist: str) -> list[Suggestion]:
    """The rows of an uploaded suggestions CSV to export to ``playlist``; errors name the uploaded file."""
    suggestions = select_suggestions(_read_uploaded(name, content), playlist, file=name)
    if not suggestions:
        raise UserError(f"{name}: no accepted suggestions for playlist '{playlist}' to export")
    return suggestions


def _read_uploaded(name: str, content: bytes) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(content)
        try:
            return read_suggestions(path)
        except UserError as error:
            raise UserError(str(error).replace(str(path), name)) from None


def is_moves_file(name: str, content: bytes | None) -> bool:
    """Whether ``content`` is a misfits CSV (songs moving out of a playlist); False for anything unreadable."""
    if not content:
        return False
    try:
        return is_misfits_file(_read_uploaded(name, content))
    except UserError:
        return False


def removal_plans(client, name: str, content: bytes, target: str, moved: Iterable[str]) -> list[RemovalPlan]:
    """One plan per old playlist of the moves into ``target`` in the uploaded misfits CSV, for the tracks
    ``moved`` only (those now in ``target``: a song never leaves before it has landed); reads only."""
    return plans_for_moved_misfits(client, _read_uploaded(name, content), target, set(moved), file=name)


def removal_table(plan: RemovalPlan) -> pd.DataFrame:
    """One row per song a removal would take out, with where it sits in the playlist (1 = first)."""
    rows = [{"song": item.track_name, "artists": item.artists, "track_id": item.track_id,
             "positions": ", ".join(str(p + 1) for p in item.positions)} for item in plan.items]
    return pd.DataFrame(rows, columns=["song", "artists", "track_id", "positions"])


def handed_over_label(picked: Mapping[str, Any]) -> str:
    """The Spotify page's name for songs another page handed over."""
    songs = f"{picked['songs']} song{'s' if picked['songs'] != 1 else ''}"
    page = picked.get("from_page", SUGGESTIONS)
    if page == MISFITS:
        return f"Moves chosen on the Misfits page ({songs})"
    if page == NEW_PLAYLISTS:
        return f"A new playlist from the New playlists page ({songs})"
    return f"Picked on the Suggestions page ({songs})"


def plan_table(plan: ExportPlan) -> pd.DataFrame:
    """One row per suggested song and what the export does with it."""
    rows = [{"song": s.track_name, "artists": s.artists, "track_id": s.track_id, "action": "add"}
            for s in plan.to_add]
    rows += [{"song": s.track_name, "artists": s.artists, "track_id": s.track_id, "action": "already there"}
             for s in plan.already_there]
    return pd.DataFrame(rows, columns=["song", "artists", "track_id", "action"])


def plan_summary(plan: ExportPlan) -> str:
    """What the export will do, as plain text (escape it for Markdown: it holds the playlist's name)."""
    target = f"a new private playlist '{plan.playlist_name}'" if plan.creates_playlist \
        else f"'{plan.playlist_name}'"
    return (f"{len(plan.to_add)} song(s) to add to {target}; {len(plan.already_there)} already there"
            + ("; the playlist will be created" if plan.creates_playlist else ""))
