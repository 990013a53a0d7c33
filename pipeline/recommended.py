"""The recommended default configuration: what most users will ever see.

Chosen with ``bench/quality.py`` across the demo and the real libraries (see the
README's benchmark table); change it only with a new table.
"""

from __future__ import annotations

from pipeline.config import Encoding, RunConfig


def recommended_config(seed: int = 0) -> RunConfig:
    """Logistic regression with class weights on audio features, year, artists and genres."""
    return RunConfig(model="logreg", strategy="class_weights",
                     encoding=Encoding(scaler="standard", artist="onehot", year=True, genres=True),
                     params={"C": 1.0}, seed=seed)
