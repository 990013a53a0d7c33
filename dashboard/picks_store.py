"""The user's picks on disk, so a reload, a server restart or a Spotify login (which comes back in a
new browser session) finds them again.

Beside the stored results (`dashboard.results_store`): the Suggestions page's picks per library and
configuration under ``<data dir>/picks/<library fingerprint>/<configuration key>.json``, the Misfits
page's moves (``...-<folds>folds-moves.json``) and the New playlists page's edits
(``...-precision<p>-edits.json``) beside them, and the songs last handed to the Spotify page in
``<data dir>/picks/for-spotify.json``.
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


def misfit_moves_path(fingerprint: str, config: RunConfig, folds: int) -> Path:
    return data_dir() / "picks" / fingerprint / f"{config.key()}-{folds}folds-moves.json"


def read_misfit_moves(fingerprint: str, config: RunConfig, folds: int) -> set[tuple[str, str]]:
    """The misfits chosen Move, as (track id, current playlist id); none when absent or unreadable."""
    document = read_json(misfit_moves_path(fingerprint, config, folds))
    try:
        return {(str(row["track_id"]), str(row["playlist_id"])) for row in document["moves"]}
    except (KeyError, TypeError):
        return set()


def write_misfit_moves(fingerprint: str, config: RunConfig, folds: int, moves: set[tuple[str, str]]) -> None:
    write_json(misfit_moves_path(fingerprint, config, folds),
               {"moves": [{"track_id": track, "playlist_id": playlist} for track, playlist in sorted(moves)]})


def proposal_edits_path(fingerprint: str, config: RunConfig, min_precision: float) -> Path:
    return data_dir() / "picks" / fingerprint / f"{config.key()}-precision{min_precision:g}-edits.json"


def read_proposal_edits(fingerprint: str, config: RunConfig, min_precision: float) -> dict | None:
    """The stored document of `dashboard.proposal_edits.edits_document`, or None."""
    return read_json(proposal_edits_path(fingerprint, config, min_precision))


def write_proposal_edits(fingerprint: str, config: RunConfig, min_precision: float, document: dict) -> None:
    write_json(proposal_edits_path(fingerprint, config, min_precision), document)


def handed_over_path() -> Path:
    return data_dir() / "picks" / "for-spotify.json"


SUGGESTIONS, MISFITS, NEW_PLAYLISTS = "suggestions", "misfits", "new_playlists"
"""The pages that hand songs over (``from_page``)."""


def write_handed_over(handed_over: dict) -> None:
    """Keep what a page hands to the Spotify page (`dashboard.suggestion_picks.PICKED_SUGGESTIONS`):
    ``name``, ``csv`` bytes, target ``playlists``, ``songs``; optionally ``from_page`` (default
    `SUGGESTIONS`), ``create`` (make the playlist) and ``remove_from_old`` (misfits: also offer to
    remove the songs from their current playlist)."""
    write_json(handed_over_path(), {**handed_over, "csv": handed_over["csv"].decode("utf-8")})


def read_handed_over() -> dict | None:
    """The songs last handed to the Spotify page, or None."""
    document = read_json(handed_over_path())
    try:
        return {"name": str(document["name"]), "csv": document["csv"].encode("utf-8"),
                "playlists": [str(p) for p in document["playlists"]], "songs": int(document["songs"]),
                "from_page": str(document.get("from_page", SUGGESTIONS)), "create": bool(document.get("create")),
                "remove_from_old": bool(document.get("remove_from_old"))}
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
