"""A loopback Spotify: accounts service (authorize, token) and the Web API endpoints we use.

Paging is real (``limit`` capped at 50, absolute ``next`` URLs), adding items (at a ``position``,
or at the end) and removing every occurrence of items change the playlist's snapshot id, a
removal naming a snapshot the playlist never had is refused (an older one of its own is
accepted, as Spotify does), tokens expire and refresh tokens can be revoked, and
``audio-features`` answers 403 unless the app is "grandfathered" (``audio_features=True``).
Responses use the 2026 field names (``items`` for a playlist's summary, ``item`` in playlist
entries); ``legacy_shapes=True`` serves the older ``tracks``/``track`` names instead.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeServer, Request, Response
from tests.fakes.spotify_account import Account, Playlist, Track, spotify_id

PAGE_LIMIT = 50
READ_SCOPE = "playlist-read-private playlist-read-collaborative user-library-read"
WRITE_SCOPE = READ_SCOPE + " playlist-modify-private playlist-modify-public"


class FakeSpotify(FakeServer):
    def __init__(self, account: Account, *, audio_features: bool = False, artists_status: int = 200,
                 legacy_shapes: bool = False, client_secret: str | None = None) -> None:
        self.account = account
        self.audio_features = audio_features
        self.artists_status = artists_status
        self.legacy_shapes = legacy_shapes
        self.client_secret = client_secret
        self.access_tokens: dict[str, str] = {}  # access token -> granted scope
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> scope
        self.issued: list[str] = []  # every token ever handed out (for "never logged" assertions)
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (code_challenge, scope)
        self._expire_after: int | None = None
        self._delete_when_listed: set[str] = set()
        self._serial = itertools.count(1)
        self._catalogue = account.tracks()  # every track ever served: a removed one can be added back
        super().__init__()

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1/"

    # ----- test controls -----------------------------------------------------------------
    def grant(self, scope: str = READ_SCOPE) -> dict:
        """A token pair as if the user had logged in; returns spotipy-style token info."""
        with self.lock:
            access, refresh = self._new_access_token(scope), f"rt-{secrets.token_urlsafe(16)}"
            self.refresh_tokens[refresh] = scope
            self.issued.append(refresh)
        return {"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": refresh,
                "scope": scope}

    def expire_access_tokens(self, after_requests: int = 0) -> None:
        """Invalidate every current access token once ``after_requests`` more API calls are served."""
        with self.lock:
            self._expire_after = after_requests

    def delete_when_listed(self, playlist_id: str) -> None:
        """Delete the playlist just after the next ``/me/playlists`` answer lists it (the user deletes it
        mid-fetch): the listing still shows it, reading its items then answers 404."""
        with self.lock:
            self._delete_when_listed.add(playlist_id)

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.refresh_tokens.clear()

    # ----- routing ---------------------------------------------------------------------------
    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.path == "/authorize":
            return self._authorize(request)
        if request.path == "/api/token":
            return self._token(request)
        if not request.path.startswith("/v1/"):
            raise Response(404, {"error": {"status": 404, "message": "Service not found"}})
        self._check_bearer(request)
        path, method = request.path[len("/v1"):], request.method
        for pattern, verb, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return 201 if verb == "POST" else 200, handler(request, *match.groups()), {}
        raise Response(404, {"error": {"status": 404, "message": "Service not found"}})

    def _routes(self):
        return (
            (r"/me", "GET", lambda r: {"id": self.account.user_id, "display_name": self.account.display_name}),
            (r"/me/playlists", "GET", self._my_playlists),
            (r"/me/playlists", "POST", self._create_playlist),
            (r"/users/([^/]+)/playlists", "POST", lambda r, user: self._create_playlist(r)),
            (r"/playlists/([^/]+)", "GET", self._playlist),
            (r"/playlists/([^/]+)/items", "GET", self._playlist_items),
            (r"/playlists/([^/]+)/items", "POST", self._add_items),
            (r"/playlists/([^/]+)/items", "DELETE", self._remove_items),
            (r"/me/tracks", "GET", self._liked),
            (r"/artists", "GET", self._artists),
            (r"/audio-features", "GET", self._audio_features),
        )

    # ----- accounts service --------------------------------------------------------------------
    def _authorize(self, request: Request):
        code = f"code-{next(self._serial)}"
        self.codes[code] = (request.query.get("code_challenge", ""), request.query.get("scope", ""))
        target = request.query["redirect_uri"] + "?" + urlencode({"code": code, "state": request.query.get("state", "")})
        return 302, None, {"Location": target}

    def _token(self, request: Request):
        form = request.body or {}
        if form.get("grant_type") == "refresh_token":
            scope = self.refresh_tokens.get(form.get("refresh_token", ""))
            if scope is None:
                raise Response(400, {"error": "invalid_grant", "error_description": "Refresh token revoked"})
            return 200, {"access_token": self._new_access_token(scope), "token_type": "Bearer",
                         "expires_in": 3600, "scope": scope}, {}
        challenge, scope = self.codes.pop(form.get("code", ""), (None, ""))
        if challenge is None or not self._client_proves_itself(request, form, challenge):
            raise Response(400, {"error": "invalid_grant", "error_description": "Invalid authorization code"})
        return 200, self.grant(scope), {}

    def _client_proves_itself(self, request: Request, form: dict, challenge: str) -> bool:
        if "code_verifier" in form:  # PKCE: the verifier must hash to the challenge sent to /authorize
            digest = hashlib.sha256(form["code_verifier"].encode()).digest()
            return base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge
        basic = request.headers.get("Authorization", "")
        return self.client_secret is not None and basic.startswith("Basic ") and \
            base64.b64decode(basic[6:]).decode().endswith(":" + self.client_secret)

    def _new_access_token(self, scope: str) -> str:
        token = f"at-{next(self._serial)}-{secrets.token_urlsafe(12)}"
        self.access_tokens[token] = scope
        self.issued.append(token)
        return token

    def _check_bearer(self, request: Request) -> None:
        if self._expire_after is not None:
            if self._expire_after <= 0:
                self.access_tokens.clear()
                self._expire_after = None
            else:
                self._expire_after -= 1
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.access_tokens:
            raise Response(401, {"error": {"status": 401, "message": "The access token expired"}})
        if request.method != "GET" and "playlist-modify-private" not in self.access_tokens[token].split():
            raise Response(403, {"error": {"status": 403, "message": "Insufficient client scope"}})

    # ----- Web API ---------------------------------------------------------------------------------
    def _page(self, request: Request, items: list, path: str) -> dict:
        limit, offset = int(request.query.get("limit", 20)), int(request.query.get("offset", 0))
        if not 1 <= limit <= PAGE_LIMIT:
            raise Response(400, {"error": {"status": 400, "message": "Invalid limit"}})
        chunk = items[offset:offset + limit]
        more = offset + limit < len(items)
        query = {k: v for k, v in request.query.items() if k not in ("offset", "limit")}
        link = f"{self.api_url}{path}?" + urlencode({**query, "offset": offset + limit, "limit": limit})
        return {"href": link, "items": chunk, "limit": limit, "offset": offset, "total": len(items),
                "next": link if more else None, "previous": None}

    def _my_playlists(self, request: Request) -> dict:
        summaries = []
        for playlist in self.account.playlists:
            summary = {"id": playlist.id, "name": playlist.name, "owner": {"id": playlist.owner},
                       "collaborative": playlist.collaborative, "snapshot_id": playlist.snapshot_id,
                       "public": False, "type": "playlist", "uri": f"spotify:playlist:{playlist.id}"}
            counts = {"href": f"{self.api_url}playlists/{playlist.id}/items", "total": len(playlist.items)}
            summary.update({"tracks": counts} if self.legacy_shapes else {"items": counts, "tracks": None})
            summaries.append(summary)
        page = self._page(request, summaries, "me/playlists")
        listed = {summary["id"] for summary in page["items"]} & self._delete_when_listed
        self.account.playlists = [p for p in self.account.playlists if p.id not in listed]
        self._delete_when_listed -= listed
        return page

    def _playlist_items(self, request: Request, playlist_id: str) -> dict:
        playlist = self._readable_playlist(playlist_id)
        key = "track" if self.legacy_shapes else "item"
        entries = [{"added_at": added, "is_local": t.kind == "local", key: t.as_json()} for added, t in playlist.items]
        return self._page(request, entries, f"playlists/{playlist_id}/items")

    def _liked(self, request: Request) -> dict:
        return self._page(request, [{"added_at": added, "track": t.as_json()} for added, t in self.account.liked],
                          "me/tracks")

    def _playlist(self, request: Request, playlist_id: str) -> dict:
        playlist = self._readable_playlist(playlist_id)
        return {"id": playlist.id, "name": playlist.name, "snapshot_id": playlist.snapshot_id,
                "owner": {"id": playlist.owner}, "collaborative": playlist.collaborative, "type": "playlist"}

    def _add_items(self, request: Request, playlist_id: str) -> dict:
        playlist = self._playlist_or_404(playlist_id)
        uris = request.body["uris"] if isinstance(request.body, dict) else request.body
        if not isinstance(uris, list) or not 1 <= len(uris) <= 100:
            raise Response(400, {"error": {"status": 400, "message": "You can add a maximum of 100 tracks per request"}})
        position = int(request.query.get("position", len(playlist.items)))
        if not 0 <= position <= len(playlist.items):
            raise Response(400, {"error": {"status": 400, "message": f"Index out of bounds: {position}"}})
        known = self._known_tracks()
        for uri in uris:
            track_id = uri.rsplit(":", 1)[-1]
            if not uri.startswith("spotify:track:") or track_id not in known:
                raise Response(400, {"error": {"status": 400, "message": f"Invalid track uri: {uri}"}})
        playlist.items[position:position] = [("2026-01-01T00:00:00Z", known[uri.rsplit(":", 1)[-1]]) for uri in uris]
        playlist.version += 1
        return {"snapshot_id": playlist.snapshot_id}

    def _remove_items(self, request: Request, playlist_id: str) -> dict:
        """Every occurrence of the named tracks goes; the body is ``{"items"|"tracks": [{"uri"}], "snapshot_id"}``."""
        playlist = self._playlist_or_404(playlist_id)
        self._known_tracks()
        body = request.body if isinstance(request.body, dict) else {}
        named = body.get("items", body.get("tracks"))
        if not isinstance(named, list) or not 1 <= len(named) <= 100:
            raise Response(400, {"error": {"status": 400,
                                           "message": "You can remove a maximum of 100 tracks per request"}})
        snapshot = body.get("snapshot_id")
        if snapshot is not None and snapshot not in playlist.snapshot_ids():
            raise Response(400, {"error": {"status": 400, "message": "Invalid snapshot id"}})
        uris = {entry.get("uri") if isinstance(entry, dict) else None for entry in named}
        if not all(isinstance(uri, str) and uri.startswith("spotify:track:") for uri in uris):
            raise Response(400, {"error": {"status": 400, "message": "Invalid track uri"}})
        playlist.items = [(added, t) for added, t in playlist.items if t.as_json()["uri"] not in uris]
        playlist.version += 1
        return {"snapshot_id": playlist.snapshot_id}

    def _create_playlist(self, request: Request) -> dict:
        body = request.body or {}
        playlist = Playlist(spotify_id(f"new{next(self._serial)}"), body["name"], self.account.user_id)
        self.account.playlists.append(playlist)
        return {"id": playlist.id, "name": playlist.name, "snapshot_id": playlist.snapshot_id,
                "owner": {"id": playlist.owner}, "public": body.get("public", True)}

    def _artists(self, request: Request) -> dict:
        if self.artists_status != 200:
            raise Response(self.artists_status, {"error": {"status": self.artists_status, "message": "Forbidden"}})
        ids = request.query.get("ids", "").split(",")
        if len(ids) > 50:
            raise Response(400, {"error": {"status": 400, "message": "Too many ids requested"}})
        names = {a: n for t in self.account.tracks().values() for a, n in t.artists}
        return {"artists": [{"id": a, "name": names.get(a, "?"), "genres": self.account.genres.get(a, [])}
                            if a in names else None for a in ids]}

    def _audio_features(self, request: Request) -> dict:
        if not self.audio_features:
            raise Response(403, {"error": {"status": 403, "message": "Forbidden"}})
        ids = request.query.get("ids", "").split(",")
        if len(ids) > 100:
            raise Response(400, {"error": {"status": 400, "message": "Too many ids requested"}})
        tracks = self.account.tracks()
        return {"audio_features": [{"id": i, "duration_ms": tracks[i].duration_ms, **tracks[i].features}
                                   if i in tracks else None for i in ids]}

    def _playlist_or_404(self, playlist_id: str) -> Playlist:
        try:
            return self.account.playlist(playlist_id)
        except StopIteration:
            raise Response(404, {"error": {"status": 404, "message": "Not found."}}) from None

    def _known_tracks(self) -> dict[str, Track]:
        self._catalogue.update(self.account.tracks())
        return self._catalogue

    def _readable_playlist(self, playlist_id: str) -> Playlist:
        playlist = self._playlist_or_404(playlist_id)
        if playlist.owner != self.account.user_id and not playlist.collaborative:
            raise Response(403, {"error": {"status": 403, "message": "Forbidden"}})
        return playlist
