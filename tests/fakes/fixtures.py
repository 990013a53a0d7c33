"""Pytest fixtures wiring the real Spotipy client to the loopback fakes.

Import the ones a test module needs (``from tests.fakes.fixtures import spotify, ...``).
Every number in `POLICY` is tiny so fault tests stay fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.spotify.retry import RetryPolicy
from pipeline.spotify.store import JsonStore
from pipeline.spotify.auth import SessionTokenCache
from pipeline.spotify.settings import SpotifySettings
from pipeline.spotify.client import connect
from tests.fakes.reccobeats import FakeReccoBeats
from tests.fakes.spotify_account import sample_account
from tests.fakes.spotify_api import WRITE_SCOPE, FakeSpotify

REPO = Path(__file__).resolve().parents[2]
POLICY = RetryPolicy(retries=2, backoff=0.01, max_retry_after=1.0, timeout=2.0)
CLIENT_ID = "test-client-id"


@pytest.fixture
def account():
    return sample_account()


@pytest.fixture
def spotify(account):
    with FakeSpotify(account) as fake:
        yield fake


@pytest.fixture
def unknown_to_reccobeats(account) -> set[str]:
    """Three tracks of the user's first playlist that ReccoBeats has never analysed."""
    return set(sorted(t.id for _, t in account.playlists[0].items if t.kind == "track")[:3])


@pytest.fixture
def reccobeats(account, unknown_to_reccobeats):
    features = {track_id: track.features for track_id, track in account.tracks().items()}
    with FakeReccoBeats(features, unknown=unknown_to_reccobeats) as fake:
        yield fake


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch) -> Path:
    """Token files, caches and export logs go to a fresh folder, never the real user's."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("PLAYLIST_ENHANCER_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def settings(spotify, reccobeats) -> SpotifySettings:
    return SpotifySettings(client_id=CLIENT_ID, api_url=spotify.api_url, accounts_url=spotify.url,
                           reccobeats_url=reccobeats.api_url)


@pytest.fixture
def session(spotify) -> dict:
    """A dashboard-like session holding a fresh login."""
    store: dict = {}
    SessionTokenCache(store).save_token_to_cache({**spotify.grant(), "expires_at": int(time.time()) + 3600})
    return store


@pytest.fixture
def client(settings, session):
    return connect(settings, cache=SessionTokenCache(session), policy=POLICY)


@pytest.fixture
def writer(settings, spotify):
    """A client logged in with permission to change playlists."""
    store: dict = {}
    SessionTokenCache(store).save_token_to_cache({**spotify.grant(WRITE_SCOPE), "expires_at": int(time.time()) + 3600})
    return connect(settings, cache=SessionTokenCache(store), policy=POLICY)


def client_of(fake: FakeSpotify, session: dict, **policy):
    """A client logged in (with ``session``'s token) to another fake Spotify."""
    token = session["spotify_token"]
    fake.access_tokens[token["access_token"]] = token["scope"]
    return connect(SpotifySettings(client_id=CLIENT_ID, api_url=fake.api_url, accounts_url=fake.url),
                   cache=SessionTokenCache(session), policy=replace(POLICY, **policy))


@pytest.fixture
def pages(tmp_path) -> JsonStore:
    return JsonStore(tmp_path / "pages.sqlite")


def run_cli(*args: str, env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m pipeline ARGS`` run in ``cwd`` (HOME too, so no real secrets.toml is read), with only
    ``env`` added to a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SPOTIFY_", "SPOTIPY_", "PLAYLIST_ENHANCER_"))}
    env = {**base, "PYTHONPATH": str(REPO), "HOME": str(cwd), **env}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def cli_env(spotify: FakeSpotify, reccobeats: FakeReccoBeats, data_dir: Path, **extra: str) -> dict[str, str]:
    return {"PLAYLIST_ENHANCER_SPOTIFY_API_URL": spotify.api_url,
            "PLAYLIST_ENHANCER_SPOTIFY_ACCOUNTS_URL": spotify.url,
            "PLAYLIST_ENHANCER_RECCOBEATS_URL": reccobeats.api_url,
            "PLAYLIST_ENHANCER_DATA_DIR": str(data_dir),
            "PLAYLIST_ENHANCER_RETRIES": "1", "PLAYLIST_ENHANCER_BACKOFF": "0.01",
            "PLAYLIST_ENHANCER_MAX_RETRY_AFTER": "1", **extra}
