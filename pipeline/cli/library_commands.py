"""``info``: what a library holds."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_library_arguments, load_library_from, print_json


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
    print(f"  feature coverage     {summary['feature_coverage']:>7.1%}"
          + (f"  (absent: {', '.join(summary['absent_features'])})" if summary["absent_features"] else ""))
    print(f"  largest three hold   {summary['largest_three_share']:>7.1%}  (of the tracks in playlists)")
    print("  playlists by size:")
    for name, size in summary["playlist_sizes"].items():
        print(f"    {size:>6,}  {name}")
    for warning in summary["warnings"]:
        print(f"  warning: {warning}")
    return 0
