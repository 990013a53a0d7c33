"""The private key -> JSON store behind resumable fetches and the feature cache."""

from __future__ import annotations

import stat

from pipeline.spotify.store import JsonStore


def test_the_store_is_private_and_survives_reopening(tmp_path):
    store = JsonStore(tmp_path / "cache.sqlite")
    store.put_many({"playlist:a:1:0": {"items": [1]}, "playlist:a:1:50": {"items": [2]}, "playlist:a:0:0": {}})
    store.delete_prefix("playlist:a:", keep_prefix="playlist:a:1:")
    store.close()

    again = JsonStore(tmp_path / "cache.sqlite")
    assert again.get("playlist:a:1:50") == {"items": [2]} and again.get("playlist:a:0:0") is None
    assert stat.S_IMODE((tmp_path / "cache.sqlite").stat().st_mode) == 0o600
