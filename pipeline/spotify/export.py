"""Add accepted suggestions to a Spotify playlist: previewed first, never duplicated, resumable.

Which rows of a suggestions CSV are exported (`select_suggestions`):

1. If the file has an ``accepted`` column, only rows marked true (true/yes/y/1/x) count. Rows
   with no playlist (``decision`` = ``fits_none``: the song fits none of the playlists) never do.
2. Of those, rows whose ``playlist`` (name) or ``playlist_id`` equals the target playlist
   (case-insensitive) are exported. If none does but every row targets one and the same
   playlist, all rows are exported (suggestions for "Chill" into a new "Chill finds").
   Rows for several other playlists and none for the target is an error.
3. Rows flagged ``already_in_playlist`` are skipped; a track listed twice counts once;
   the order is the file's ``rank`` order.

A misfits file (written by ``misfits``; recognised by its ``better_playlist`` column) is read
the same way, with ``better_playlist``/``better_playlist_id`` as the target: each row moves a
song out of ``playlist`` into the better one (removing it from ``playlist`` is
`pipeline.spotify.removal`'s business, never this module's).

Writing (`apply_export`) re-reads the playlist first and adds only tracks not in it, in
batches of at most 100, logging each batch (`ExportLog`: JSON lines in the user data folder,
keyed by playlist id) with its snapshot id. If Spotify stops answering midway, running the same
export again adds exactly what is missing: tracks in the playlist, and tracks the log says
were added to it in the last `RECENT_HOURS` (in case Spotify's read-back lags), are skipped.
A playlist created by an interrupted run is found again by name, not re-created. An
interruption (`ExportInterrupted`, Ctrl-C included) carries the plan and what was and was not
added yet; a target playlist deleted meanwhile (Spotify's 404) is `PlaylistGone`, named.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from pipeline.csv_export import unescape_cell
from pipeline.errors import UserError, quoted
from pipeline.library import LibraryError
from pipeline.paths import data_dir
from pipeline.spotify.client import PlaylistNotFound
from pipeline.spotify.features import spotify_track_id
from pipeline.spotify.fetch import my_playlists, playlist_track_ids

BATCH_SIZE = 100
RECENT_HOURS = 24.0
"""Tracks logged as added within this time count as present even if Spotify's read-back lags."""
TRUE_WORDS = {"true", "yes", "y", "1", "x", "✓"}
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Suggestion:
    track_id: str
    track_name: str = ""
    artists: str = ""


@dataclass(frozen=True)
class ExportPlan:
    """What an export would do; ``playlist_id`` is None while the playlist is still to be created."""

    playlist_id: str | None
    playlist_name: str
    to_add: tuple[Suggestion, ...]
    already_there: tuple[Suggestion, ...] = ()

    @property
    def creates_playlist(self) -> bool:
        return self.playlist_id is None


@dataclass(frozen=True)
class ExportResult:
    playlist_id: str
    playlist_name: str
    added: tuple[str, ...]
    snapshot_ids: tuple[str, ...]
    created: bool


class ExportInterrupted(UserError):
    """Some batches were written, then Spotify stopped answering (or Ctrl-C); running the export again finishes it.

    ``plan`` is what was being carried out; ``added`` the track ids added before it stopped,
    ``left`` those still to add (``cancelled``: the user pressed Ctrl-C).
    """

    def __init__(self, plan: ExportPlan, added: Iterable[str], left: Iterable[str], cause: Exception | str,
                 cancelled: bool = False) -> None:
        self.plan, self.added, self.left, self.cancelled = plan, tuple(added), tuple(left), cancelled
        total = len(self.added) + len(self.left)
        super().__init__(f"added {len(self.added)} of {total} tracks to '{plan.playlist_name}', then: {cause} "
                         "(running the same export again adds only the rest)")


class PlaylistGone(UserError):
    """The target playlist was listed, then Spotify answered 404 for it: deleted (or unshared) meanwhile."""

    def __init__(self, playlist_name: str) -> None:
        self.playlist_name = playlist_name
        super().__init__(f"the playlist '{playlist_name}' is not on Spotify any more (HTTP 404): it was deleted, "
                         "or is no longer shared with you; export to another playlist, or run the export again "
                         "with --create to make a new one of that name")


# ----- reading suggestions --------------------------------------------------------------------
def read_suggestions(path: str | Path) -> pd.DataFrame:
    """The suggestions CSV as text cells, spreadsheet escapes (leading ``'``) removed."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a folder, a named pipe, a device: never read those
        raise LibraryError("not a regular file (a suggestions CSV written by 'suggest' is expected)", file=str(path))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise LibraryError("no such file", file=str(path)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise LibraryError(f"not a readable CSV ({error})", file=str(path)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in ("track_id", "playlist"):
        if column not in frame.columns:
            raise LibraryError("missing column (a suggestions file needs track_id and playlist)",
                               file=str(path), column=column)
    return frame.map(unescape_cell)


def is_misfits_file(frame: pd.DataFrame) -> bool:
    return "better_playlist" in frame.columns


def select_suggestions(frame: pd.DataFrame, playlist: str, file: str = "suggestions") -> list[Suggestion]:
    """The rows to export to ``playlist`` (name or id) by the rule in the module docstring."""
    picked: dict[str, Suggestion] = {}
    for row in chosen_rows(frame, playlist, file).itertuples():
        picked.setdefault(row.track_id, Suggestion(row.track_id, getattr(row, "track_name", ""),
                                                   getattr(row, "artists", "")))
    return list(picked.values())


def chosen_rows(frame: pd.DataFrame, playlist: str, file: str = "suggestions") -> pd.DataFrame:
    """The rows `select_suggestions` exports, best first, ``track_id`` a bare id; a misfits file's
    rows keep the song's current playlist as ``from_playlist``/``from_playlist_id``."""
    rows = _with_targets(frame).assign(file_row=range(2, len(frame) + 2))  # file rows: the header is row 1
    if "accepted" in rows.columns:
        rows = rows[rows["accepted"].map(_is_true)]
    rows = rows[rows["playlist"].str.strip().ne("") & rows.get("decision", rows["playlist"]).ne("fits_none")]
    wanted = playlist.strip().casefold()
    targets = rows["playlist"].str.strip().str.casefold()
    ids = rows["playlist_id"].str.strip().str.casefold() if "playlist_id" in rows.columns else targets
    matching = rows[(targets == wanted) | (ids == wanted)]
    if matching.empty and rows["playlist"].nunique() > 1:
        names = ", ".join(sorted(rows["playlist"].unique())[:8])
        raise UserError(f"{file}: no suggestions for playlist '{playlist}' (the file has: {names}); "
                        "name one of those, or keep only the rows you want")
    chosen = matching if not matching.empty else rows
    if "already_in_playlist" in chosen.columns:
        chosen = chosen[~chosen["already_in_playlist"].map(_is_true)]
    if "rank" in chosen.columns:
        chosen = chosen.assign(sort_rank=pd.to_numeric(chosen["rank"], errors="coerce")).sort_values(
            "sort_rank", kind="stable", na_position="last")
    return chosen.assign(track_id=[_track_id(row, file) for row in chosen.itertuples()])


def _with_targets(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the playlist each row goes to as ``playlist``/``playlist_id`` (a misfits file's better one)."""
    if not is_misfits_file(frame):
        return frame
    return frame.rename(columns={"playlist": "from_playlist", "playlist_id": "from_playlist_id"}).rename(
        columns={"better_playlist": "playlist", "better_playlist_id": "playlist_id"})


def _track_id(row, file: str) -> str:
    track_id = spotify_track_id(row.track_id)
    if track_id is None:
        raise LibraryError(f"{quoted(row.track_id)} is not a Spotify track id", file=file, row=row.file_row,
                           column="track_id")
    return track_id


def _is_true(value) -> bool:
    return str(value).strip().casefold() in TRUE_WORDS


# ----- the local log ----------------------------------------------------------------------------
class ExportLog:
    """Append-only JSON lines: playlists created, batches added, removals and their undoing, keyed by
    playlist id. Every entry written gets an ``entry`` id (``r-1a2b3c4d``: the event's initial, then
    8 hex digits); entries written before ids existed have none and are read all the same."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else data_dir() / "spotify-exports.jsonl"

    def entries(self, playlist_id: str | None = None) -> list[dict]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            entries = [json.loads(line) for line in handle if line.strip()]
        return [e for e in entries if playlist_id is None or e.get("playlist_id") == playlist_id]

    def recently_added(self, playlist_id: str, hours: float = RECENT_HOURS) -> set[str]:
        """Tracks this log says were added to the playlist in the last ``hours`` (and not removed since)."""
        since = datetime.now(timezone.utc) - timedelta(hours=hours)
        added: set[str] = set()
        for entry in self.entries(playlist_id):
            if entry["event"] == "added" and datetime.fromisoformat(entry["at"]) >= since:
                added.update(entry["track_ids"])
            elif entry["event"] == "removed":
                added.difference_update(t["track_id"] for t in entry.get("tracks", []))
        return added

    def record(self, event: str, playlist_id: str, playlist_name: str, **details) -> str:
        """Append one entry; returns its ``entry`` id."""
        entry_id = f"{event[:1]}-{secrets.token_hex(4)}"
        entry = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "event": event, "entry": entry_id,
                 "playlist_id": playlist_id, "playlist_name": playlist_name, **details}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
        return entry_id


# ----- planning and writing ---------------------------------------------------------------------
def plan_export(client, suggestions: Iterable[Suggestion], playlist: str, *, create: bool = False,
                log: ExportLog | None = None) -> ExportPlan:
    """What adding ``suggestions`` to ``playlist`` (name or id) would change; reads, never writes."""
    suggestions = list(suggestions)
    playlist_id, name = find_playlist(client, playlist, create)
    present = _present(client, playlist_id, name, log or ExportLog()) if playlist_id else set()
    return ExportPlan(playlist_id, name,
                      to_add=tuple(s for s in suggestions if s.track_id not in present),
                      already_there=tuple(s for s in suggestions if s.track_id in present))


def apply_export(client, plan: ExportPlan, *, log: ExportLog | None = None,
                 progress: Progress | None = None) -> ExportResult:
    """Carry out ``plan`` (needs the playlist-modify scopes).

    Raises `ExportInterrupted` once something may have been written (Ctrl-C included), and
    `PlaylistGone` if the playlist was deleted since the plan was made.
    """
    log, report = log or ExportLog(), progress or (lambda fraction, message: None)
    playlist_id, created = plan.playlist_id, plan.creates_playlist
    if created:
        answer = client.current_user_playlist_create(plan.playlist_name, public=False,
                                                     description="Songs added by Playlist Enhancer")
        playlist_id = answer["id"]
        log.record("created", playlist_id, plan.playlist_name, snapshot_id=answer.get("snapshot_id"))
    # The plan may be stale (a preview left open): the playlist as it is now decides.
    present = set() if created else _present(client, playlist_id, plan.playlist_name, log)
    todo = [s.track_id for s in plan.to_add if s.track_id not in present]
    added: list[str] = []
    snapshots: list[str] = []
    for start in range(0, len(todo), BATCH_SIZE):
        batch = todo[start:start + BATCH_SIZE]
        report(start / len(todo), f"Adding tracks {start + 1}-{start + len(batch)} of {len(todo)}")
        try:
            answer = client.playlist_add_items(playlist_id, [f"spotify:track:{t}" for t in batch])
        except PlaylistNotFound:
            raise ExportInterrupted(plan, added, todo[start:], PlaylistGone(plan.playlist_name)) from None
        except UserError as error:  # RateLimited, ServiceUnavailable, SpotifyRefused (403: no permission)
            raise ExportInterrupted(plan, added, todo[start:], error) from None
        except KeyboardInterrupt:
            raise ExportInterrupted(plan, added, todo[start:], "stopped by Ctrl-C", cancelled=True) from None
        snapshots.append(answer["snapshot_id"])
        added += batch
        log.record("added", playlist_id, plan.playlist_name, track_ids=batch, snapshot_id=answer["snapshot_id"])
    report(1.0, f"Added {len(added)} tracks to '{plan.playlist_name}'")
    return ExportResult(playlist_id, plan.playlist_name, tuple(added), tuple(snapshots), created)


def _present(client, playlist_id: str, playlist_name: str, log: ExportLog) -> set[str]:
    try:
        in_playlist = playlist_track_ids(client, playlist_id)
    except PlaylistNotFound:
        raise PlaylistGone(playlist_name) from None
    return set(in_playlist) | log.recently_added(playlist_id)


def find_playlist(client, wanted: str, create: bool = False) -> tuple[str | None, str]:
    """(id or None to create, display name) for a playlist name, id, URI or link.

    A playlist created by an interrupted export is found again by its name, so it is not
    created twice. (The log is not consulted: a playlist the user has since deleted would
    still accept tracks, invisibly.)
    """
    me = client.me()
    mine, _ = my_playlists(client, me["id"])
    wanted_id = _playlist_id(wanted)
    by_id = [p for p in mine if p["id"] == wanted_id]
    by_name = [p for p in mine if p["name"].strip().casefold() == wanted.strip().casefold()]
    if by_id or len(by_name) == 1:
        found = (by_id or by_name)[0]
        return found["id"], found["name"]
    if len(by_name) > 1:
        ids = ", ".join(p["id"] for p in by_name)
        raise UserError(f"you have {len(by_name)} playlists named '{wanted}': pass one of their ids ({ids})")
    if create:
        return None, wanted.strip()
    names = ", ".join(sorted(p["name"] for p in mine)[:10])
    raise UserError(f"no playlist of yours is named '{wanted}' (yours: {names}); add --create to make a new one")


def _playlist_id(value: str) -> str:
    text = value.strip()
    for marker in ("spotify:playlist:", "open.spotify.com/playlist/"):
        if marker in text:
            return text.split(marker, 1)[1].split("?", 1)[0]
    return text


def spotify_client(write: bool):
    """A client for the CLI's export: allowed to change playlists only when ``write`` (--apply)."""
    from pipeline.spotify.auth import READ_SCOPES, WRITE_SCOPES
    from pipeline.spotify.settings import load_settings
    from pipeline.spotify.client import connect
    return connect(load_settings(), WRITE_SCOPES if write else READ_SCOPES)


def export_from_csv(suggestions_csv: str | Path, playlist: str, *, create: bool = False, apply: bool = False,
                    progress: Progress | None = None
                    ) -> tuple[ExportPlan, ExportResult | None]:
    """``python -m pipeline export``: plan always; write only with ``apply`` (the CLI's --apply)."""
    suggestions = select_suggestions(read_suggestions(suggestions_csv), playlist, file=str(suggestions_csv))
    if not suggestions:
        raise UserError(f"{suggestions_csv}: no accepted suggestions for playlist '{playlist}' to export")
    client = spotify_client(write=apply)
    log = ExportLog()
    plan = plan_export(client, suggestions, playlist, create=create, log=log)
    result = apply_export(client, plan, log=log, progress=progress) if apply and plan.to_add else None
    return plan, result
