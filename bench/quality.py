"""Quality benchmark: the default against the blog's method on music in general, and the model grid.

    python bench/quality.py --table                       # every library of bench/libraries.py (slow)
    python bench/quality.py --table --libraries tt01 deadda7a-tempo --configs default no_splines
    python bench/quality.py --grid --libraries deadda7a --models logreg --strategies class_weights

Each cell is a track-grouped 80/20 holdout (the first of 5 StratifiedGroupKFold folds), repeated
for 3 seeds, plus the backtest on liked songs already filed into playlists (hidden from training).
Medians over seeds are printed.

``--table``: per library and configuration, macro-AP of the blog's method (MaxAbs, one-hot artist,
class-weighted logistic regression) and of the configuration, their ratio (median and worst seed),
top-3, the top-1 expected calibration error before -> after calibration on the holdout and on the
backtest (in brackets: the ECE perfectly calibrated scores would still show on that many songs),
and what ``--min-precision 0.7 / 0.8 / 0.9`` gives on held-out songs (precision / coverage; each
model picks its threshold on its own inner folds). A summary line per configuration
gives the worst library. Cells are cached in bench/.cache/ (by library content and configuration).

``--grid``: every model x every strategy, as hit@1, hit@3, macro-AP and backtest scores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import libraries  # noqa: E402

from pipeline.config import MODELS, STRATEGIES, Encoding, RunConfig  # noqa: E402
from pipeline.evaluation import evaluate  # noqa: E402
from pipeline.metrics import calibration_noise_floor  # noqa: E402
from pipeline.recommended import recommended_config  # noqa: E402

BLOG = RunConfig(model="logreg", strategy="class_weights", params={"precision": "double"},
                 encoding=Encoding(scaler="maxabs", splines=False, artist="onehot", year=False, genres=False,
                                   album=False))
SEEDS = (0, 1, 2)
CELL_VERSION = 4  # bump when a cell's meaning changes (3: the C = 10 candidate warm-starts; 4: logistic
# regression fits in float32 unless precision="double")
CALIBRATED_CELL_VERSION = 5  # and when only calibrated cells change (5: encoder outside the calibrated step,
# last fit started from the inner mean, 2 inner folds from 4,000 rows)
CACHE_DIR = ROOT / "bench" / ".cache"
CACHE_FILE = CACHE_DIR / "quality.json"
CONFIGS = {
    "default": recommended_config(),
    # the default before issue 12: every inner fit of the C choice starts from zero coefficients
    "cold_start": recommended_config().with_params(warm_start=False, precision="double"),
    # the default before float32 fits (issue 12): scikit-learn's float64
    "float64": recommended_config().with_params(precision="double"),
    # one-vs-rest logistic regression: ~3x faster per fit on seankmchenry, but tt02 -0.006 macro-AP
    "ovr": recommended_config().with_params(multi_class="ovr"),
    "no_splines": replace(recommended_config(), encoding=replace(recommended_config().encoding, splines=False)),
    "blog_encoding_weighted": BLOG.with_params(class_weight_power=0.5),
    "xgboost": replace(recommended_config(), model="xgboost"),
}
"""Candidates for ``--table`` (``default`` is whatever `recommended_config` is now)."""


def measure(library, config: RunConfig, seed: int, calibrate: bool) -> dict:
    """One seed's holdout + backtest numbers for one configuration."""
    started = time.perf_counter()
    result = evaluate(library, replace(config, seed=seed), folds=5, only_folds=1, calibrate=calibrate)
    cell = {"hit1": result.metrics.accuracy, "hit3": result.metrics.top3, "macro_ap": result.metrics.macro_ap,
            "bt_hit1": result.backtest.accuracy, "bt_hit3": result.backtest.top3, "bt_ap": result.backtest.macro_ap,
            "ece": result.metrics.ece, "bt_ece": result.backtest.ece,
            "seconds": time.perf_counter() - started, "fit": result.fit_seconds}
    if calibrate:
        cell.update(ece_cal=result.calibrated.ece, bt_ece_cal=result.calibrated_backtest.ece,
                    floor=calibration_noise_floor(result.reliability["after"]),
                    bt_floor=calibration_noise_floor(result.reliability["backtest"]))
        for check in result.threshold_checks:
            cell[f"p{check['min_precision']:.1f}"] = check["precision"]
            cell[f"c{check['min_precision']:.1f}"] = check["coverage"]
    return cell


def cached_measure(name: str, library, config: RunConfig, seed: int, calibrate: bool, cache: dict) -> dict:
    version = CALIBRATED_CELL_VERSION if calibrate else CELL_VERSION
    key = f"{name}|{library.fingerprint()}|{config.key()}|{seed}|{calibrate}|{version}"
    if key not in cache:
        cache[key] = measure(library, config, seed, calibrate)
        own = json.loads(CACHE_FILE.read_text()) if CACHE_FILE.exists() else {}
        CACHE_FILE.parent.mkdir(exist_ok=True)
        CACHE_FILE.write_text(json.dumps({**own, key: cache[key]}, indent=0, default=str))
    return cache[key]


def read_caches() -> dict:
    """Every cache file's cells (side-by-side runs fill one file each)."""
    cache: dict = {}
    for path in sorted(CACHE_DIR.glob("*.json")):
        cache.update(json.loads(path.read_text()))
    return cache


def median_cell(runs: list[dict]) -> dict:
    """Median over seeds of every number (NaN where no seed has one)."""
    keys = dict.fromkeys(k for run in runs for k in run)
    return {key: statistics.median(values) if (values := [r[key] for r in runs if r.get(key) is not None])
            else float("nan") for key in keys}


def run_cell(library, config: RunConfig, calibrate: bool = False) -> dict:
    """Median over seeds of one configuration's holdout and backtest scores (uncached)."""
    return median_cell([measure(library, config, seed, calibrate) for seed in SEEDS])


# ----- the default against the blog -----------------------------------------------------------
TABLE_HEADER = ("| library | playlists | rows | blog AP | AP | ratio | worst seed | top-3 | ECE holdout | "
                "ECE backtest | @0.7 P/cov | @0.8 P/cov | @0.9 P/cov |")


def table_row(name: str, library, config: RunConfig, cache: dict) -> dict:
    blog = [cached_measure(name, library, BLOG, seed, False, cache) for seed in SEEDS]
    mine = [cached_measure(name, library, config, seed, True, cache) for seed in SEEDS]
    ratios = [m["macro_ap"] / b["macro_ap"] for m, b in zip(mine, blog)]
    row = {"library": name, "playlists": len(library.playlists()), "rows": len(library.memberships),
           "blog": median_cell(blog), "mine": median_cell(mine), "ratio": statistics.median(ratios),
           "worst_seed": min(ratios)}
    return row


def print_table_row(row: dict) -> None:
    mine, blog = row["mine"], row["blog"]

    def pc(level: str) -> str:
        precision, coverage = mine.get(f"p{level}"), mine.get(f"c{level}")
        return "-" if precision is None or precision != precision else f"{precision:.2f}/{coverage:.2f}"

    print(f"| {row['library']} | {row['playlists']} | {row['rows']} | {blog['macro_ap']:.3f} | "
          f"{mine['macro_ap']:.3f} | {row['ratio']:.2f} | {row['worst_seed']:.2f} | {mine['hit3']:.3f} | "
          f"{mine['ece']:.3f} → {mine['ece_cal']:.3f} ({mine['floor']:.3f}) | "
          f"{mine['bt_ece']:.3f} → {mine['bt_ece_cal']:.3f} ({mine['bt_floor']:.3f}) | "
          f"{pc('0.7')} | {pc('0.8')} | {pc('0.9')} |", flush=True)


def print_summary(label: str, rows: list[dict]) -> None:
    worst = min(rows, key=lambda r: r["ratio"])
    worst_seed = min(rows, key=lambda r: r["worst_seed"])
    low = [r["library"] for r in rows if r["ratio"] < 1.10]
    ece = max(rows, key=lambda r: r["mine"]["bt_ece_cal"])
    p8 = [r["mine"].get("p0.8") for r in rows if r["mine"].get("p0.8") == r["mine"].get("p0.8")]
    print(f"\n**{label}**: median ratio {statistics.median(r['ratio'] for r in rows):.2f}, worst "
          f"{worst['ratio']:.2f} ({worst['library']}), worst seed {worst_seed['worst_seed']:.2f} "
          f"({worst_seed['library']}); below 1.10: {', '.join(low) or 'none'}; backtest ECE after calibration "
          f"max {ece['mine']['bt_ece_cal']:.3f} ({ece['library']}); precision at 0.8 min "
          f"{min(p8) if p8 else float('nan'):.2f}, median {statistics.median(p8) if p8 else float('nan'):.2f}\n",
          flush=True)


def run_table(names: list[str], config_names: list[str]) -> None:
    cache = read_caches()
    for label in config_names:
        print(f"\n### {label}\n\n{TABLE_HEADER}\n|{'---|' * TABLE_HEADER.count(' | ')}---|")
        rows = []
        for name in names:
            rows.append(table_row(name, libraries.load(name), CONFIGS[label], cache))
            print_table_row(rows[-1])
        print_summary(label, rows)


# ----- the model grid ------------------------------------------------------------------------------
def print_header(configuration: str = "configuration") -> None:
    print(f"| library | {configuration} | hit@1 | hit@3 | macro-AP | backtest hit@1 | backtest hit@3 | "
          "backtest macro-AP | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")


def print_row(library: str, label: str, config: RunConfig, cell: dict) -> None:
    mark = "  LEAKY" if config.leaky else ""
    print(f"| {library} | {label} | {cell['hit1']:.3f} | {cell['hit3']:.3f} | {cell['macro_ap']:.3f} | "
          f"{cell['bt_hit1']:.3f} | {cell['bt_hit3']:.3f} | {cell['bt_ap']:.3f} | {cell['fit']:.2f} |{mark}",
          flush=True)


def run_grid(names: list[str], models: list[str], strategies: list[str]) -> None:
    default = recommended_config().encoding
    print_header()
    for name in names:
        library = libraries.load(name)
        for model in models:
            for strategy in strategies:
                config = RunConfig(model=model, strategy=strategy, encoding=default)
                print_row(name, f"{model} · {strategy}", config, run_cell(library, config))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--table", action="store_true", help="configurations against the blog's method")
    mode.add_argument("--grid", action="store_true", help="every model x strategy")
    parser.add_argument("--libraries", nargs="*", default=None,
                        help="benchmark library names (default: all for --table, the real three for --grid)")
    parser.add_argument("--configs", nargs="*", default=["default"], choices=list(CONFIGS))
    parser.add_argument("--cache-name", default="quality", help="cache file bench/.cache/NAME.json "
                        "(side-by-side runs each need their own; every file there is read)")
    parser.add_argument("--models", nargs="*", default=[m for m in MODELS if m != "dummy"], choices=MODELS)
    parser.add_argument("--strategies", nargs="*", default=list(STRATEGIES), choices=STRATEGIES)
    args = parser.parse_args()
    global CACHE_FILE
    CACHE_FILE = CACHE_DIR / f"{args.cache_name}.json"
    if args.table:
        run_table(args.libraries or [*libraries.library_names(), *libraries.BIG_CUTS], args.configs)
    else:
        run_grid(args.libraries or list(libraries.REAL), args.models, args.strategies)


if __name__ == "__main__":
    main()
