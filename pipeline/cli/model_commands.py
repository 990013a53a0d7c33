"""``evaluate``, ``tune``, ``suggest``: honest scores, tuned configurations, ranked suggestions."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli.common import (add_chosen_config_arguments, add_config_arguments, add_library_arguments,
                                 config_for, config_from, load_library_from, positive_number, print_json,
                                 settings_text, stderr_progress)


def add_evaluate_command(subparsers) -> None:
    parser = subparsers.add_parser("evaluate", help="cross-validate one configuration, with baselines and backtest")
    add_library_arguments(parser)
    add_config_arguments(parser)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--calibration", action=argparse.BooleanOptionalAction, default=True,
                        help="calibrate each fold's model on its own inner folds and report confidence (ECE, "
                             "Brier, thresholds); --no-calibration is about 5x faster and reports rankings only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from pipeline.baseline import DEFINITION
    from pipeline.evaluation import evaluate
    config, library = config_from(args), load_library_from(args)  # bad flags fail before a slow load
    result = evaluate(library, config, folds=args.folds, progress=stderr_progress if not args.json else None,
                      calibrate=args.calibration)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"{config.label()}  ({args.folds}-fold, split by track{'; LEAKY: scores inflated' if result.leaky else ''})")
    print(f"  {'metric':<18}{'model':>8}{'baseline':>10}")
    for name, value in vars(result.metrics).items():
        print(f"  {name:<18}{value:>8.3f}{getattr(result.baseline, name):>10.3f}")
    print(f"  {DEFINITION}")
    if result.chosen_params:
        chosen = sorted({settings_text(params) for params in result.chosen_params})
        print(f"  chosen per fold on inner folds: {' / '.join(chosen)}")
    if result.calibrated is not None:
        print(f"  {'after calibration':<18}{'':>8}  brier {result.calibrated.brier:.3f}, "
              f"ece {result.calibrated.ece:.3f} (rankings unchanged)")
    bt = result.backtest
    if bt.n:
        print(f"  backtest on {bt.n} liked songs already filed: top-1 {bt.accuracy:.1%}, top-3 {bt.top3:.1%}, "
              f"macro-AP {bt.macro_ap:.3f} (baseline top-1 {result.baseline_backtest.accuracy:.1%})")
        calibrated = result.calibrated_backtest
        if calibrated is not None:
            print(f"  backtest confidence: ece {bt.ece:.3f} before calibration, {calibrated.ece:.3f} after")
    return 0


def add_tune_command(subparsers) -> None:
    from pipeline.study_storage import HEARTBEAT_SECONDS, MISSED_HEARTBEATS  # no Optuna import: a quick --help
    parser = subparsers.add_parser("tune", help="tune a configuration with Optuna (resumes an existing study)")
    add_library_arguments(parser)
    add_config_arguments(parser)
    parser.add_argument("--trials", type=positive_number, required=True, metavar="N",
                        help="finished (complete or pruned) trials the study should hold: the run stops there, "
                             "counting the trials of every worker on every machine; a study that holds N already "
                             "runs nothing, so ask for more to continue it")
    parser.add_argument("--storage", default=None, metavar="URL",
                        help="SQLAlchemy URL (default: a SQLite file in the user data directory); "
                             "postgresql+psycopg://USER@HOST/DB lets several machines tune one study")
    parser.add_argument("--study", default=None, metavar="NAME")
    parser.add_argument("--workers", type=positive_number, default=1, metavar="N",
                        help="worker processes on this machine, all on the one study (default 1); run the same "
                             "command on other machines to add theirs")
    parser.add_argument("--heartbeat", type=positive_number, default=HEARTBEAT_SECONDS, metavar="SECONDS",
                        help=f"a running trial says it is alive this often (default {HEARTBEAT_SECONDS}); one "
                             f"silent for {MISSED_HEARTBEATS} heartbeats is taken for a dead worker's, failed and run "
                             f"once more. Give every machine the same value")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--objective", default="macro_f1",
                        choices=("macro_f1", "macro_ap", "accuracy", "top3", "balanced_accuracy"))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run_tune)


SQLITE_WORKERS_NOTE = ("note: {workers} workers on a SQLite file: they fit side by side, but SQLite lets one "
                       "process write at a time, so each waits a moment for the others' writes after every fold. "
                       "Workers on other machines need a database server (--storage postgresql+psycopg://...).")


def run_tune(args: argparse.Namespace) -> int:
    """Exit 1 when a worker failed and the study holds fewer trials than asked for, else 0."""
    from pipeline.study_storage import default_storage, is_sqlite
    from pipeline.tuning import tune
    from pipeline.tuning_workers import print_progress, progress_line, tune_in_workers
    config, library = config_from(args), load_library_from(args)  # bad flags fail before a slow load
    storage = args.storage or default_storage()
    settings = dict(study_name=args.study, timeout=args.timeout, objective=args.objective, folds=args.folds,
                    heartbeat_seconds=args.heartbeat)
    problems: list[str] = []
    if args.workers == 1:
        progress = None if args.json else (
            lambda done, total, best: print(progress_line(done, total, best), file=sys.stderr))
        result = tune(library, config, args.trials, storage=storage, progress=progress, **settings)
    else:
        if is_sqlite(storage):
            print(SQLITE_WORKERS_NOTE.format(workers=args.workers), file=sys.stderr)
        outcome = tune_in_workers(args.workers, library, config, args.trials, storage,
                                  progress=None if args.json else print_progress, **settings)
        result, problems = outcome.result, outcome.problems()
    for problem in problems:
        print(problem, file=sys.stderr)
    data = {k: v for k, v in result.to_dict().items() if k != "trials"}
    print_json({**data, "trials": result.trials} if args.json else data)
    return 1 if problems and result.n_finished < args.trials else 0


def add_suggest_command(subparsers) -> None:
    parser = subparsers.add_parser("suggest", help="write ranked playlist suggestions for liked songs to CSV")
    add_library_arguments(parser)
    add_chosen_config_arguments(parser)
    parser.add_argument("--out", required=True, metavar="FILE.csv")
    parser.add_argument("--per-track", default=None, metavar="K",
                        help="one row per liked song and each of its K best playlists ('all' for every one)")
    parser.add_argument("--per-playlist", type=int, default=25, metavar="N",
                        help="without --per-track: the N best liked songs per playlist (0 = all)")
    held_back = parser.add_mutually_exclusive_group()
    held_back.add_argument("--min-precision", type=float, default=None, metavar="P",
                           help="hold back songs below the confidence at which held-out suggestions were right "
                                "at least P of the time (e.g. 0.8); with --per-track they get one fits_none row")
    held_back.add_argument("--min-confidence", type=float, default=None, metavar="T",
                           help="hold back suggestions whose calibrated confidence is below T (0..1)")
    parser.set_defaults(handler=run_suggest)


def run_suggest(args: argparse.Namespace) -> int:
    from pipeline.config import ConfigError
    from pipeline.csv_export import write_csv
    from pipeline.fitting import chosen_settings
    from pipeline.suggest import FITS_NONE, check_threshold, choose_threshold, score_liked_songs, suggestions_table
    check_threshold(args.min_confidence, args.min_precision)  # bad flags fail before a slow load
    library = load_library_from(args)
    config = config_for(args, library)
    per_track = None
    if args.per_track is not None:
        if args.per_track == "all":
            per_track = len(library.playlists())
        elif args.per_track.isdigit() and int(args.per_track) > 0:
            per_track = int(args.per_track)
        else:
            raise ConfigError(f"--per-track takes a positive number or 'all', not '{args.per_track}'")
    scored = score_liked_songs(library, config)
    threshold = choose_threshold(scored, min_confidence=args.min_confidence, min_precision=args.min_precision)
    frame = suggestions_table(scored, library, per_playlist=args.per_playlist or None, per_track=per_track,
                              threshold=threshold)
    write_csv(frame, args.out)
    held_back = int((frame["decision"] == FITS_NONE).sum())
    chosen = settings_text(chosen_settings(scored.model))
    print(f"{len(frame) - held_back:,} suggestions from {config.label()}"
          + (f" ({chosen}, chosen for this library)" if chosen else "") + f" written to {args.out}"
          + (f"; {held_back:,} liked songs fit none of your playlists" if held_back else ""), file=sys.stderr)
    if threshold is not None:
        print(threshold.describe(), file=sys.stderr)
    return 0
