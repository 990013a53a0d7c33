"""The user's picks on disk, so a reload, a server restart or a Spotify login (which comes back in a
new browser session) finds them again.

Beside the stored results (`dashboard.results_store`): the Suggestions page's picks per library and
configuration under ``<data dir>/picks/<library fingerprint>/<configuration key>.json``, and the
picks last handed to the Spotify page ("Add to Spotify") in ``<data dir>/picks/for-spotify.json``.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.results_store import read_json, write_json
from dashboard.suggestion_picks import Pick
from pipeline.config import RunConfig
from pipeline.paths import data_dir

Picks = dict[tuple[str, str], Pick]


def picks_path(fingerprint: str, config: RunConfig) -> Path:
    return data_dir() / "picks" / fingerprint / f"{config.key()}.json"


def read_picks(fingerprint: str, config: RunConfig) -> Picks:
    """The stored picks; none when absent or unreadable."""
    document = read_json(picks_path(fingerprint, config))
    try:
        return {(row["playlist_id"], row["track_id"]): (bool(row["accepted"]), bool(row["to_runner_up"]))
                for row in document["picks"]}
    except (KeyError, TypeError):
        return {}


def write_picks(fingerprint: str, config: RunConfig, picks: Picks) -> None:
    write_json(picks_path(fingerprint, config), {"picks": [
        {"playlist_id": playlist_id, "track_id": track_id, "accepted": accepted, "to_runner_up": to_runner_up}
        for (playlist_id, track_id), (accepted, to_runner_up) in picks.items()]})


def handed_over_path() -> Path:
    return data_dir() / "picks" / "for-spotify.json"


def write_handed_over(handed_over: dict) -> None:
    """Keep what "Add to Spotify" hands over (`dashboard.suggestion_picks.PICKED_SUGGESTIONS`)."""
    write_json(handed_over_path(), {**handed_over, "csv": handed_over["csv"].decode("utf-8")})


def read_handed_over() -> dict | None:
    """The picks last handed to the Spotify page, or None."""
    document = read_json(handed_over_path())
    try:
        return {"name": str(document["name"]), "csv": document["csv"].encode("utf-8"),
                "playlists": [str(p) for p in document["playlists"]], "songs": int(document["songs"])}
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
