"""Harness for the dashboard's page tests (Streamlit AppTest), and the harness's own tests.

Page tests import what they need: ``from tests.test_dashboard_apptest import fresh_server, open_app, ...``
(importing the autouse ``fresh_server`` fixture gives each test a private data folder and an
empty job board).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import work
from pipeline.library import AUDIO_FEATURES, Library, build_library
from pipeline.sources.native import save_library

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
SMALL_PLAYLISTS = {"Workout": (40, 0.9, 0.7), "Chill": (20, 0.3, 0.5), "Jazz": (12, 0.4, 0.2), "Party": (8, 0.8, 0.9)}


def small_library(seed: int = 0) -> Library:
    """Four playlists (40/20/12/8 tracks) that differ in energy and valence, noisily; artists and
    genres are shared, so they give nothing away. Per playlist two liked songs are already filed
    and four are not. Small enough to train a real model in a second, hard enough to score < 100%."""
    rng = np.random.default_rng(seed)
    tracks, memberships, liked = [], [], []
    for name, (size, energy, valence) in SMALL_PLAYLISTS.items():
        for i in range(size + 4):
            track_id = f"{name.lower()}{i:03d}"
            features = {f: float(rng.uniform(0, 1)) for f in AUDIO_FEATURES}
            features.update(energy=float(np.clip(rng.normal(energy, 0.15), 0, 1)),
                            valence=float(np.clip(rng.normal(valence, 0.15), 0, 1)), key=float(rng.integers(12)),
                            mode=float(rng.integers(2)), tempo=float(rng.normal(120, 20)),
                            loudness=float(rng.normal(-8, 2)), duration_ms=float(rng.normal(2e5, 3e4)))
            tracks.append({"track_id": track_id, "name": f"{name} song {i}", "artists": f"Band {i % 5}",
                           "genres": ("pop", "rock")[i % 2], "release_date": "2015-06-01",
                           **features})
            if i < size:
                memberships.append({"playlist_id": name.lower(), "playlist_name": name, "track_id": track_id,
                                    "added_at": "2022-01-01"})
            if i >= size - 2:
                liked.append({"track_id": track_id, "added_at": "2023-01-01"})
    return build_library(pd.DataFrame(tracks), pd.DataFrame(memberships), pd.DataFrame(liked), "small test library")


@pytest.fixture(autouse=True)
def fresh_server(tmp_path, monkeypatch):
    """A private data folder and no jobs left over from another test."""
    monkeypatch.setenv("PLAYLIST_ENHANCER_DATA_DIR", str(tmp_path / "data"))
    work.job_board.clear()


@pytest.fixture(scope="module")
def small_library_folder(tmp_path_factory) -> Path:
    """`small_library` saved as the project's own library folder, for the sidebar's path source."""
    folder = tmp_path_factory.mktemp("library") / "small"
    save_library(small_library(), folder)
    return folder


def open_app(page: str | None = None, path: Path | None = None, model: str | None = None,
             folds: int = 3) -> AppTest:
    """The app on the demo (or the library at ``path``), with ``folds`` folds, on ``page``."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    if path is not None:
        at.sidebar.radio(key="source").set_value("path").run()
        at.sidebar.text_input(key="path").set_value(str(path))
    at.sidebar.number_input(key="folds").set_value(folds)
    if model is not None:
        at.sidebar.selectbox(key="model").set_value(model)
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def wait_until(at: AppTest, done: Callable[[AppTest], object], timeout: float = 120) -> AppTest:
    """Rerun the page (as its progress fragment would) until ``done(at)`` holds."""
    deadline = time.monotonic() + timeout
    while not done(at):
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        assert time.monotonic() < deadline, "the page did not finish in time"
        time.sleep(0.25)
        at.run()
    return at


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def chart(at: AppTest, key: str) -> dict:
    """The chart's plotly spec with typed arrays decoded to lists, as the browser receives it."""
    found = [c for c in at.get("plotly_chart") if c.key == key]
    assert found, f"no chart {key!r}; charts: {[c.key for c in at.get('plotly_chart')]}"
    return decoded(json.loads(found[0].proto.spec))


def decoded(value):
    """Plotly writes numeric arrays as ``{"dtype", "bdata"[, "shape"]}``; turn them back into lists."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.tolist()
    if isinstance(value, dict):
        return {k: decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decoded(v) for v in value]
    return value


# ----- the harness's own tests -------------------------------------------------------------------
def test_decoded_reads_plotly_typed_arrays_back():
    import plotly.graph_objects as go
    figure = go.Figure(go.Heatmap(z=np.array([[0.5, 1.0], [0.0, 0.25]]), x=np.arange(2)))
    data = decoded(json.loads(figure.to_json()))["data"][0]
    assert data["z"] == [[0.5, 1.0], [0.0, 0.25]] and data["x"] == [0, 1]


def test_the_small_library_has_what_its_docstring_promises():
    library = small_library()
    sizes = dict(zip(library.playlists()["playlist_name"], library.playlists()["size"]))
    assert sizes == {name: size for name, (size, _, _) in SMALL_PLAYLISTS.items()}
    assert len(library.liked) == 6 * len(SMALL_PLAYLISTS)
    assert len(library.liked_in_playlists()) == 2 * len(SMALL_PLAYLISTS)
    assert library.feature_coverage() == 1.0
