"""A Spotipy client that survives rate limits, outages and expired tokens without hanging.

Spotipy's own urllib3 retry sleeps for the full ``Retry-After`` (hours, at worst) and turns
a persistent 500 into a fake 429. We hand it a plain `requests` session (no urllib3
retries at all) and do the retrying ourselves in `ResilientSpotify._internal_call`, which
every Spotipy method goes through: 429s within the cap, 5xx and dropped connections with
backoff (reads only: a failed write might have been applied), one token refresh on a 401.
Any other 4xx becomes a `SpotifyRefused` whose message says what that answer means for the
endpoint asked (see `refusal_of`), so no caller shows Spotipy's traceback to a person.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import spotipy
import requests
from spotipy.cache_handler import CacheHandler
from spotipy.exceptions import SpotifyException

from pipeline.errors import UserError, repaired
from pipeline.spotify.retry import (Failure, RetryPolicy, call_with_retries, failure_of_requests_error,
                                 failure_of_status)
from pipeline.spotify.redaction import install_redaction, redact
from pipeline.spotify.auth import READ_SCOPES, SpotifyLoginExpired, TokenFile, make_auth_manager
from pipeline.spotify.settings import SpotifySettings

SERVICE = "Spotify"
SETUP_GUIDE = "docs/spotify.md"


class SpotifyRefused(UserError, SpotifyException):
    """Spotify answered a call with a 4xx that no retry or refresh can change (not 401, not 429).

    ``status``, ``method`` and ``path`` (e.g. ``/me/tracks``) say which call; the message says
    what that means and what to do. It is also a `SpotifyException` with the same
    ``http_status``, so code that expects a refusal (audio-features' 403, artists' 403) still
    recognises it by status.
    """

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        SpotifyException.__init__(self, status, -1, message)
        UserError.__init__(self, message)
        self.status, self.method, self.path = status, method, path

    def __str__(self) -> str:
        return repaired(str(self.args[0]))  # not SpotifyException's "http status: ..., code: -1 - ..."


class PlaylistNotFound(SpotifyRefused):
    """A 404 on a playlist: it was deleted (or is no longer shared with the user) since it was listed."""

    @property
    def playlist_id(self) -> str:
        return _playlist_of(self.path)


_NOT_ALLOWED = ("Spotify refused this account (HTTP 403 on {path}). An app in development mode works only for "
                "the accounts listed under User Management in its developer dashboard, and only while the "
                "app's owner has Spotify Premium: add this account under User Management at "
                "https://developer.spotify.com/dashboard (or renew the app owner's Premium), then try again; "
                f"see {SETUP_GUIDE}")
_PLAYLIST = r"/playlists/[^/]+(?:/items|/tracks)?"
_MEANINGS: tuple[tuple[int, str, str, str, type[SpotifyRefused]], ...] = (
    # (status, method, path pattern, message, class) — the first match wins.
    (403, "GET", r"/me|/me/tracks|/me/playlists", _NOT_ALLOWED, SpotifyRefused),
    (400, "GET", r"/me/playlists",
     "Spotify rejected the request for your playlists as invalid (HTTP 400{said}). Nothing is wrong with your "
     "account: Spotify's Web API has probably changed; update Playlist Enhancer, and report this message if it "
     "keeps happening", SpotifyRefused),
    (404, "", _PLAYLIST, "playlist {playlist} is not on Spotify any more (HTTP 404): it was deleted, or is no longer "
     "shared with you", PlaylistNotFound),
    (403, "POST", _PLAYLIST, "Spotify refused to change the playlist (HTTP 403{said}); log in again with "
     "permission to change playlists ('python -m pipeline login --write', or the dashboard's login button), and "
     "export only to your own or collaborative playlists", SpotifyRefused),
    (403, "DELETE", _PLAYLIST, "Spotify refused to remove songs from the playlist (HTTP 403{said}); log in again "
     "with permission to change playlists ('python -m pipeline login --write', or the dashboard's login button); "
     "only your own or collaborative playlists can be changed", SpotifyRefused),
    (403, "GET", _PLAYLIST, "Spotify refused to read playlist {playlist} (HTTP 403{said}): only playlists you own or "
     f"collaborate on can be read; if every request is refused, see {SETUP_GUIDE}", SpotifyRefused),
)


def refusal_of(error: SpotifyException, method: str, path: str) -> SpotifyRefused:
    """``error`` (a 4xx from ``method path``) as a `SpotifyRefused` that says what it means and what to do."""
    status = error.http_status
    spoken = _spotify_words(error)
    said = f": {spoken}" if spoken else ""
    for code, verb, pattern, message, kind in _MEANINGS:
        if status == code and verb in ("", method) and re.fullmatch(pattern, path):
            return kind(status, method, path, message.format(path=path, said=said, playlist=_playlist_of(path)))
    return SpotifyRefused(status, method, path, f"Spotify refused {method} {path} (HTTP {status}{said}); "
                                                f"see {SETUP_GUIDE} for what Spotify allows an app")


def _spotify_words(error: SpotifyException) -> str:
    """Spotify's own words from Spotipy's msg (a ``<url>:`` line, then them): short, one line, never HTML."""
    _, _, words = str(error.msg or "").partition(":\n")
    words = " ".join(words.split())
    if not words or words == "None" or words.startswith("<"):
        return ""
    return redact(words if len(words) <= 160 else words[:160] + "…")


def _playlist_of(path: str) -> str:
    """The playlist id in ``/playlists/<id>/items`` ('' elsewhere)."""
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "playlists" else ""


class ResilientSpotify(spotipy.Spotify):
    """`spotipy.Spotify` with our fault handling; build it with `connect`."""

    def __init__(self, *, policy: RetryPolicy, api_url: str, auth_manager=None, access_token: str | None = None):
        super().__init__(auth=access_token, auth_manager=auth_manager, requests_session=requests.Session(),
                         requests_timeout=policy.timeout, retries=0, status_retries=0)
        self.prefix = api_url
        self.policy = policy

    def _internal_call(self, method, url, payload, params):
        try:
            return self._call_logged_in(method, url, payload, params)
        except SpotifyException as error:  # a 4xx other than 401 and 429: retrying cannot help
            raise refusal_of(error, method, self._api_path(url)) from None

    def _call_logged_in(self, method, url, payload, params):
        try:
            return self._call_with_retries(method, url, payload, params)
        except SpotifyException as error:
            if error.http_status != 401:
                raise
        self._refresh_login()
        try:
            return self._call_with_retries(method, url, payload, params)
        except SpotifyException as error:
            if error.http_status == 401:
                raise SpotifyLoginExpired("Spotify rejected a freshly refreshed token") from None
            raise

    def _call_with_retries(self, method, url, payload, params):
        def attempt():
            # Spotipy edits ``params`` in place, so every attempt gets its own copy.
            return spotipy.Spotify._internal_call(self, method, url, payload, dict(params))
        return call_with_retries(attempt, service=SERVICE, policy=self.policy,
                                 failure_of=_failure_of, replayable=method != "POST")

    def _api_path(self, url: str) -> str:
        """``/me/tracks`` for ``me/tracks`` or a full ``.../v1/me/tracks?offset=50`` (no host, no query)."""
        full = urlsplit(url if url.startswith("http") else self.prefix + url).path
        base = urlsplit(self.prefix).path.rstrip("/")
        return "/" + (full[len(base):] if full.startswith(base) else full).strip("/")

    def _refresh_login(self) -> None:
        """After a 401: refresh the token once (the caller then repeats the call once)."""
        manager = self.auth_manager
        if manager is None:
            raise SpotifyLoginExpired("the access token was rejected; supply a fresh SPOTIFY_ACCESS_TOKEN")
        token = manager.cache_handler.get_cached_token() or {}
        if not token.get("refresh_token"):
            raise SpotifyLoginExpired()
        manager.refresh_access_token(token["refresh_token"])


def _failure_of(error: BaseException) -> Failure | None:
    if isinstance(error, SpotifyException):
        return failure_of_status(error.http_status, error.headers)
    return failure_of_requests_error(error)


def connect(settings: SpotifySettings, scopes: tuple[str, ...] = READ_SCOPES, *,
            cache: CacheHandler | None = None,
            policy: RetryPolicy | None = None) -> ResilientSpotify:
    """A ready client: with ``settings.access_token`` if given (headless runs), else a login kept in
    ``cache`` (default: the CLI's 0600 token file). Nothing touches the network until the first call.
    """
    install_redaction()
    policy = policy or RetryPolicy.from_env()
    if settings.access_token:
        return ResilientSpotify(policy=policy, api_url=settings.api_url, access_token=settings.access_token)
    manager = make_auth_manager(settings, cache or TokenFile(), scopes, timeout=policy.timeout, policy=policy)
    return ResilientSpotify(policy=policy, api_url=settings.api_url, auth_manager=manager)
