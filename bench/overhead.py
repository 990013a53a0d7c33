"""Framework overhead: ``python -m pipeline evaluate`` against a bare scikit-learn script.

    python bench/overhead.py                                  # deadda7a, 5 repetitions
    python bench/overhead.py --library demo --repeats 7

Both are whole processes (imports included), run alternately in the same session. The bare script
fits the same encoder (imputer, scaler and splines on the audio features and year, one-hot
artists, genres and artist|album tokens) and the same class-weighted logistic regression on the
same five track-grouped folds plus the backtest, and prints macro-AP. Both run with one BLAS thread. Its input is prepared
once, before timing (the track frame, labels and folds, pickled): it parses no CSV, so the ratio
charges all of loading the export to the framework. ``--no-calibration``: the bare script has no
calibration to compare with. Prints each side's median seconds and their ratio (target <= 1.3).
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.features import numeric_columns, track_frame  # noqa: E402
from pipeline.fitting import TrainingRows  # noqa: E402
from pipeline.out_of_fold import split_rows  # noqa: E402
from pipeline.recommended import recommended_config  # noqa: E402
from pipeline.sources import load_library  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SOURCES = {"deadda7a": DATA / "exportify-deadda7a-2021", "demo": "demo"}

BARE = '''
import pickle, sys
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

def cells(values):
    return [value.casefold() for value in values]

def encoder(numeric, gaps):
    blocks = [("audio", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(),
                                      SplineTransformer(n_knots=5, degree=3, knots="quantile",
                                                        extrapolation="constant")), numeric)]
    if gaps:
        blocks.append(("missing", MissingIndicator(features="all", sparse=True), numeric))
    blocks += [(name, CountVectorizer(analyzer=cells, binary=True, lowercase=False), name)
               for name in ("artists", "genres", "album")]
    return ColumnTransformer(blocks, sparse_threshold=0.3)

def weights(y, power=0.5):
    labels, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    w = (len(y) / (len(labels) * counts))[inverse] ** power
    return w / w.mean()

def scored(train_frame, y, test_frame, truth, numeric, gaps):
    X = encoder(numeric, gaps).fit(train_frame)
    model = LogisticRegression(C=1.0, max_iter=3000).fit(X.transform(train_frame), y, sample_weight=weights(y))
    proba = np.zeros(truth.shape)
    proba[:, model.classes_] = model.predict_proba(X.transform(test_frame))
    held = truth.any(axis=0)
    return np.mean([average_precision_score(truth[:, c], proba[:, c]) for c in np.flatnonzero(held)])

data = pickle.load(open(sys.argv[1], "rb"))
frame, labels = data["frame"], data["labels"]
for train, test, truth in data["folds"]:
    print(round(scored(frame.iloc[train], labels[train], frame.iloc[test], truth, data["numeric"], data["gaps"]), 4))
train, liked, truth = data["backtest"]
print(round(scored(frame.iloc[train], labels[train], liked, truth, data["numeric"], data["gaps"]), 4))
'''


def prepare(source, folder: Path) -> Path:
    """The bare script's input: the same track frame, labels, folds and backtest the framework uses."""
    library = load_library(source)
    config = recommended_config()
    rows = TrainingRows.from_library(library)
    frame = track_frame(library, rows.track_ids, rows.added_at)
    _, splits = split_rows(rows, 5, config)
    folds = []
    for train, test in splits:
        test = test[np.unique(rows.track_ids[test], return_index=True)[1]]
        folds.append((train, test, rows.truth_for(rows.track_ids[test])))
    hidden = set(library.liked_in_playlists())
    liked = library.liked[library.liked["track_id"].isin(hidden)]
    backtest = (np.flatnonzero([t not in hidden for t in rows.track_ids]),
                track_frame(library, liked["track_id"], liked["added_at"]), rows.truth_for(liked["track_id"].to_numpy()))
    numeric = numeric_columns(config.encoding, library)
    data = {"frame": frame, "labels": rows.labels, "numeric": numeric, "backtest": backtest,
            "gaps": bool(library.tracks.reindex(columns=numeric).isna().to_numpy().any()), "folds": folds}
    path = folder / "bare-input.pkl"
    path.write_bytes(pickle.dumps(data))
    return path


# One BLAS thread for both, as the framework's fits use (pipeline.fitting.ONE_BLAS_THREAD): on a busy
# 2-core machine the bare script's spin-waiting OpenBLAS threads made it ~10x slower than the framework.
ENVIRONMENT = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", default="deadda7a", choices=list(SOURCES))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    source = str(SOURCES[args.library])
    with tempfile.TemporaryDirectory() as folder:
        data = prepare(source, Path(folder))
        script = Path(folder) / "bare.py"
        script.write_text(BARE)
        framework = [sys.executable, "-m", "pipeline", "evaluate", "--library", source, "--no-calibration", "--json"]
        bare = [sys.executable, str(script), str(data)]
        times: dict[str, list[float]] = {"framework": [], "bare": []}
        for repeat in range(args.repeats):
            order = [("framework", framework), ("bare", bare)]
            for name, command in order if repeat % 2 == 0 else order[::-1]:  # alternate who goes first
                times[name].append(timed(command))
        framework_s, bare_s = statistics.median(times["framework"]), statistics.median(times["bare"])
        print("| library | repeats | python -m pipeline evaluate s | bare scikit-learn s | ratio |")
        print("|---|---|---|---|---|")
        print(f"| {args.library} | {args.repeats} | {framework_s:.2f} | {bare_s:.2f} | {framework_s / bare_s:.2f} |")
        print("per-run ratios:", " ".join(f"{f / b:.2f}" for f, b in zip(times["framework"], times["bare"])))


if __name__ == "__main__":
    main()
