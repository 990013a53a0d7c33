"""Quality benchmark: every model x every strategy on the demo and two real libraries.

    python bench/quality.py                      # the full grid (slow: tens of minutes)
    python bench/quality.py --libraries deadda7a --models logreg --strategies class_weights
    python bench/quality.py --candidates         # recommended default vs the blog's method

Each cell is a track-grouped 80/20 holdout (the first of 5 StratifiedGroupKFold folds),
repeated for 3 seeds, plus the backtest on liked songs already filed into playlists
(hidden from training). Prints medians over seeds: hit@1, hit@3, macro-AP, backtest
top-1 / top-3 / macro-AP and fit seconds; leaky rows are marked. Reads the real data
from ../shared/data (never copied into the repo).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import MODELS, STRATEGIES, Encoding, RunConfig  # noqa: E402
from pipeline.evaluation import evaluate  # noqa: E402
from pipeline.recommended import recommended_config  # noqa: E402
from pipeline.sources import load_library  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
LIBRARIES = {
    "demo": ("demo", []),
    "deadda7a": (DATA / "exportify-deadda7a-2021", []),
    "seankmchenry": (DATA / "exportify-seankmchenry-2024",
                     ["starred_", "my_shazam_tracks", "sort_needed_", "downloads_", "your_top_songs_*"]),
}
BLOG = RunConfig(model="logreg", strategy="class_weights",
                 encoding=Encoding(scaler="maxabs", splines=False, artist="onehot", year=False, genres=False,
                                   album=False))
SEEDS = (0, 1, 2)


def run_cell(library, config: RunConfig) -> dict:
    """Median over seeds of one configuration's holdout and backtest scores."""
    runs = []
    for seed in SEEDS:
        started = time.perf_counter()
        result = evaluate(library, replace(config, seed=seed), folds=5, only_folds=1)
        runs.append({"hit1": result.metrics.accuracy, "hit3": result.metrics.top3,
                     "macro_ap": result.metrics.macro_ap, "bt_hit1": result.backtest.accuracy,
                     "bt_hit3": result.backtest.top3, "bt_ap": result.backtest.macro_ap,
                     "seconds": time.perf_counter() - started, "fit": result.fit_seconds})
    return {key: statistics.median(r[key] for r in runs if r[key] is not None) if any(
        r[key] is not None for r in runs) else float("nan") for key in runs[0]}


def print_header(configuration: str = "configuration") -> None:
    print(f"| library | {configuration} | hit@1 | hit@3 | macro-AP | backtest hit@1 | backtest hit@3 | "
          "backtest macro-AP | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")


def print_row(library: str, label: str, config: RunConfig, cell: dict) -> None:
    mark = "  LEAKY" if config.leaky else ""
    print(f"| {library} | {label} | {cell['hit1']:.3f} | {cell['hit3']:.3f} | {cell['macro_ap']:.3f} | "
          f"{cell['bt_hit1']:.3f} | {cell['bt_hit3']:.3f} | {cell['bt_ap']:.3f} | {cell['fit']:.2f} |{mark}",
          flush=True)


def configs_for(args) -> list[tuple[str, RunConfig]]:
    if args.candidates:
        return [("blog method (maxabs, one-hot artist, class weights)", BLOG),
                ("recommended default", recommended_config())]
    default = recommended_config().encoding
    return [(f"{model} · {strategy}", RunConfig(model=model, strategy=strategy, encoding=default))
            for model in args.models for strategy in args.strategies]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libraries", nargs="*", default=list(LIBRARIES), choices=list(LIBRARIES))
    parser.add_argument("--models", nargs="*", default=[m for m in MODELS if m != "dummy"], choices=MODELS)
    parser.add_argument("--strategies", nargs="*", default=list(STRATEGIES), choices=STRATEGIES)
    parser.add_argument("--candidates", action="store_true", help="compare the default with the blog's method")
    args = parser.parse_args()
    print_header()
    for name in args.libraries:
        source, exclude = LIBRARIES[name]
        library = load_library(source, exclude=exclude)
        for label, config in configs_for(args):
            print_row(name, label, config, run_cell(library, config))


if __name__ == "__main__":
    main()
