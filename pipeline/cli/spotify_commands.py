"""``login``, ``fetch``, ``features``, ``export`` (with ``--remove-from-old`` and ``--undo``): talking to Spotify
(and ReccoBeats)."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli.common import stderr_progress


def add_login_command(subparsers) -> None:
    parser = subparsers.add_parser("login", help="log in to Spotify in the browser; the token is kept in a "
                                                 "private file in the user data folder")
    parser.add_argument("--write", action="store_true", help="also allow changing playlists (for export --apply)")
    parser.set_defaults(handler=run_login)


def run_login(args: argparse.Namespace) -> int:
    from pipeline.spotify.auth import READ_SCOPES, WRITE_SCOPES, login_in_terminal
    from pipeline.spotify.settings import load_settings
    login_in_terminal(load_settings(), WRITE_SCOPES if args.write else READ_SCOPES,
                      announce=lambda url: print(f"Opening Spotify's login page; if no browser opens, visit:\n{url}",
                                                 file=sys.stderr))
    print("Logged in to Spotify.", file=sys.stderr)
    return 0


def add_fetch_command(subparsers) -> None:
    parser = subparsers.add_parser("fetch", help="download your playlists and liked songs from Spotify into a folder")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to save the library in")
    parser.add_argument("--features", action=argparse.BooleanOptionalAction, default=True,
                        help="add audio features (Spotify, else ReccoBeats; cached)")
    parser.add_argument("--fresh", action="store_true", help="ignore pages saved by earlier fetches")
    parser.set_defaults(handler=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    from pipeline.spotify.fetch import fetch_to_folder
    library = fetch_to_folder(args.out, features=args.features, fresh=args.fresh, progress=stderr_progress)
    _print_saved(library, args.out)
    return 0


def add_features_command(subparsers) -> None:
    parser = subparsers.add_parser("features", help="fill missing audio features of a library (ReccoBeats) "
                                                    "and save it into a folder")
    parser.add_argument("--library", required=True, metavar="SOURCE", help="any library SOURCE (see 'info')")
    parser.add_argument("--out", required=True, metavar="DIR")
    parser.add_argument("--spotify", action="store_true",
                        help="ask Spotify's audio-features first (only older apps still have it; needs login)")
    parser.set_defaults(handler=run_features)


def run_features(args: argparse.Namespace) -> int:
    from pipeline.spotify.features import features_to_folder
    library = features_to_folder(args.library, args.out, use_spotify=args.spotify, progress=stderr_progress)
    _print_saved(library, args.out)
    return 0


def _print_saved(library, out: str) -> None:
    summary = library.summary()
    print(f"Saved {summary['playlists']} playlists, {summary['tracks_total']:,} tracks and {summary['liked']:,} "
          f"liked songs to {out} (feature coverage {summary['feature_coverage']:.1%})")
    for warning in summary["warnings"]:
        print(f"  warning: {warning}")


def add_export_command(subparsers) -> None:
    parser = subparsers.add_parser("export", help="add suggestions to a Spotify playlist (a dry run unless --apply), "
                                                  "or undo a removal (--undo)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--suggestions", metavar="FILE.csv", help="a CSV written by 'suggest', 'discover' or 'misfits'")
    source.add_argument("--undo", metavar="ENTRY_ID", help="put back the tracks a removal took out (the log entry id "
                                                           "printed by --remove-from-old --apply)")
    parser.add_argument("--playlist", metavar="NAME_OR_ID", help="the playlist to add to (needed with --suggestions)")
    parser.add_argument("--create", action="store_true", help="create the playlist if you have none by that name")
    parser.add_argument("--apply", action="store_true", help="really change the playlist (default: only show)")
    parser.add_argument("--remove-from-old", action="store_true",
                        help="misfits file only: once added, also remove the songs from the playlists they are in "
                             "now (shown first; with --apply, confirmed per playlist)")
    parser.add_argument("--confirm", action="append", default=[], metavar="NAME",
                        help="confirm removing from the playlist NAME without a prompt (needed when not on a "
                             "terminal; once per playlist)")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from pipeline.errors import UserError
    if args.undo is not None:
        return _run_undo(args.undo)
    if not args.playlist:
        raise UserError("export --suggestions needs --playlist NAME_OR_ID: the playlist to add the songs to")
    if args.confirm and not args.remove_from_old:
        raise UserError("--confirm names a playlist to remove songs from, which only --remove-from-old does "
                        "(nothing was added or removed)")
    misfits = _misfits_to_move(args) if args.remove_from_old else None
    plan, result = _run_add(args)
    if misfits is not None:
        _run_removals(args, misfits, _landed(args, plan, result), plan.playlist_name)
    return 0


def _landed(args: argparse.Namespace, plan, result) -> set[str]:
    """Tracks in the target playlist once the add is done (in a dry run: would be); only those may be removed."""
    added = (result.added if result else ()) if args.apply else [s.track_id for s in plan.to_add]
    return {s.track_id for s in plan.already_there} | set(added)


def _run_add(args: argparse.Namespace):
    from pipeline.spotify.export import ExportInterrupted, export_from_csv
    try:
        plan, result = export_from_csv(args.suggestions, args.playlist, create=args.create, apply=args.apply,
                                       progress=stderr_progress)
    except ExportInterrupted as stopped:  # show what was being done, then the error (or "interrupted")
        _print_export_plan(stopped.plan, added=set(stopped.added), left=set(stopped.left))
        print(f"Stopped after adding {len(stopped.added)} of {len(stopped.added) + len(stopped.left)} track(s); "
              f"{len(stopped.left)} left. Run the same command again to add the rest.")
        if stopped.cancelled:
            raise KeyboardInterrupt from None
        raise
    _print_export_plan(plan)
    if result is not None:
        print(f"Added {len(result.added)} track(s) to '{result.playlist_name}' ({result.playlist_id}); "
              f"snapshot {result.snapshot_ids[-1] if result.snapshot_ids else '-'}")
    elif plan.to_add:
        print("Dry run: nothing changed. Run again with --apply to add them.")
    return plan, result


def _print_export_plan(plan, added: set[str] | None = None, left: set[str] | None = None) -> None:
    """The plan, one line per track; after an interruption each line says whether it was added."""
    target = f"new playlist '{plan.playlist_name}'" if plan.creates_playlist else f"'{plan.playlist_name}'"
    print(f"{len(plan.to_add)} track(s) to add to {target}; {len(plan.already_there)} already there")
    for suggestion in plan.to_add:
        if added is None:
            mark = "+"
        else:
            mark = "added" if suggestion.track_id in added else "left " if suggestion.track_id in left else "there"
        print(f"  {mark} {suggestion.track_name or suggestion.track_id}  {suggestion.artists}".rstrip())


# ----- --remove-from-old, --confirm, --undo --------------------------------------------------------
def _misfits_to_move(args: argparse.Namespace):
    """The misfits file, checked before anything is added: off a terminal, every playlist to remove from
    needs its --confirm up front, so a forgotten one stops the run before the add, not after it."""
    from pipeline.errors import UserError
    from pipeline.spotify.moves import current_playlists, read_misfits
    misfits = read_misfits(args.suggestions)
    playlists = current_playlists(misfits, args.playlist, args.suggestions)
    known = {name.casefold() for name in playlists}
    unknown = [name for name in args.confirm if name.strip().casefold() not in known]
    if unknown:
        names = ", ".join(f"'{name}'" for name in playlists) or "none"
        raise UserError(f"--confirm '{unknown[0]}' names no playlist these moves take songs out of (they are: "
                        f"{names}; nothing was added or removed)")
    if args.apply and not sys.stdin.isatty():
        given = {name.strip().casefold() for name in args.confirm}
        missing = [n for n in playlists if n.casefold() not in given]
        if missing:
            flags = " ".join(f"--confirm '{name}'" for name in missing)
            raise UserError(f"removing songs from a playlist needs its name confirmed, and this is not a terminal "
                            f"to ask on: add {flags} (nothing was added or removed)")
    return misfits


def _run_removals(args: argparse.Namespace, misfits, moved: set[str], target: str) -> None:
    from pipeline.spotify.export import spotify_client
    from pipeline.spotify.moves import plans_for_moved_misfits
    client = spotify_client(write=args.apply)
    plans = plans_for_moved_misfits(client, misfits, args.playlist, moved, args.suggestions)
    for plan in plans:
        _print_removal_plan(plan, target)
    if not args.apply:
        if any(plan.items for plan in plans):
            print("Dry run: nothing removed. Run again with --apply to remove them (you confirm each playlist).")
        return
    for plan in plans:
        if plan.items:
            _remove_confirmed(client, plan, args.confirm)


def _print_removal_plan(plan, target: str) -> None:
    print(f"{len(plan.items)} track(s) to remove from '{plan.playlist_name}' (now in '{target}'); "
          f"{len(plan.not_there)} not in it any more")
    for item in plan.items:
        places = ", ".join(str(p + 1) for p in item.positions)  # counted from 1, as Spotify's apps show them
        print(f"  - {item.track_name or item.track_id}  {item.artists}".rstrip() + f"  (position {places})")


def _remove_confirmed(client, plan, confirmations: list[str]) -> None:
    from pipeline.spotify.removal import RemovalInterrupted, apply_removal
    answer = _confirmation(plan, confirmations)
    try:
        result = apply_removal(client, plan, confirmation=answer)
    except RemovalInterrupted as stopped:
        if stopped.cancelled:
            print(f"Stopped: {stopped}")
            raise KeyboardInterrupt from None
        raise
    if result.replanned:
        print(f"'{plan.playlist_name}' changed since the preview: removed what is there now instead.")
    if result.entry is None:
        print(f"None of them is in '{plan.playlist_name}' any more: nothing removed.")
        return
    print(f"Removed {len(result.removed)} track(s) from '{plan.playlist_name}'; snapshot {result.snapshot_id}; "
          f"log entry {result.entry}")
    print(f"  To put them back: {result.undo_command}")


def _confirmation(plan, confirmations: list[str]) -> str:
    """A --confirm naming the playlist, else (on a terminal) the name the user types."""
    from pipeline.errors import UserError
    given = next((name for name in confirmations if plan.confirmed_by(name)), None)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise UserError(f"removing from '{plan.playlist_name}' needs --confirm '{plan.confirmation}' (this is not a "
                        "terminal to ask on); nothing was removed from it")
    try:
        return input(f"Type the playlist name '{plan.confirmation}' to remove {len(plan.items)} track(s) from it: ")
    except EOFError:
        return ""


def _run_undo(entry: str) -> int:
    from pipeline.spotify.export import spotify_client
    from pipeline.spotify.removal import UndoInterrupted, undo_removal
    try:
        result = undo_removal(spotify_client(write=True), entry)
    except UndoInterrupted as stopped:
        if stopped.cancelled:
            print(f"Stopped: {stopped}")
            raise KeyboardInterrupt from None
        raise
    already = f"; {result.already_back} were already in place" if result.already_back else ""
    print(f"Put back {len(result.put_back)} track(s) into '{result.playlist_name}' at their old positions{already}; "
          f"snapshot {result.snapshot_id or '-'}; log entry {result.entry}")
    if result.playlist_changed:
        print(f"  Note: '{result.playlist_name}' changed since the removal, so the old positions were counted in "
              "the playlist as it is now.")
    return 0
