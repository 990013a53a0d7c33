"""Where Spotify and ReccoBeats are, and who we are to Spotify.

Read from environment variables or ``.streamlit/secrets.toml`` (``[spotify]`` ``client_id``,
``client_secret``, ``redirect_uri``); environment variables win, so the CLI, the dashboard and
tests can point everything at a proxy or a loopback fake.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from pipeline.errors import UserError
from pipeline.spotify.redaction import register_secret

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8501/"
DEFAULT_API_URL = "https://api.spotify.com/v1/"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com"
DEFAULT_RECCOBEATS_URL = "https://api.reccobeats.com/v1/"
SECRETS_FILES = (Path(".streamlit/secrets.toml"), Path("~/.streamlit/secrets.toml"))


@dataclass(frozen=True)
class SpotifySettings:
    """Where Spotify is and who we are to it. Secrets are left out of ``repr``."""

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    redirect_uri: str = DEFAULT_REDIRECT_URI
    access_token: str = field(default="", repr=False)
    api_url: str = DEFAULT_API_URL
    accounts_url: str = DEFAULT_ACCOUNTS_URL
    reccobeats_url: str = DEFAULT_RECCOBEATS_URL

    @property
    def authorize_url(self) -> str:
        return self.accounts_url.rstrip("/") + "/authorize"

    @property
    def token_url(self) -> str:
        return self.accounts_url.rstrip("/") + "/api/token"


def load_settings(secrets: Mapping[str, Any] | None = None,
                  env: Mapping[str, str] | None = None) -> SpotifySettings:
    """Settings from ``env`` (default: the environment) over ``secrets`` (default: secrets.toml's [spotify])."""
    env = os.environ if env is None else env
    secrets = _read_secrets_file() if secrets is None else secrets

    def pick(env_name: str, key: str, default: str = "") -> str:
        return str(env.get(env_name) or secrets.get(key) or default).strip()

    settings = SpotifySettings(
        client_id=pick("SPOTIFY_CLIENT_ID", "client_id"),
        client_secret=pick("SPOTIFY_CLIENT_SECRET", "client_secret"),
        redirect_uri=pick("SPOTIFY_REDIRECT_URI", "redirect_uri", DEFAULT_REDIRECT_URI),
        access_token=pick("SPOTIFY_ACCESS_TOKEN", "access_token"),
        api_url=_with_slash(pick("PLAYLIST_ENHANCER_SPOTIFY_API_URL", "api_url", DEFAULT_API_URL)),
        accounts_url=pick("PLAYLIST_ENHANCER_SPOTIFY_ACCOUNTS_URL", "accounts_url", DEFAULT_ACCOUNTS_URL),
        reccobeats_url=_with_slash(pick("PLAYLIST_ENHANCER_RECCOBEATS_URL", "reccobeats_url",
                                        DEFAULT_RECCOBEATS_URL)),
    )
    register_secret(settings.client_secret)
    register_secret(settings.access_token)
    return settings


def _read_secrets_file() -> Mapping[str, Any]:
    for path in SECRETS_FILES:
        path = path.expanduser()
        if path.is_file():
            try:
                return tomllib.loads(path.read_text(encoding="utf-8")).get("spotify", {})
            except tomllib.TOMLDecodeError as error:
                raise UserError(f"{path}: not valid TOML ({error})") from None
    return {}


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
