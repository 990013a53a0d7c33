"""``login``, ``fetch``, ``features``, ``export``: talking to Spotify (and ReccoBeats)."""

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
    parser = subparsers.add_parser("export", help="add suggestions to a Spotify playlist (a dry run unless --apply)")
    parser.add_argument("--suggestions", required=True, metavar="FILE.csv", help="a CSV written by 'suggest'")
    parser.add_argument("--playlist", required=True, metavar="NAME_OR_ID")
    parser.add_argument("--create", action="store_true", help="create the playlist if you have none by that name")
    parser.add_argument("--apply", action="store_true", help="really change the playlist (default: only show)")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
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
    return 0


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
