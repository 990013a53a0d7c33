"""Arguments and helpers every command shares: the library to load, the configuration to fit, output."""

from __future__ import annotations

import argparse
import json
import sys


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
    from pipeline.imbalance import PARAMS_OF_STRATEGY
    from pipeline.recommended import recommended_config
    base = recommended_config(seed=args.seed)
    try:
        params = json.loads(args.params) if args.params else None
    except json.JSONDecodeError as error:
        raise ConfigError(f"--params is not valid JSON: {error}") from None
    if params is not None and not isinstance(params, dict):
        raise ConfigError("--params must be a JSON object, e.g. '{\"C\": 0.5}'")
    changed_model = args.model is not None and args.model != base.model
    strategy = args.strategy or base.strategy
    # another model drops the default's model parameters but keeps its strategy's own (the class-weight
    # strength), as the dashboard's sidebar does: the same choices give the same stored results
    kept = {k: v for k, v in base.param_dict.items() if k in PARAMS_OF_STRATEGY.get(strategy, ())}
    return replace(
        base,
        model=args.model or base.model,
        strategy=strategy,
        encoding=Encoding.parse(args.encoding) if args.encoding else base.encoding,
        params=params if params is not None else (kept if changed_model else base.param_dict),
    )


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


def whole_number_at_least(minimum: int):
    """An argparse type: a whole number of at least ``minimum``, else a one-line reason."""
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < minimum:
            raise argparse.ArgumentTypeError(f"takes a whole number of at least {minimum}, not '{text}'")
        return int(text)
    return parse


positive_number = whole_number_at_least(1)


def settings_text(params: dict) -> str:
    """``C=10, smote_k=3``: parameters as a person reads them."""
    return ", ".join(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
                     for name, value in params.items())


def stderr_progress(fraction: float, message: str) -> None:
    print(f"[{fraction:>4.0%}] {message}", file=sys.stderr)
