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

from pipeline.errors import UserError, one_line

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
    print(f"  feature coverage     {summary['feature_coverage']:>7.1%}"
          + (f"  (absent: {', '.join(summary['absent_features'])})" if summary["absent_features"] else ""))
    print(f"  largest three hold   {summary['largest_three_share']:>7.1%}  (of the tracks in playlists)")
    print("  playlists by size:")
    for name, size in summary["playlist_sizes"].items():
        print(f"    {size:>6,}  {name}")
    for warning in summary["warnings"]:
        print(f"  warning: {warning}")
    return 0


# ----- modelling: evaluate, tune, suggest ---------------------------------------------------
def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    from pipeline.config import MODELS, STRATEGIES
    parser.add_argument("--model", choices=MODELS, default=None,
                        help="default: the recommended configuration (see README)")
    parser.add_argument("--strategy", choices=STRATEGIES, default=None)
    parser.add_argument("--encoding", default=None, metavar="OPTIONS",
                        help="e.g. scaler=maxabs,artist=hashing,artist_buckets=256,year=on,genres=off,added_at=off")
    parser.add_argument("--params", default=None, metavar="JSON", help="model parameters as a JSON object")
    parser.add_argument("--seed", type=int, default=0)


def config_from(args: argparse.Namespace):
    """The RunConfig the flags describe; unset flags take the recommended defaults."""
    from dataclasses import replace
    from pipeline.config import ConfigError, Encoding
    from pipeline.recommended import recommended_config
    base = recommended_config(seed=args.seed)
    try:
        params = json.loads(args.params) if args.params else None
    except json.JSONDecodeError as error:
        raise ConfigError(f"--params is not valid JSON: {error}") from None
    if params is not None and not isinstance(params, dict):
        raise ConfigError("--params must be a JSON object, e.g. '{\"C\": 0.5}'")
    changed_model = args.model is not None and args.model != base.model
    return replace(
        base,
        model=args.model or base.model,
        strategy=args.strategy or base.strategy,
        encoding=Encoding.parse(args.encoding) if args.encoding else base.encoding,
        params=params if params is not None else ({} if changed_model else base.param_dict),
    )


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
    result = evaluate(library, config, folds=args.folds, progress=_stderr_progress if not args.json else None,
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


def add_chosen_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The configuration flags, plus a tuned study to take it from (see `config_for`)."""
    add_config_arguments(parser)
    parser.add_argument("--study", default=None, metavar="NAME", help="use a tuned study's best configuration")
    parser.add_argument("--storage", default=None, metavar="URL")


def config_for(args: argparse.Namespace, library):
    """The configuration to fit: a named study's best, else the flags, else the best study stored
    for this library, else the recommended default."""
    from pipeline.tuning import best_study_config, config_from_study
    if args.study:
        return config_from_study(args.study, args.storage)
    if any(v is not None for v in (args.model, args.strategy, args.encoding, args.params)):
        return config_from(args)
    return best_study_config(library, args.storage) or config_from(args)


def positive_number(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"takes a whole number of at least 1, not '{text}'")
    return int(text)


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


# ----- tidying: misfits, new playlists ---------------------------------------------------------
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
    summary = {"leftovers": found.leftovers, "unclustered": found.unclustered, "silhouette": found.silhouette,
               "min_cluster_size": found.min_cluster_size, "notes": list(found.notes),
               "proposals": [{"name": p.name, "songs": len(p.track_ids), "era": p.era, "genres": list(p.genres),
                              "typical": list(p.typical), "profile": p.profile} for p in found.proposals]}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False, default=str))
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


# ----- Spotify: login, fetch, features, export -------------------------------------------------
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
    library = fetch_to_folder(args.out, features=args.features, fresh=args.fresh, progress=_stderr_progress)
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
    library = features_to_folder(args.library, args.out, use_spotify=args.spotify, progress=_stderr_progress)
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
                                       progress=_stderr_progress)
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


def settings_text(params: dict) -> str:
    """``C=10, smote_k=3``: parameters as a person reads them."""
    return ", ".join(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
                     for name, value in params.items())


def _stderr_progress(fraction: float, message: str) -> None:
    print(f"[{fraction:>4.0%}] {message}", file=sys.stderr)


COMMANDS = [add_info_command, add_evaluate_command, add_tune_command, add_suggest_command, add_misfits_command,
            add_discover_command, add_login_command, add_fetch_command, add_features_command, add_export_command]


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
