"""The Misfits page's table and the user's choices (plain pandas, no Streamlit).

A misfit is a (song, playlist holding it) pair that another playlist fits better
(`pipeline.misfits`). Each is kept where it is unless the user chooses Move: moving is an
active choice. Choices are keyed by (track id, current playlist id), so a song in two playlists
is decided in each; they survive changing the filters (and reloads: `dashboard.picks_store`).
The CSV of the moves is the misfits table's own columns with ``accepted`` true, which
``python -m pipeline export`` reads as moves into ``better_playlist``.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from pipeline.misfits import COLUMNS

MOVE, KEEP = "Move", "Keep"
CHOICES = [KEEP, MOVE]
DEFAULT_MIN_CONFIDENCE = 0.5
"""The better playlist's calibrated score a misfit needs to be listed by default: at 50% the model
says the song belongs there at least as likely as not, so what is shown is worth a look."""
TABLE_COLUMNS = ["choice", "track_name", "playlist", "better_playlist", "score_here", "score_there", "artists",
                 "similar_tracks", "closest_features", "furthest_features", "rank", "track_id", "playlist_id"]
"""The choice and what it moves first, the long reasons last; ids hidden."""
CSV_COLUMNS = ["accepted", *COLUMNS]

Moves = set[tuple[str, str]]
"""(track id, current playlist id) of the misfits chosen Move."""


def shown_misfits(misfits: pd.DataFrame, min_confidence: float, playlist_id: str | None = None) -> pd.DataFrame:
    """The misfits whose better playlist scores at least ``min_confidence``, in ``playlist_id`` (None:
    every playlist), surest first."""
    rows = misfits[misfits["score_there"] >= min_confidence]
    if playlist_id is not None:
        rows = rows[rows["playlist_id"] == playlist_id]
    return rows.sort_values("rank", kind="stable").reset_index(drop=True)


def table_for(rows: pd.DataFrame, moves: Moves) -> pd.DataFrame:
    """``rows`` in `TABLE_COLUMNS` with each one's choice (Keep unless chosen Move)."""
    chosen = [MOVE if (track, playlist) in moves else KEEP for track, playlist in zip(rows["track_id"],
                                                                                      rows["playlist_id"])]
    return rows.assign(choice=chosen)[TABLE_COLUMNS].reset_index(drop=True)


def updated_moves(moves: Moves, edited: pd.DataFrame) -> Moves:
    """``moves`` with the edited table's rows replaced by their choices; rows it did not show are kept."""
    shown = set(zip(edited["track_id"], edited["playlist_id"]))
    chosen = {key for key, choice in zip(zip(edited["track_id"], edited["playlist_id"]), edited["choice"])
              if choice == MOVE}
    return (moves - shown) | chosen


def moves_frame(misfits: pd.DataFrame, moves: Moves) -> pd.DataFrame:
    """The misfits chosen Move, surest first, as the moves CSV (`CSV_COLUMNS`, ``accepted`` true)."""
    keys = list(zip(misfits["track_id"], misfits["playlist_id"]))
    rows = misfits[[key in moves for key in keys]].sort_values("rank", kind="stable")
    return rows.assign(accepted=True).reindex(columns=CSV_COLUMNS).reset_index(drop=True)


def moves_summary(moves: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(from playlist, to playlist, songs) for each pair of playlists the moves connect, most songs first."""
    pairs = moves.groupby(["playlist", "better_playlist"], sort=False).size().sort_values(ascending=False,
                                                                                      kind="stable")
    return [(str(here), str(there), int(count)) for (here, there), count in pairs.items()]


def playlists_with_misfits(rows: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(playlist id, name, misfits) of the playlists ``rows`` come from, most misfits first."""
    counts = rows.groupby(["playlist_id", "playlist"], sort=False).size().sort_values(ascending=False,
                                                                                  kind="stable")
    return [(str(pid), str(name), int(count)) for (pid, name), count in counts.items()]


def known_moves(moves: Iterable[tuple[str, str]], misfits: pd.DataFrame) -> Moves:
    """The stored ``moves`` that are still misfits of this table (a rerun may have dropped some)."""
    return set(moves) & set(zip(misfits["track_id"], misfits["playlist_id"]))
