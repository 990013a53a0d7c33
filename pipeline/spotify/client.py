"""A Spotipy client that survives rate limits, outages and expired tokens without hanging.

Spotipy's own urllib3 retry sleeps for the full ``Retry-After`` (hours, at worst) and turns
a persistent 500 into a fake 429. We hand it a plain `requests` session (no urllib3
retries at all) and do the retrying ourselves in `ResilientSpotify._internal_call`, which
every Spotipy method goes through: 429s within the cap, 5xx and dropped connections with
backoff (reads only: a failed write might have been applied), one token refresh on a 401.
"""

from __future__ import annotations

import spotipy
import requests
from spotipy.cache_handler import CacheHandler
from spotipy.exceptions import SpotifyException

from pipeline.spotify.retry import (Failure, RetryPolicy, call_with_retries, failure_of_requests_error,
                                 failure_of_status)
from pipeline.spotify.redaction import install_redaction
from pipeline.spotify.auth import READ_SCOPES, SpotifyLoginExpired, TokenFile, make_auth_manager
from pipeline.spotify.settings import SpotifySettings

SERVICE = "Spotify"


class ResilientSpotify(spotipy.Spotify):
    """`spotipy.Spotify` with our fault handling; build it with `connect`."""

    def __init__(self, *, policy: RetryPolicy, api_url: str, auth_manager=None, access_token: str | None = None):
        super().__init__(auth=access_token, auth_manager=auth_manager, requests_session=requests.Session(),
                         requests_timeout=policy.timeout, retries=0, status_retries=0)
        self.prefix = api_url
        self.policy = policy

    def _internal_call(self, method, url, payload, params):
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
    manager = make_auth_manager(settings, cache or TokenFile(), scopes, timeout=policy.timeout)
    return ResilientSpotify(policy=policy, api_url=settings.api_url, auth_manager=manager)
