"""A loopback ReccoBeats: ``GET /v1/audio-features?ids=`` for up to 40 Spotify ids, keyless.

Answers ``{"content": [...]}`` with ReccoBeats' own UUIDs as ``id`` and the Spotify track
link in ``href``; tracks it does not know are simply absent (as the real service does).
It has no ``duration_ms``.
"""

from __future__ import annotations

import uuid
from typing import Any, Mapping

from tests.fakes.server import FakeServer, Request, Response

MAX_IDS = 40


class FakeReccoBeats(FakeServer):
    def __init__(self, features: Mapping[str, Mapping[str, float]], unknown: set[str] = frozenset()) -> None:
        """``features``: Spotify id -> the audio features ReccoBeats knows for it."""
        self.features = {i: dict(f) for i, f in features.items() if i not in unknown}
        super().__init__()

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1/"

    def asked_ids(self) -> list[str]:
        """Every Spotify id asked for, in order (repeats included)."""
        return [i for r in self.requests_to("/v1/audio-features") for i in r.query.get("ids", "").split(",") if i]

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.path != "/v1/audio-features" or request.method != "GET":
            raise Response(404, {"error": "Not Found"})
        ids = [i for i in request.query.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= MAX_IDS:
            raise Response(400, {"error": f"ids must hold 1 to {MAX_IDS} ids"})
        content = [self._features(i) for i in ids if i in self.features]
        return 200, {"content": content}, {}

    def _features(self, spotify_id: str) -> dict:
        return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, spotify_id)),
                "href": f"https://open.spotify.com/track/{spotify_id}",
                **self.features[spotify_id]}
