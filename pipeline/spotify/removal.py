"""Take songs out of a playlist — only when the user confirms — and put them back from the log.

This is the second half of moving a misfit (`pipeline.misfits`: a song in *Gym* that fits *Late
Night* better): export adds it to the new playlist, and only if the user asks does this module
take it out of the old one. The rules:

1. `plan_removal` only reads: the playlist's snapshot id and every entry in it, so each track's
   positions (all its occurrences; local files and episodes count as positions too) are known
   before anything is removed.
2. `apply_removal` sends no request unless ``confirmation`` is the playlist's name
   (`RemovalPlan.confirmation`, compared without surrounding spaces or case). It re-reads the
   playlist first; if the planned tracks have moved, or some are gone, it plans again from what
   is there now — only tracks of the first plan, never others — and says so (``replanned``).
3. Every occurrence of each track is removed (Spotify's remove-all-occurrences, with the
   snapshot id read), at most `BATCH_SIZE` tracks per request. One log entry per removal (event
   ``removed``, an ``r-…`` entry id) records the playlist, the snapshot id Spotify returned and each
   removed track with its positions, name and artists — also when Spotify stops answering
   midway (``complete`` false; a batch whose answer was lost is kept under ``maybe_removed``).
4. `undo_removal` puts one logged removal back: it re-reads the playlist, skips any track already
   back at its place, inserts in ascending position order (so an insertion never shifts a later
   one) in contiguous runs of at most `BATCH_SIZE`, and logs an ``undone`` entry naming the
   removal. A removal fully undone is refused a second time; an interrupted undo can be run again
   and puts back only the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from pipeline.errors import UserError, quoted
from pipeline.spotify.client import PlaylistNotFound
from pipeline.spotify.export import BATCH_SIZE, ExportLog, PlaylistGone, Suggestion, find_playlist
from pipeline.spotify.fetch import PAGE_SIZE
from pipeline.spotify.retry import ServiceUnavailable

UNDO_COMMAND = "python -m pipeline export --undo {entry}"


@dataclass(frozen=True)
class RemovalItem:
    """A track to remove and ``positions``: every place it occupies in the playlist as read just now."""

    track_id: str
    track_name: str
    artists: str
    positions: tuple[int, ...]


@dataclass(frozen=True)
class RemovalPlan:
    """What a removal would take out of one playlist; ``not_there``: asked for, but not in it."""

    playlist_id: str
    playlist_name: str
    snapshot_id: str
    items: tuple[RemovalItem, ...]
    not_there: tuple[Suggestion, ...] = ()

    @property
    def confirmation(self) -> str:
        """What the user types to confirm: the playlist's name."""
        return self.playlist_name

    def confirmed_by(self, answer: str) -> bool:
        return answer.strip().casefold() == self.confirmation.strip().casefold()


@dataclass(frozen=True)
class RemovalResult:
    """A removal carried out: ``plan`` as carried out (planned again if the playlist had changed);
    ``entry`` is its log entry (None when nothing was left to remove)."""

    entry: str | None
    plan: RemovalPlan
    snapshot_id: str | None
    replanned: bool

    @property
    def removed(self) -> tuple[RemovalItem, ...]:
        return self.plan.items

    @property
    def undo_command(self) -> str:
        return UNDO_COMMAND.format(entry=self.entry)


@dataclass(frozen=True)
class UndoResult:
    """``put_back``: (position, track id) of every track re-added; ``already_back``: how many were there."""

    entry: str
    removal: str
    playlist_id: str
    playlist_name: str
    put_back: tuple[tuple[int, str], ...]
    already_back: int
    snapshot_id: str | None
    playlist_changed: bool


class RemovalInterrupted(UserError):
    """Spotify stopped answering (or Ctrl-C) during a removal; the message says what was removed and how to undo it."""

    def __init__(self, plan: RemovalPlan, removed: Iterable[RemovalItem], maybe: Iterable[RemovalItem],
                 cause: Exception | str, entry: str | None, cancelled: bool = False) -> None:
        self.plan, self.removed, self.maybe = plan, tuple(removed), tuple(maybe)
        self.entry, self.cancelled = entry, cancelled
        maybe_text = f" ({len(self.maybe)} more may have been: Spotify's answer was lost)" if self.maybe else ""
        undo = (f"; log entry {entry} records what was removed: '{UNDO_COMMAND.format(entry=entry)}' puts it back"
                if entry else "; nothing was changed")
        super().__init__(f"removed {len(self.removed)} of {len(plan.items)} track(s) from '{plan.playlist_name}'"
                         f"{maybe_text}, then: {cause}{undo}")


class UndoInterrupted(UserError):
    """Spotify stopped answering (or Ctrl-C) while putting a removal back; running the undo again finishes it."""

    def __init__(self, removal: str, playlist_name: str, put_back: int, total: int, cause: Exception | str,
                 cancelled: bool = False) -> None:
        self.removal, self.put_back, self.total, self.cancelled = removal, put_back, total, cancelled
        super().__init__(f"put back {put_back} of {total} track(s) into '{playlist_name}', then: {cause}; "
                         f"'{UNDO_COMMAND.format(entry=removal)}' again puts back only what is still missing")


# ----- planning ----------------------------------------------------------------------------------
def plan_removal(client, suggestions: Iterable[Suggestion], playlist: str) -> RemovalPlan:
    """What removing ``suggestions`` from ``playlist`` (name, id, URI or link) would take out; reads only."""
    playlist_id, name = find_playlist(client, playlist)
    snapshot, contents = _read_playlist(client, playlist_id, name)
    return _plan_from(playlist_id, name, snapshot, contents, suggestions)


def _plan_from(playlist_id: str, name: str, snapshot: str, contents: tuple[str | None, ...],
               suggestions: Iterable[Suggestion]) -> RemovalPlan:
    unique = list({s.track_id: s for s in suggestions}.values())
    positions: dict[str, list[int]] = {}
    for position, track_id in enumerate(contents):
        positions.setdefault(track_id, []).append(position)
    items = tuple(RemovalItem(s.track_id, s.track_name, s.artists, tuple(positions[s.track_id]))
                  for s in unique if s.track_id in positions)
    return RemovalPlan(playlist_id, name, snapshot, items, tuple(s for s in unique if s.track_id not in positions))


def _read_playlist(client, playlist_id: str, name: str) -> tuple[str, tuple[str | None, ...]]:
    """(snapshot id, each entry's track id — None for local files and episodes) as Spotify has it now."""
    try:
        snapshot = client.playlist(playlist_id, fields="snapshot_id")["snapshot_id"]
        page = client.playlist_items(playlist_id, limit=PAGE_SIZE, offset=0, additional_types=("track", "episode"))
        contents: list[str | None] = []
        while page:
            contents += [_track_id_of(entry) for entry in page.get("items") or []]
            page = client.next(page) if page.get("next") and page.get("items") else None
    except PlaylistNotFound:
        raise PlaylistGone(name) from None
    return snapshot, tuple(contents)


def _track_id_of(entry: dict | None) -> str | None:
    track = (entry or {}).get("item") or (entry or {}).get("track")  # 2026 name, then the older one
    if not track or entry.get("is_local") or track.get("is_local") or track.get("type") == "episode":
        return None
    return track.get("id")


# ----- removing ----------------------------------------------------------------------------------
def apply_removal(client, plan: RemovalPlan, *, confirmation: str, log: ExportLog | None = None) -> RemovalResult:
    """Carry out ``plan`` once ``confirmation`` is the playlist's name (rule 2); raises `UserError` without
    sending anything when it is not, and `RemovalInterrupted` when Spotify stops answering."""
    if not plan.confirmed_by(confirmation):
        raise UserError(f"{quoted(confirmation)} is not the playlist's name '{plan.confirmation}': nothing was "
                        "removed from it (type the name as shown to confirm)")
    log = log or ExportLog()
    try:
        snapshot, contents = _read_playlist(client, plan.playlist_id, plan.playlist_name)
    except UserError as error:
        raise RemovalInterrupted(plan, (), (), error, None) from None
    now = _plan_from(plan.playlist_id, plan.playlist_name, snapshot, contents,
                     [Suggestion(i.track_id, i.track_name, i.artists) for i in plan.items])
    replanned = now.items != plan.items
    now = replace(now, not_there=now.not_there + plan.not_there)
    if not now.items:
        return RemovalResult(None, now, snapshot, replanned)
    entry, snapshot = _remove(client, now, log)
    return RemovalResult(entry, now, snapshot, replanned)


def _remove(client, plan: RemovalPlan, log: ExportLog) -> tuple[str, str]:
    """Remove ``plan.items`` in batches and log it; (entry id, the snapshot id Spotify returned last)."""
    removed: list[RemovalItem] = []
    snapshot = plan.snapshot_id
    for start in range(0, len(plan.items), BATCH_SIZE):
        batch = plan.items[start:start + BATCH_SIZE]
        try:
            answer = client.playlist_remove_all_occurrences_of_items(
                plan.playlist_id, [item.track_id for item in batch], snapshot_id=snapshot)
        except (UserError, KeyboardInterrupt) as error:  # RateLimited, ServiceUnavailable, SpotifyRefused, 404
            lost = isinstance(error, (ServiceUnavailable, KeyboardInterrupt))  # it may have been applied
            maybe = batch if lost else ()
            entry = _log_removal(log, plan, removed, snapshot if removed else None, maybe) if removed or maybe else None
            raise RemovalInterrupted(plan, removed, maybe, _cause(error, plan.playlist_name), entry,
                                     cancelled=isinstance(error, KeyboardInterrupt)) from None
        snapshot = answer["snapshot_id"]
        removed += batch
    return _log_removal(log, plan, removed, snapshot), snapshot


def _log_removal(log: ExportLog, plan: RemovalPlan, removed: list[RemovalItem], snapshot: str | None,
                 maybe: tuple[RemovalItem, ...] = ()) -> str:
    done = {item.track_id for item in removed + list(maybe)}
    return log.record("removed", plan.playlist_id, plan.playlist_name, snapshot_id=snapshot,
                      snapshot_before=plan.snapshot_id, tracks=[_logged(item) for item in removed],
                      maybe_removed=[_logged(item) for item in maybe],
                      not_removed=[item.track_id for item in plan.items if item.track_id not in done],
                      complete=len(removed) == len(plan.items))


def _logged(item: RemovalItem) -> dict:
    return {"track_id": item.track_id, "track_name": item.track_name, "artists": item.artists,
            "positions": list(item.positions)}


def _cause(error: BaseException, playlist_name: str) -> Exception | str:
    if isinstance(error, KeyboardInterrupt):
        return "stopped by Ctrl-C"
    return PlaylistGone(playlist_name) if isinstance(error, PlaylistNotFound) else error


# ----- undoing -----------------------------------------------------------------------------------
def undo_removal(client, entry: str, log: ExportLog | None = None) -> UndoResult:
    """Put the tracks of the logged removal ``entry`` back at their old positions (rule 4).

    Raises `UserError` for an unknown or already undone entry, `UndoInterrupted` when Spotify
    stops answering (the log then says what was put back)."""
    log = log or ExportLog()
    removal = _find_removal(log, entry.strip())
    entry, name, playlist_id = removal["entry"], removal["playlist_name"], removal["playlist_id"]
    wanted = [(p, t["track_id"]) for t in removal["tracks"] + removal.get("maybe_removed", []) for p in t["positions"]]
    try:
        snapshot, contents = _read_playlist(client, playlist_id, name)
    except UserError as error:
        raise UndoInterrupted(entry, name, 0, len(wanted), error) from None
    changed = snapshot != _last_snapshot(log, removal)
    runs = _insertions(contents, wanted)
    put_back: list[tuple[int, str]] = []
    for position, track_ids in runs:
        try:
            snapshot = client.playlist_add_items(playlist_id, track_ids, position=position)["snapshot_id"]
        except (UserError, KeyboardInterrupt) as error:
            _log_undo(log, removal, put_back, snapshot, complete=False)
            raise UndoInterrupted(entry, name, len(put_back), sum(len(ids) for _, ids in runs),
                                  _cause(error, name), cancelled=isinstance(error, KeyboardInterrupt)) from None
        put_back += [(position + offset, track_id) for offset, track_id in enumerate(track_ids)]
    undo_entry = _log_undo(log, removal, put_back, snapshot, complete=True)
    return UndoResult(undo_entry, entry, playlist_id, name, tuple(put_back), len(wanted) - len(put_back), snapshot,
                      changed)


def _find_removal(log: ExportLog, entry: str) -> dict:
    entries = log.entries()
    found = next((e for e in entries if e.get("entry") == entry), None)
    if found is None or found["event"] != "removed":
        recent = [e["entry"] for e in entries if e["event"] == "removed" and e.get("entry")][-5:]
        what = f"is a log entry of '{found['event']}', not a removal" if found else "is not in the log"
        raise UserError(f"{quoted(entry)} {what} ({log.path}); recent removals: "
                        f"{', '.join(reversed(recent)) or 'none yet'}")
    undone = [e for e in entries if e["event"] == "undone" and e.get("undoes") == entry and e.get("complete")]
    if undone:
        raise UserError(f"the removal {entry} from '{found['playlist_name']}' was already undone at "
                        f"{undone[-1]['at']} (log entry {undone[-1]['entry']}); nothing was changed")
    return found


def _last_snapshot(log: ExportLog, removal: dict) -> str | None:
    """The snapshot id the playlist had when we last changed it: after the removal, or an interrupted undo of it."""
    partial = [e for e in log.entries(removal["playlist_id"]) if e["event"] == "undone"
               and e.get("undoes") == removal["entry"]]
    return (partial[-1] if partial else removal).get("snapshot_id")


def _insertions(contents: tuple[str | None, ...], wanted: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """(position, track ids) insertions putting each (position, track) of ``wanted`` back, skipping any
    already at its place; ascending and contiguous, so one insertion never shifts a later one."""
    now = list(contents)
    runs: list[tuple[int, list[str]]] = []
    for position, track_id in sorted(wanted):
        if position < len(now) and now[position] == track_id:
            continue
        at = min(position, len(now))  # the playlist got shorter since: as near its old place as it can be
        now.insert(at, track_id)
        if runs and runs[-1][0] + len(runs[-1][1]) == at and len(runs[-1][1]) < BATCH_SIZE:
            runs[-1][1].append(track_id)
        else:
            runs.append((at, [track_id]))
    return runs


def _log_undo(log: ExportLog, removal: dict, put_back: list[tuple[int, str]], snapshot: str | None,
              complete: bool) -> str | None:
    if not complete and not put_back:
        return None
    return log.record("undone", removal["playlist_id"], removal["playlist_name"], undoes=removal["entry"],
                      snapshot_id=snapshot, put_back=[{"position": p, "track_id": t} for p, t in put_back],
                      complete=complete)
