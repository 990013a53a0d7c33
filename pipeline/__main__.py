"""Command line: ``python -m pipeline COMMAND ...`` — a thin shell over the library.

Each command is registered by an ``add_<name>_command(subparsers)`` function (in `pipeline.cli`,
one module per group of commands) whose handler parses nothing itself and calls into `pipeline`.
Problems the user can fix raise `UserError`; `main` prints them as one line and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from pipeline.cli.library_commands import add_info_command
from pipeline.cli.model_commands import add_evaluate_command, add_suggest_command, add_tune_command
from pipeline.cli.report_command import add_report_command
from pipeline.cli.spotify_commands import (add_export_command, add_features_command, add_fetch_command,
                                           add_login_command)
from pipeline.cli.tidy_commands import add_discover_command, add_misfits_command
from pipeline.errors import UserError, one_line

COMMANDS = [add_info_command, add_evaluate_command, add_tune_command, add_suggest_command, add_misfits_command,
            add_discover_command, add_report_command, add_login_command, add_fetch_command, add_features_command,
            add_export_command]


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
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
