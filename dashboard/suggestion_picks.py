"""The Suggestions page's table and the user's picks (plain pandas, no Streamlit).

A pick is keyed by (suggested playlist id, track id): accepted for that playlist, or sent to the
song's runner-up playlist instead — a song with both ticks goes to the runner-up only, and the
table's ``goes_to`` says so. Picks survive switching playlists (and reloads: `dashboard.picks_store`);
the CSV holds every pick with the playlist it goes to, ranked among the picks for that playlist,
in the columns `python -m pipeline export` reads.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

Pick = tuple[bool, bool]
"""(accepted here, sent to the runner-up instead)."""

TABLE_COLUMNS = ["accept", "rank", "track_name", "score", "runner_up", "runner_up_instead", "goes_to", "artists",
                 "runner_up_score", "similar_tracks", "closest_features", "furthest_features", "track_id"]
"""What the user acts on first (the two ticks and where they send the song), the long reasons last."""
CSV_COLUMNS = ["accepted", "track_id", "track_name", "artists", "playlist", "playlist_id", "score", "rank",
               "already_in_playlist", "suggested_for"]


def table_for(suggestions: pd.DataFrame, playlist_id: str, picks: Mapping[tuple[str, str], Pick],
              unfiled_only: set[str] | None = None) -> pd.DataFrame:
    """Ranked rows for one playlist with the user's picks filled in.

    ``unfiled_only``: when given, keep only these track ids (liked songs in no playlist yet).
    """
    rows = suggestions[(suggestions["playlist_id"] == playlist_id) & ~suggestions["already_in_playlist"]]
    if unfiled_only is not None:
        rows = rows[rows["track_id"].isin(unfiled_only)]
    rows = rows.sort_values("rank", kind="stable")
    chosen = [picks.get((playlist_id, track), (False, False)) for track in rows["track_id"]]
    goes_to = [destination(pick, here, runner_up) for pick, here, runner_up in
               zip(chosen, rows["playlist"], rows["runner_up"])]
    return rows.assign(accept=[a for a, _ in chosen], runner_up_instead=[r for _, r in chosen], goes_to=goes_to)[
        TABLE_COLUMNS].reset_index(drop=True)


def destination(pick: Pick, playlist: str, runner_up: str) -> str:
    """The playlist a pick sends its song to ("" when not picked): the runner-up when sent there,
    even if also added here, so one song never goes to both silently."""
    accepted, to_runner_up = pick
    if to_runner_up and isinstance(runner_up, str) and runner_up:
        return runner_up
    return playlist if accepted else ""  # no runner-up (every other playlist holds it): it can only go here


def updated_picks(picks: Mapping[tuple[str, str], Pick], playlist_id: str,
                  edited: pd.DataFrame) -> dict[tuple[str, str], Pick]:
    """``picks`` with the edited table's rows replaced by its checkboxes; picks of songs the table
    did not show (held back, or filed elsewhere) are kept."""
    shown = {(playlist_id, track) for track in edited["track_id"]}
    result = {key: value for key, value in picks.items() if key not in shown}
    for track, accept, runner_up in zip(edited["track_id"], edited["accept"], edited["runner_up_instead"]):
        if accept or runner_up:
            result[(playlist_id, track)] = (bool(accept), bool(runner_up))
    return result


PICKED_SUGGESTIONS = "spotify_picked_suggestions"
"""Session key: picks handed from the Suggestions page to the Spotify page
(``name``, ``csv`` bytes, ``playlists`` in order, number of ``songs``)."""
USE_PICKS = "spotify_use_picks"
"""Session key of the Spotify page's choice between those picks and an uploaded CSV."""


def picks_frame(suggestions: pd.DataFrame, picks: Mapping[tuple[str, str], Pick],
                playlist_ids_by_name: Mapping[str, str]) -> pd.DataFrame:
    """Every pick as a CSV row; a song sent to its runner-up goes there, and one song picked twice
    for the same playlist is listed once. ``rank``: the song's place among the picks for the playlist
    it goes to, best score first (the order the Spotify export adds them in)."""
    by_key = suggestions.set_index(["playlist_id", "track_id"])
    rows = []
    for (playlist_id, track), (accepted, to_runner_up) in picks.items():
        if (playlist_id, track) not in by_key.index:
            continue
        row = by_key.loc[(playlist_id, track)]
        target_name = destination((accepted, to_runner_up), row["playlist"], row["runner_up"])
        if not target_name:
            continue  # sent to a runner-up it does not have, and not added here
        to_runner_up = target_name != row["playlist"]
        rows.append({"accepted": True, "track_id": track, "track_name": row["track_name"],
                     "artists": row["artists"], "playlist": target_name,
                     "playlist_id": playlist_ids_by_name.get(target_name, "") if to_runner_up else playlist_id,
                     "score": float(row["runner_up_score"] if to_runner_up else row["score"]),
                     "already_in_playlist": False, "suggested_for": row["playlist"]})
    frame = pd.DataFrame(rows, columns=CSV_COLUMNS).drop_duplicates(["playlist_id", "track_id"]).sort_values(
        ["playlist", "score"], ascending=[True, False], kind="stable").reset_index(drop=True)
    return frame.assign(rank=frame.groupby("playlist", sort=False).cumcount() + 1)
