"""``misfits``, ``discover``: songs in the wrong playlist, new playlists from the leftovers."""

from __future__ import annotations

import argparse
import json
import sys

from pipeline.cli.common import add_chosen_config_arguments, add_library_arguments, config_for, load_library_from


def add_misfits_command(subparsers) -> None:
    parser = subparsers.add_parser("misfits", help="songs in a playlist that fit another one better "
                                                   "(out-of-fold scores), surest first, to CSV")
    add_library_arguments(parser)
    add_chosen_config_arguments(parser)
    parser.add_argument("--out", required=True, metavar="FILE.csv")
    parser.add_argument("--min-confidence", type=float, default=None, metavar="T",
                        help="only misfits whose better playlist scores at least T (0..1)")
    parser.add_argument("--folds", type=int, default=5)
    parser.set_defaults(handler=run_misfits)


def run_misfits(args: argparse.Namespace) -> int:
    from pipeline.csv_export import write_csv
    from pipeline.misfits import find_misfits, misfit_sentence
    from pipeline.suggest import check_threshold
    check_threshold(args.min_confidence, None)
    library = load_library_from(args)
    config = config_for(args, library)
    misfits = find_misfits(library, config, folds=args.folds, min_confidence=args.min_confidence)
    write_csv(misfits, args.out)
    print(f"{len(misfits):,} misfits from {config.label()} written to {args.out}", file=sys.stderr)
    for _, row in misfits.head(5).iterrows():
        print(f"  {misfit_sentence(row)}", file=sys.stderr)
    return 0


def add_discover_command(subparsers) -> None:
    parser = subparsers.add_parser("discover", help="propose new playlists from liked songs that fit none "
                                                    "of yours (clusters), one CSV for all of them")
    add_library_arguments(parser)
    add_chosen_config_arguments(parser)
    parser.add_argument("--out", required=True, metavar="DIR")
    parser.add_argument("--min-precision", type=float, default=None, metavar="P",
                        help="a liked song fits none when its best playlist is below the confidence at which "
                             "held-out suggestions were right P of the time (default 0.8)")
    parser.add_argument("--min-size", type=int, default=None, metavar="N",
                        help="smallest group worth a playlist (default: 8, more for many leftovers)")
    parser.set_defaults(handler=run_discover)


def run_discover(args: argparse.Namespace) -> int:
    from pathlib import Path
    from pipeline.csv_export import write_csv
    from pipeline.discover import DEFAULT_MIN_PRECISION, discover_new_playlists, proposals_table
    from pipeline.suggest import check_threshold
    precision = DEFAULT_MIN_PRECISION if args.min_precision is None else args.min_precision
    check_threshold(None, precision)
    library = load_library_from(args)
    found = discover_new_playlists(library, config_for(args, library), precision, args.min_size)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(proposals_table(library, found), out / "new_playlists.csv")
    (out / "summary.json").write_text(json.dumps(found.to_dict(), indent=2, allow_nan=False, default=str))
    print(f"{len(found.proposals)} new playlists proposed from {found.leftovers:,} liked songs that fit none of "
          f"yours, written to {out / 'new_playlists.csv'}", file=sys.stderr)
    for proposal in found.proposals:
        print(f"  {len(proposal.track_ids):>5}  {proposal.name}", file=sys.stderr)
    for note in found.notes:
        print(f"  {note}", file=sys.stderr)
    if found.proposals:
        print("Create one on Spotify: python -m pipeline export --suggestions "
              f"{out / 'new_playlists.csv'} --playlist NAME --create [--apply]", file=sys.stderr)
    return 0
