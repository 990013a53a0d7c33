"""Moving misfits: a misfits CSV (written by ``misfits``) read for export and for removal.

Export adds each song to its ``better_playlist`` (`pipeline.spotify.export` reads the file that way);
with ``--remove-from-old``, `plans_for_moved_misfits` plans taking the songs that did land there out
of their current playlists (`pipeline.spotify.removal`: previewed, confirmed by name, logged, undoable).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import UserError
from pipeline.spotify.export import Suggestion, chosen_rows, is_misfits_file, read_suggestions
from pipeline.spotify.fetch import my_playlists
from pipeline.spotify.removal import RemovalPlan, plan_removal


def read_misfits(path: str | Path) -> pd.DataFrame:
    """A misfits CSV (see `pipeline.spotify.export.read_suggestions`); a suggestions file is refused."""
    frame = read_suggestions(path)
    if not is_misfits_file(frame):
        raise UserError(f"{path}: --remove-from-old needs a misfits file (written by 'misfits', with a "
                        "better_playlist column); this one only suggests songs to add")
    return frame


def current_playlists(misfits: pd.DataFrame, playlist: str, file: str = "misfits") -> list[str]:
    """Names of the playlists the misfits moving to ``playlist`` are in now, in file order."""
    return list(dict.fromkeys(chosen_rows(misfits, playlist, file)["from_playlist"].str.strip()))


def plans_for_moved_misfits(client, misfits: pd.DataFrame, playlist: str, moved: set[str],
                            file: str = "misfits") -> list[RemovalPlan]:
    """One `RemovalPlan` per current playlist of the misfits moving to ``playlist``, for the tracks in
    ``moved`` only (those now in the new playlist: a song is never removed before it has landed)."""
    rows = chosen_rows(misfits, playlist, file)
    rows = rows[rows["track_id"].isin(moved)].assign(from_playlist_id=rows.get("from_playlist_id", ""))
    mine = {p["id"] for p in my_playlists(client, client.me()["id"])[0]}
    plans = []
    for (name, playlist_id), group in rows.groupby(["from_playlist", "from_playlist_id"], sort=False):
        suggestions = [Suggestion(r.track_id, getattr(r, "track_name", ""), getattr(r, "artists", ""))
                       for r in group.itertuples()]
        plans.append(plan_removal(client, suggestions, playlist_id if playlist_id in mine else name))
    return plans
