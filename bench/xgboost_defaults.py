"""XGBoost's defaults: the earlier ones against the current ones, on the demo and both real libraries.

    python bench/xgboost_defaults.py [--libraries demo deadda7a seankmchenry]

Same cells as bench/quality.py (track-grouped 80/20 holdout and backtest, median of 3 seeds, class
weights at power 0.5). "earlier" is 150 rounds of depth-4 trees at rate 0.1 on every column, splines
included; "current" is `XGBPlaylistClassifier`'s defaults (100 rounds, depth 3, rate 0.15, columns seen
in fewer than 5 rows dropped) with XGBoost skipping the spline columns.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import libraries  # noqa: E402
from quality import print_header, print_row, run_cell  # noqa: E402

from pipeline import models  # noqa: E402
from pipeline.config import RunConfig  # noqa: E402
from pipeline.recommended import recommended_config  # noqa: E402

EARLIER = {"n_estimators": 150, "max_depth": 4, "learning_rate": 0.1, "min_column_rows": 1}


def configs() -> dict[str, tuple[RunConfig, bool]]:
    """Label -> (configuration, whether XGBoost sees the spline columns)."""
    base = replace(recommended_config(), model="xgboost")
    return {"earlier defaults (with splines)": (replace(base, params={**base.param_dict, **EARLIER}), True),
            "current defaults": (base, False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libraries", nargs="*", default=list(libraries.REAL), choices=list(libraries.REAL))
    args = parser.parse_args()
    print_header("XGBoost")
    for name in args.libraries:
        library = libraries.real_library(name)
        for label, (config, splines) in configs().items():
            spec = models.MODELS["xgboost"]
            models.MODELS["xgboost"] = replace(spec, splines=splines)
            try:
                cell = run_cell(library, config)
            finally:
                models.MODELS["xgboost"] = spec
            print_row(name, label, config, cell)


if __name__ == "__main__":
    main()
