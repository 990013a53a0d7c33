"""Logging in to Spotify: settings, PKCE and client-secret flows, token storage, expiry, no secrets in logs."""

from __future__ import annotations

import base64
import json
import logging
import socket
import stat
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from pipeline.spotify.fetch import fetch_spotify_library
from pipeline.spotify.auth import (READ_SCOPES, WRITE_SCOPES, SessionTokenCache, SpotifyLoginExpired,
                                   SpotifyLoginFailed, SpotifyLoginRequired, SpotifyNotConfigured, TokenFile,
                                   finish_login, has_login, login_in_terminal, start_login)
from pipeline.spotify.retry import ServiceUnavailable
from pipeline.spotify.settings import SpotifySettings, load_settings
from pipeline.spotify.client import connect
from tests.fakes.fixtures import (CLIENT_ID, POLICY, account, cli_env, pages, private_data_dir, reccobeats, run_cli,
                                  session, settings, spotify, unknown_to_reccobeats)
from tests.fakes.spotify_api import READ_SCOPE, WRITE_SCOPE, FakeSpotify


def follow_login_link(url: str) -> tuple[str, str]:
    """Play the browser: open Spotify's page (the fake approves at once) and read the redirect."""
    answer = requests.get(url, allow_redirects=False, timeout=5)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return query["code"][0], query["state"][0]


def test_environment_variables_win_over_the_secrets_file():
    secrets = {"client_id": "from-file", "client_secret": "file-secret", "redirect_uri": "http://127.0.0.1:8501/"}
    env = {"SPOTIFY_CLIENT_ID": "from-env", "PLAYLIST_ENHANCER_SPOTIFY_API_URL": "http://127.0.0.1:9/v1"}

    settings = load_settings(secrets=secrets, env=env)

    assert (settings.client_id, settings.client_secret) == ("from-env", "file-secret")
    assert settings.api_url == "http://127.0.0.1:9/v1/" and settings.accounts_url == "https://accounts.spotify.com"
    assert settings.reccobeats_url == "https://api.reccobeats.com/v1/"
    assert "file-secret" not in repr(settings)


def test_the_dashboard_login_round_trip_uses_pkce_and_keeps_the_token_in_the_session(settings, spotify, pages):
    url = start_login(settings, READ_SCOPES)
    asked = parse_qs(urlsplit(url).query)
    assert url.startswith(spotify.url + "/authorize?")
    assert asked["code_challenge_method"] == ["S256"] and asked["redirect_uri"] == ["http://127.0.0.1:8501/"]
    assert set(asked["scope"][0].split()) == set(READ_SCOPES)
    code, state = follow_login_link(url)
    session: dict = {}  # the redirect arrives in a new browser session

    finish_login(settings, code, state, session)

    token_request = spotify.requests_to("/api/token", "POST")[-1]
    assert "code_verifier" in token_request.body and "client_secret" not in token_request.body
    assert has_login(SessionTokenCache(session)) and not has_login(SessionTokenCache(session), WRITE_SCOPES)
    client = connect(settings, cache=SessionTokenCache(session), policy=POLICY)
    assert client.me()["id"] == "me-user"


def test_a_login_link_from_elsewhere_or_replayed_is_refused(settings):
    code, state = follow_login_link(start_login(settings))
    finish_login(settings, code, state, {})
    with pytest.raises(SpotifyLoginFailed, match="expired or was started elsewhere"):
        finish_login(settings, code, state, {})
    with pytest.raises(SpotifyLoginFailed):
        finish_login(settings, code, "made-up-state", {})


def test_a_client_secret_switches_to_the_authorization_code_flow(account, pages, caplog):
    with FakeSpotify(account, client_secret="shh-client-secret-123") as spotify:
        settings = SpotifySettings(client_id=CLIENT_ID, client_secret="shh-client-secret-123",
                                   api_url=spotify.api_url, accounts_url=spotify.url)
        url = start_login(settings)
        assert "code_challenge" not in url
        session: dict = {}
        finish_login(settings, *follow_login_link(url), session)
        assert spotify.requests_to("/api/token")[-1].headers["Authorization"].startswith("Basic ")
        assert connect(settings, cache=SessionTokenCache(session), policy=POLICY).me()["id"] == "me-user"


def test_cli_login_catches_the_redirect_on_the_loopback_port_and_keeps_the_token_in_a_private_file(
        spotify, tmp_path):
    with socket.socket() as probe:  # a free loopback port stands in for 8501
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = SpotifySettings(client_id=CLIENT_ID, redirect_uri=f"http://127.0.0.1:{port}/",
                               api_url=spotify.api_url, accounts_url=spotify.url)
    token_file = TokenFile(tmp_path / "token.json")
    browser = []

    def open_in_browser(url: str) -> None:  # the user clicks the link; the redirect hits our local server
        browser.append(threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 5}))
        browser[-1].start()

    login_in_terminal(settings, WRITE_SCOPES, token_file, announce=open_in_browser, launch_browser=False)
    browser[0].join(5)

    assert stat.S_IMODE(token_file.path.stat().st_mode) == 0o600
    assert has_login(token_file, WRITE_SCOPES)
    assert json.loads(token_file.path.read_text())["refresh_token"] in spotify.issued


def test_an_expired_login_whose_refresh_token_was_revoked_says_log_in_again(settings, spotify, pages):
    store: dict = {}
    SessionTokenCache(store).save_token_to_cache({**spotify.grant(), "expires_at": int(time.time()) - 10})
    spotify.revoke_refresh_tokens()  # six months later, or access removed in Spotify's settings

    with pytest.raises(SpotifyLoginExpired) as expired:
        fetch_spotify_library(connect(settings, cache=SessionTokenCache(store), policy=POLICY), pages)

    assert str(expired.value) == "Spotify login expired: log in again"


def test_no_login_never_prompts_when_nobody_can_answer(settings):
    with pytest.raises(SpotifyLoginRequired, match="python -m pipeline login"):
        connect(settings, cache=SessionTokenCache({}), policy=POLICY).me()
    with pytest.raises(SpotifyLoginRequired, match="login --write"):
        connect(settings, WRITE_SCOPES, cache=SessionTokenCache({}), policy=POLICY).me()
    with pytest.raises(SpotifyNotConfigured, match="SPOTIFY_CLIENT_ID"):
        connect(SpotifySettings(), policy=POLICY)


def test_cli_with_an_expired_login_exits_2_with_one_line_and_no_traceback(spotify, reccobeats, tmp_path):
    data = tmp_path / "data"
    TokenFile(data / "spotify-token.json").save_token_to_cache(
        {**spotify.grant(), "expires_at": int(time.time()) - 10})
    spotify.revoke_refresh_tokens()
    env = cli_env(spotify, reccobeats, data, SPOTIFY_CLIENT_ID=CLIENT_ID)

    done = run_cli("fetch", "--out", str(tmp_path / "mine"), env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr == "error: Spotify login expired: log in again\n"
    assert not (tmp_path / "mine").exists()


def test_tokens_and_secrets_never_reach_the_logs(account, pages, caplog):
    secret = "very-secret-client-secret"
    caplog.set_level(logging.DEBUG)
    for name in ("spotipy", "spotipy.client", "spotipy.oauth2", "urllib3", "urllib3.connectionpool"):
        caplog.set_level(logging.DEBUG, logger=name)
    with FakeSpotify(account, client_secret=secret) as spotify:
        settings = SpotifySettings(client_id=CLIENT_ID, client_secret=secret, api_url=spotify.api_url,
                                   accounts_url=spotify.url)
        session: dict = {}
        finish_login(settings, *follow_login_link(start_login(settings)), session)
        spotify.expire_access_tokens(after_requests=3)  # forces a refresh (refresh token in the body)
        client = connect(settings, cache=SessionTokenCache(session), policy=POLICY)
        fetch_spotify_library(client, pages)

        logged = caplog.text
        assert len(spotify.requests_to("/api/token")) == 2 and "Bearer [redacted]" in logged
        assert "Basic [redacted]" in logged and "'refresh_token': '[redacted]'" in logged
        basic = base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode()
        for leaked in [secret, basic, *spotify.issued]:
            assert leaked not in logged


# ----- refreshing a login ---------------------------------------------------------------------
@pytest.fixture
def patience_from_env(monkeypatch):
    """The refresh's retry policy comes from the environment here; make it as brief as `POLICY`."""
    monkeypatch.setenv("PLAYLIST_ENHANCER_RETRIES", str(POLICY.retries))
    monkeypatch.setenv("PLAYLIST_ENHANCER_BACKOFF", str(POLICY.backoff))
    monkeypatch.setenv("PLAYLIST_ENHANCER_MAX_RETRY_AFTER", str(POLICY.max_retry_after))


def expired_login(spotify: FakeSpotify, cache, scope: str = READ_SCOPE) -> None:
    cache.save_token_to_cache({**spotify.grant(scope), "expires_at": int(time.time()) - 10})


@pytest.mark.parametrize("client_secret", ["shh-client-secret-123", None], ids=["client secret", "pkce"])
def test_a_refresh_during_fetch_keeps_the_permission_to_change_playlists(account, pages, tmp_path, client_secret):
    with FakeSpotify(account, client_secret=client_secret) as spotify:
        settings = SpotifySettings(client_id=CLIENT_ID, client_secret=client_secret or "",
                                   api_url=spotify.api_url, accounts_url=spotify.url)
        token_file = TokenFile(tmp_path / "token.json")
        expired_login(spotify, token_file, WRITE_SCOPE)  # 'login --write', an hour or more ago

        fetch_spotify_library(connect(settings, cache=token_file, policy=POLICY), pages)  # asks for reading only

        assert len(spotify.requests_to("/api/token")) == 1, "the login was refreshed"
        assert has_login(token_file, WRITE_SCOPES)
        assert connect(settings, WRITE_SCOPES, cache=token_file, policy=POLICY).me()["id"] == "me-user"


def test_a_refresh_answer_without_scopes_keeps_the_ones_granted_at_login(spotify, settings, pages, tmp_path):
    token_file = TokenFile(tmp_path / "token.json")
    expired_login(spotify, token_file, WRITE_SCOPE)
    spotify.fail("/api/token", 200, method="POST",  # a refresh answer without "scope"
                 body={"access_token": spotify.grant(WRITE_SCOPE)["access_token"], "token_type": "Bearer",
                       "expires_in": 3600})

    fetch_spotify_library(connect(settings, cache=token_file, policy=POLICY), pages)

    assert has_login(token_file, WRITE_SCOPES)


def test_a_refresh_meeting_a_rate_limit_and_a_5xx_is_retried(spotify, settings, pages, patience_from_env):
    store: dict = {}
    expired_login(spotify, SessionTokenCache(store))
    spotify.fail("/api/token", 429, method="POST", retry_after=0)
    spotify.fail("/api/token", 503, method="POST")

    library = fetch_spotify_library(connect(settings, cache=SessionTokenCache(store), policy=POLICY), pages)

    assert [r.status for r in spotify.requests_to("/api/token")] == [429, 503, 200]
    assert len(library.tracks) > 0


def test_an_unreachable_accounts_service_after_a_401_says_try_again_later_without_a_traceback(
        spotify, settings, session, pages, patience_from_env):
    spotify.expire_access_tokens()  # the next API call answers 401, so the client refreshes the login
    spotify.fail("/api/token", 0, method="POST", times=None)  # every refresh's connection is dropped

    with pytest.raises(ServiceUnavailable) as down:
        fetch_spotify_library(connect(settings, cache=SessionTokenCache(session), policy=POLICY), pages)

    assert str(down.value) == ("Spotify accounts service is not answering properly (ConnectionError; tried "
                               f"{POLICY.retries + 1} times); progress is saved: run the same command again later")
    assert len(spotify.requests_to("/api/token")) == POLICY.retries + 1


def test_cli_with_the_accounts_service_failing_says_try_again_later_not_log_in_again(spotify, reccobeats, tmp_path):
    data = tmp_path / "data"
    expired_login(spotify, TokenFile(data / "spotify-token.json"))
    spotify.fail("/api/token", 503, method="POST", times=None)
    env = cli_env(spotify, reccobeats, data, SPOTIFY_CLIENT_ID=CLIENT_ID)  # one retry

    done = run_cli("fetch", "--out", str(tmp_path / "mine"), env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == ("error: Spotify accounts service is not answering properly (HTTP 503; "
                                            "tried 2 times); progress is saved: run the same command again later")
    assert "Traceback" not in done.stderr and "log in again" not in done.stderr
    spotify.clear_faults()
    assert run_cli("fetch", "--out", str(tmp_path / "mine"), env=env, cwd=tmp_path).returncode == 0
