"""Logging in to Spotify: token storage and the PKCE (or client-secret) flow.

Without a client secret (see `pipeline.spotify.settings`) the PKCE flow is used. Tokens live
in the dashboard's session (`SessionTokenCache` over ``st.session_state``) or, for the CLI,
in a 0600 file in the user data folder (`TokenFile`). Nothing here prompts except
`login_in_terminal`: a missing or expired login raises a `UserError`.

A token refresh keeps every scope granted at login (Spotipy's secret flow would save only the
scopes it asked for) and is retried like any API call (`pipeline.spotify.retry`): only Spotify's
``invalid_grant`` means "log in again".
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any, Callable, Mapping, MutableMapping

import requests
from spotipy.cache_handler import CacheHandler
from spotipy.exceptions import SpotifyOauthError
from spotipy.oauth2 import SpotifyOAuth, SpotifyPKCE

from pipeline.errors import UserError
from pipeline.spotify.store import write_private_text
from pipeline.paths import data_dir
from pipeline.spotify.redaction import install_redaction, register_secret
from pipeline.spotify.retry import Failure, RetryPolicy, call_with_retries, failure_of_requests_error
from pipeline.spotify.settings import SpotifySettings

READ_SCOPES: tuple[str, ...] = ("playlist-read-private", "playlist-read-collaborative", "user-library-read")
WRITE_SCOPES: tuple[str, ...] = (*READ_SCOPES, "playlist-modify-private", "playlist-modify-public")
PENDING_LOGIN_SECONDS = 15 * 60
ACCOUNTS_SERVICE = "Spotify accounts service"


class SpotifyNotConfigured(UserError):
    def __init__(self) -> None:
        super().__init__("Spotify is not set up: set SPOTIFY_CLIENT_ID (or [spotify] client_id in "
                         ".streamlit/secrets.toml), or supply SPOTIFY_ACCESS_TOKEN; see docs/spotify.md")


class SpotifyLoginRequired(UserError):
    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or "not logged in to Spotify: run 'python -m pipeline login' in a terminal "
                                   "(or log in from the dashboard), or supply SPOTIFY_ACCESS_TOKEN")


class SpotifyLoginExpired(UserError):
    """The refresh token was revoked or expired (Spotify's ``invalid_grant``, about six months)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("Spotify login expired: log in again" + (f" ({detail})" if detail else ""))


class SpotifyLoginFailed(UserError):
    pass


# ----- token storage ------------------------------------------------------------------------
class SessionTokenCache(CacheHandler):
    """Keeps the token in a dict-like, e.g. the dashboard's ``st.session_state``."""

    def __init__(self, store: MutableMapping[str, Any], key: str = "spotify_token") -> None:
        self.store, self.key = store, key

    def get_cached_token(self) -> dict | None:
        token = self.store.get(self.key)
        if token:
            _register_token(token)
        return dict(token) if token else None

    def save_token_to_cache(self, token_info: dict) -> None:
        _register_token(token_info)
        self.store[self.key] = dict(token_info)


class TokenFile(CacheHandler):
    """Keeps the token in a JSON file created 0600 (default: ``<user data>/spotify-token.json``)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else data_dir() / "spotify-token.json"

    def get_cached_token(self) -> dict | None:
        try:
            token = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        _register_token(token)
        return token

    def save_token_to_cache(self, token_info: dict) -> None:
        _register_token(token_info)
        write_private_text(self.path, json.dumps(token_info))


def _register_token(token: Mapping[str, Any]) -> None:
    register_secret(token.get("access_token"))
    register_secret(token.get("refresh_token"))


def has_login(cache: CacheHandler, scopes: tuple[str, ...] = READ_SCOPES) -> bool:
    """Whether ``cache`` holds a token granted for ``scopes`` (no network; it may still need refreshing)."""
    token = cache.get_cached_token()
    return bool(token and token.get("refresh_token") and set(scopes) <= set(str(token.get("scope", "")).split()))


# ----- auth managers --------------------------------------------------------------------------
class _ClearLoginErrors:
    """Spotipy's managers, failing with our messages; they never prompt except in `login_in_terminal`."""

    interactive = False
    retry_policy = RetryPolicy()  # `make_auth_manager` sets the caller's
    announce: Callable[[str], None] | None = None
    launch_browser = True

    def _open_auth_url(self, state=None):
        url = self.get_authorize_url(state)
        if self.announce:
            self.announce(url)
        if self.launch_browser:
            webbrowser.open(url)

    def get_authorization_code(self, response=None):
        if response is None and not self.interactive:
            raise self._login_required()
        return super().get_authorization_code(response)

    def get_auth_response(self, open_browser=None):
        if not self.interactive:
            raise self._login_required()
        return super().get_auth_response(open_browser)

    def _login_required(self) -> SpotifyLoginRequired:
        if "playlist-modify-private" in (self.scope or ""):
            return SpotifyLoginRequired("Spotify needs your permission to change playlists: run "
                                        "'python -m pipeline login --write' in a terminal (or log in again "
                                        "from the dashboard's export page)")
        return SpotifyLoginRequired()

    def refresh_access_token(self, refresh_token):
        """A fresh token, saved with every scope granted so far; what a rerun would fix is retried first.

        Raises `SpotifyLoginExpired` only for ``invalid_grant`` (the refresh token was revoked or is
        about six months old); `ServiceUnavailable`/`RateLimited` when the accounts service keeps failing.
        """
        cached = self.cache_handler.get_cached_token() or {}
        granted = cached.get("scope", "") if cached.get("refresh_token") == refresh_token else ""
        try:
            token = call_with_retries(lambda: self._refresh_once(refresh_token), service=ACCOUNTS_SERVICE,
                                      policy=self.retry_policy, failure_of=_failure_of_refresh)
        except SpotifyOauthError as error:
            if error.error == "invalid_grant":
                raise SpotifyLoginExpired() from None
            raise SpotifyLoginFailed(f"Spotify refused to refresh the login ({error.error}): log in again") from None
        # A refresh token carries the scopes of its login; an answer naming fewer must not shrink them,
        # or the next `export --apply` would ask to log in again.
        answered = _scopes(token.get("scope"))
        if not _scopes(granted) <= answered:
            token["scope"] = " ".join(sorted(answered | _scopes(granted)))
            self.cache_handler.save_token_to_cache(token)
        return token

    def _refresh_once(self, refresh_token):
        return super().refresh_access_token(refresh_token)

    def _add_custom_values_to_token_info(self, token_info):
        # Spotipy's secret flow overwrites the scopes Spotify granted with the ones this manager asked for.
        granted = token_info.get("scope")
        token_info = super()._add_custom_values_to_token_info(token_info)
        token_info["scope"] = granted or token_info.get("scope") or self.scope
        return token_info


def _scopes(scope: str | None) -> set[str]:
    return set(str(scope or "").split())


def _failure_of_refresh(error: BaseException) -> Failure | None:
    """Spotipy raises `SpotifyOauthError` while handling the token endpoint's `requests.HTTPError`."""
    if isinstance(error, SpotifyOauthError):
        answer = error.__context__
        return failure_of_requests_error(answer) if isinstance(answer, requests.HTTPError) else None
    return failure_of_requests_error(error)


class LoginPKCE(_ClearLoginErrors, SpotifyPKCE):
    pass


class LoginOAuth(_ClearLoginErrors, SpotifyOAuth):
    pass


def make_auth_manager(settings: SpotifySettings, cache: CacheHandler, scopes: tuple[str, ...] = READ_SCOPES,
                      *, timeout: float = 15.0, policy: RetryPolicy | None = None) -> LoginPKCE | LoginOAuth:
    """A Spotipy auth manager pointed at ``settings.accounts_url``; PKCE unless a client secret is set.

    Token refreshes are retried by ``policy`` (default: `RetryPolicy.from_env`).
    """
    if not settings.client_id:
        raise SpotifyNotConfigured()
    install_redaction()  # Spotipy logs token requests, headers included, at DEBUG
    common = dict(redirect_uri=settings.redirect_uri, scope=list(scopes), cache_handler=cache,
                  requests_timeout=timeout, open_browser=False)
    if settings.client_secret:
        manager = LoginOAuth(client_id=settings.client_id, client_secret=settings.client_secret, **common)
    else:
        manager = LoginPKCE(client_id=settings.client_id, **common)
    # Spotipy hard-codes these as class attributes; per instance they can point at a proxy or a test server.
    manager.OAUTH_AUTHORIZE_URL = settings.authorize_url
    manager.OAUTH_TOKEN_URL = settings.token_url
    manager.retry_policy = policy or RetryPolicy.from_env()
    return manager


# ----- logging in -----------------------------------------------------------------------------
_pending: dict[str, tuple[float, str | None, tuple[str, ...]]] = {}
_pending_lock = threading.Lock()


def start_login(settings: SpotifySettings, scopes: tuple[str, ...] = READ_SCOPES) -> str:
    """The Spotify authorisation URL to send the user to (dashboard flow).

    The redirect comes back in a fresh browser session, so the PKCE verifier is kept
    server-side, keyed by the random ``state`` that travels with the redirect.
    """
    manager = make_auth_manager(settings, SessionTokenCache({}), scopes)
    state = secrets.token_urlsafe(24)
    verifier = None
    if isinstance(manager, SpotifyPKCE):
        manager.get_pkce_handshake_parameters()
        verifier = manager.code_verifier
    now = time.time()
    with _pending_lock:
        for old in [s for s, (created, _, _) in _pending.items() if now - created > PENDING_LOGIN_SECONDS]:
            del _pending[old]
        _pending[state] = (now, verifier, tuple(scopes))
    return manager.get_authorize_url(state=state)


def finish_login(settings: SpotifySettings, code: str, state: str, token_store: MutableMapping[str, Any]) -> None:
    """Exchange the redirect's ``code`` for a token and keep it in ``token_store``.

    Raises `SpotifyLoginFailed` when the state is unknown or stale, or Spotify refuses the code.
    """
    with _pending_lock:
        created, verifier, scopes = _pending.pop(state, (0.0, None, ()))
    if not scopes or time.time() - created > PENDING_LOGIN_SECONDS:
        raise SpotifyLoginFailed("this Spotify login link has expired or was started elsewhere: log in again")
    manager = make_auth_manager(settings, SessionTokenCache(token_store), scopes)
    try:
        if isinstance(manager, SpotifyPKCE):
            manager.code_verifier = verifier
            manager.code_challenge = manager._get_code_challenge()
            manager.get_access_token(code=code, check_cache=False)
        else:
            manager.get_access_token(code=code, as_dict=False, check_cache=False)
    except SpotifyOauthError as error:
        raise SpotifyLoginFailed(f"Spotify refused the login ({error.error}): log in again") from None
    except requests.RequestException as error:
        raise SpotifyLoginFailed(f"could not reach Spotify's accounts service ({type(error).__name__}): "
                                 "log in again") from None


def login_in_terminal(settings: SpotifySettings, scopes: tuple[str, ...] = READ_SCOPES,
                      token_file: TokenFile | None = None, announce: Callable[[str], None] | None = None,
                      launch_browser: bool = True) -> None:
    """CLI login: shows the URL (``announce``), opens the browser, catches the redirect on the
    redirect URI's loopback port and stores the token in a 0600 file."""
    manager = make_auth_manager(settings, token_file or TokenFile(), scopes)
    # open_browser makes Spotipy listen on the redirect URI's loopback port for the answer.
    manager.interactive, manager.open_browser = True, True
    manager.announce, manager.launch_browser = announce, launch_browser
    try:
        manager.get_access_token(check_cache=False) if isinstance(manager, SpotifyPKCE) \
            else manager.get_access_token(as_dict=False, check_cache=False)
    except SpotifyOauthError as error:
        raise SpotifyLoginFailed(f"Spotify refused the login ({error.error}): try again") from None
    except requests.RequestException as error:
        raise SpotifyLoginFailed(f"could not reach Spotify's accounts service ({type(error).__name__}): "
                                 "try again") from None
