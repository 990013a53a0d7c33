"""Command line: ``python -m pipeline COMMAND ...`` — a thin shell over the library.

Each command is registered by an ``add_<name>_command(subparsers)`` function whose
handler parses nothing itself and calls into `pipeline`. Problems the user can fix
raise `UserError`; `main` prints them as one line and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from pipeline.errors import UserError

Handler = Callable[[argparse.Namespace], int]


def add_library_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--library", required=True, metavar="SOURCE",
                        help="'demo', an Exportify folder/.zip/CSV, a long CSV, an account-export folder, "
                             "or a folder saved by 'fetch'")
    parser.add_argument("--exclude", nargs="*", default=[], metavar="NAME",
                        help="playlists to leave out (name or id; 'prefix*' matches by prefix)")


def load_library_from(args: argparse.Namespace):
    from pipeline.sources import load_library
    return load_library(args.library, exclude=args.exclude)


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, default=str, allow_nan=False)
    sys.stdout.write("\n")


# ----- info -------------------------------------------------------------------------------
def add_info_command(subparsers) -> None:
    parser = subparsers.add_parser("info", help="summarise a library: playlists, tracks, liked songs, warnings")
    add_library_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_info)


def run_info(args: argparse.Namespace) -> int:
    summary = load_library_from(args).summary()
    if args.json:
        print_json(summary)
        return 0
    print(f"Library: {summary['source']}")
    print(f"  playlists            {summary['playlists']:>7,}")
    print(f"  unique tracks        {summary['tracks']:>7,}  (in playlists)")
    print(f"  memberships          {summary['memberships']:>7,}  (playlist rows)")
    print(f"  liked songs          {summary['liked']:>7,}  ({summary['liked_in_playlists']:,} already in playlists)")
    print(f"  feature coverage     {summary['feature_coverage']:>7.1%}")
    print(f"  largest three share  {summary['largest_three_share']:>7.1%}")
    print("  playlists by size:")
    for name, size in summary["playlist_sizes"].items():
        print(f"    {size:>6,}  {name}")
    for warning in summary["warnings"]:
        print(f"  warning: {warning}")
    return 0


COMMANDS = [add_info_command]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in COMMANDS:
        add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
