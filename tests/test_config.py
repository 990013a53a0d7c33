"""RunConfig and Encoding: what a run is, how it is named, and what a bad one says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import MODELS, STRATEGIES, ConfigError, Encoding, RunConfig
from pipeline.errors import UserError
from pipeline.evaluation import evaluate
from pipeline.library import LibraryError
from tests.toy_libraries import library_of, track_id

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("field, value, choices", [
    ("model", "svm", MODELS),
    ("strategy", "undersample", STRATEGIES),
])
def test_an_unknown_model_or_strategy_names_the_field_and_the_choices(field, value, choices):
    with pytest.raises(ConfigError) as error:
        RunConfig(**{field: value})
    assert f"unknown {field} '{value}'" in str(error.value)
    assert all(choice in str(error.value) for choice in choices)


@pytest.mark.parametrize("text, message", [
    ("colour=red", "unknown encoding option 'colour'"),
    ("scaler=minmax", "unknown scaler 'minmax'"),
    ("artist=embedding", "unknown artist 'embedding'"),
    ("year=maybe", "encoding option 'year' takes on/off, not 'maybe'"),
    ("artist_buckets=many", "encoding option 'artist_buckets' takes a whole number, not 'many'"),
    ("artist=hashing,artist_buckets=1", "artist_buckets must be at least 2, not 1"),
])
def test_a_bad_encoding_option_is_a_config_error_that_says_what_is_wrong(text, message):
    with pytest.raises(ConfigError, match=message):
        Encoding.parse(text)


def test_config_errors_are_user_errors_so_the_cli_prints_one_line():
    assert issubclass(ConfigError, UserError) and issubclass(ConfigError, ValueError)


def test_encoding_parse_reads_any_subset_and_keeps_the_rest_at_defaults():
    encoding = Encoding.parse("scaler=maxabs, artist=hashing,artist_buckets=256,year=off,genres=no,")
    assert (encoding.scaler, encoding.artist, encoding.artist_buckets) == ("maxabs", "hashing", 256)
    assert (encoding.year, encoding.genres) == (False, False)
    assert encoding.added_at == Encoding().added_at
    assert Encoding.parse("") == Encoding.parse(None) == Encoding()
    assert Encoding.parse("year").year is True


def test_params_are_order_independent_and_the_config_is_hashable():
    one = RunConfig(params={"C": 0.5, "class_weight_power": 0.3})
    two = RunConfig(params=[("class_weight_power", 0.3), ("C", 0.5)])
    assert one == two and hash(one) == hash(two) and one.key() == two.key()
    assert one.param_dict == {"C": 0.5, "class_weight_power": 0.3}
    assert one.with_params(C=2.0).param_dict == {"C": 2.0, "class_weight_power": 0.3}
    assert {one: "cached"}[two] == "cached"


@pytest.mark.parametrize("change", [
    {"model": "knn"}, {"strategy": "smote"}, {"encoding": Encoding(scaler="robust")},
    {"params": {"C": 0.7}}, {"seed": 1},
])
def test_every_field_changes_the_key(change):
    assert RunConfig(**change).key() != RunConfig().key()


def test_the_key_is_the_same_in_another_process_with_another_hash_seed():
    config = RunConfig(model="knn", strategy="smote", encoding=Encoding(artist="hashing"),
                       params={"n_neighbors": 7, "smote_k": 3}, seed=4)
    code = ("from pipeline.config import *; print(RunConfig(model='knn', strategy='smote', "
            "encoding=Encoding(artist='hashing'), params={'smote_k': 3, 'n_neighbors': 7}, seed=4).key())")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == config.key()


def test_a_config_survives_its_dict_form():
    config = RunConfig(model="xgboost", strategy="leaky", encoding=Encoding(scaler="none", year=False),
                       params={"max_depth": 3}, seed=9)
    assert RunConfig.from_dict(config.to_dict()) == config
    assert config.leaky and not RunConfig().leaky
    assert config.label() == "XGBoost · Leaky oversampling (demo only)"


def test_evaluating_a_one_playlist_library_says_two_playlists_are_needed():
    library = library_of({"Only one": [track_id(n) for n in range(10)]})
    with pytest.raises(LibraryError, match="need at least two playlists to learn from, found 1"):
        evaluate(library, RunConfig(), folds=2)


@pytest.mark.parametrize("folds, message", [(1, "need at least 2 folds, not 1"),
                                            (50, "50 folds need at least 50 tracks; the playlists hold 20")])
def test_impossible_fold_counts_are_config_errors(folds, message):
    library = library_of({"A": [track_id(n) for n in range(12)], "B": [track_id(n) for n in range(12, 20)]})
    with pytest.raises(ConfigError, match=message):
        evaluate(library, RunConfig(model="dummy", strategy="none"), folds=folds)
