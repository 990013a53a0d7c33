"""``report``: one HTML file to share — the library, the Compare story, suggestions, misfits, new playlists.

Why a `pipeline` command imports `dashboard`: the report *is* the dashboard's pages rendered to a
file, and its figures (`dashboard.charts`), sentences (`dashboard.story`, `dashboard.verdict`) and
stored results (`dashboard.results_store`, written by `dashboard.tasks`) live there, Streamlit-free.
Borrowing them keeps one source for every number, and the command stores what it computes exactly
where the dashboard looks, so the dashboard's "Download report" later gives the same file without
retraining. Only this command module reaches into `dashboard`; `pipeline`'s library modules never do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.cli.common import (add_chosen_config_arguments, add_library_arguments, config_for, load_library_from,
                                 whole_number_at_least)


def add_report_command(subparsers) -> None:
    parser = subparsers.add_parser("report", help="write one self-contained HTML report (opens from disk, "
                                                  "no network): scores, suggestions, misfits, new playlists")
    add_library_arguments(parser)
    add_chosen_config_arguments(parser)
    parser.add_argument("--out", required=True, metavar="FILE.html")
    parser.add_argument("--folds", type=whole_number_at_least(2), default=5,
                        help="cross-validation folds (default 5)")
    parser.add_argument("--no-compute", action="store_true",
                        help="use stored results only (as the dashboard's Download report does); sections "
                             "without one say what to run")
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    from dashboard.report import build_report, missing_results
    library = load_library_from(args)
    config = config_for(args, library)
    fingerprint = library.fingerprint()
    missing = missing_results(fingerprint, config, args.folds)
    if args.no_compute:
        for item in missing:
            print(f"not computed yet: {item.what} (its section says so)", file=sys.stderr)
        if missing:
            print("run without --no-compute to compute them first", file=sys.stderr)
    else:
        for number, item in enumerate(missing, start=1):
            _compute(item, library, fingerprint, args.folds, _Progress(f"{number}/{len(missing)} {item.what}"))
    out = Path(args.out)
    out.write_text(build_report(library, fingerprint, config, args.folds), encoding="utf-8")
    print(f"report on {config.label()} written to {out} ({out.stat().st_size / 1e6:.1f} MB): it opens in any "
          "browser and needs no network", file=sys.stderr)
    return 0


def _compute(item, library, fingerprint: str, folds: int, progress) -> None:
    """Run the `dashboard.tasks` function that stores ``item``'s result."""
    from dashboard import tasks
    from pipeline.discover import DEFAULT_MIN_PRECISION
    if item.kind == "evaluation":
        tasks.evaluate_and_store(library, item.config, folds, fingerprint, progress)
    elif item.kind == "suggestions":
        tasks.suggest_and_store(library, item.config, fingerprint, progress)
    elif item.kind == "misfits":
        tasks.misfits_and_store(library, item.config, folds, fingerprint, progress)
    else:
        tasks.discover_and_store(library, item.config, DEFAULT_MIN_PRECISION, fingerprint, progress)


class _Progress:
    """What a `dashboard.tasks` function reports to: one stderr line per step, never a stop."""

    def __init__(self, step: str) -> None:
        self.step = step

    def __call__(self, fraction: float, message: str) -> None:
        print(f"[{fraction:>4.0%}] {self.step}: {message}", file=sys.stderr)

    def should_stop(self) -> bool:
        return False
