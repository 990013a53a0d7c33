"""The sidebar every page shares: which library, which playlists, and the `RunConfig`.

Configuration widgets are bound to the URL's query parameters, so a browser reload (or a
shared link) comes back to the same configuration, and the stored results for it show at once.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import streamlit as st

from dashboard import results_store
from dashboard.charts import playlist_colors
from dashboard.library_source import UPLOAD_TYPES, library_from_path, library_from_upload
from dashboard.library_views import playlist_order
from pipeline.config import (ARTIST_ENCODINGS, MODEL_LABELS, MODELS, SCALERS, STRATEGIES, STRATEGY_LABELS,
                             Encoding, RunConfig)
from pipeline.errors import UserError
from pipeline.library import Library
from pipeline.paths import fetched_library_dir
from pipeline.recommended import catch_alls, recommended_config
from pipeline.sources import DEMO, read_source
from pipeline.sources.native import is_saved_library

SOURCES = {"demo": "Demo library", "upload": "Upload an Exportify export", "path": "A path on this machine",
           "spotify": "My Spotify library"}
SCALER_LABELS = {"standard": "Standard (z-score)", "robust": "Robust (median, IQR)", "maxabs": "Max-abs",
                 "none": "None"}
ARTIST_LABELS = {"onehot": "One-hot", "hashing": "Hashed buckets", "drop": "Leave artists out"}
SIDEBAR_STRATEGIES = tuple(s for s in STRATEGIES if s != "leaky")  # the leaky demo lives on Compare only
BOUND = "query-params"


@dataclass(frozen=True)
class Selection:
    """What the sidebar chose; every page reads it. ``library`` is None when none could be loaded."""

    library: Library | None
    fingerprint: str = ""
    config: RunConfig = field(default_factory=RunConfig)
    folds: int = 5
    colors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    notice: str | None = None
    tuned: dict = field(default_factory=dict)
    """The params of ``config`` that come from a study (name -> value)."""


def render_sidebar() -> Selection:
    """Draw the sidebar and return the `Selection`; problems come back in ``problem``, never raised."""
    with st.sidebar:
        st.markdown("### Library")
        full, source_key, problem, notice = _library_widgets()
        library = fingerprint = None
        colors: dict[str, str] = {}
        if full is not None:
            names = playlist_order(full)
            colors = playlist_colors(names)
            try:
                library, fingerprint = _exclude(full, source_key, tuple(_exclusion_widget(full, names, source_key)))
            except UserError as error:
                problem = str(error)
        st.markdown("### Model")
        config, folds, tuned = _config_widgets(fingerprint)
    return Selection(library=library, fingerprint=fingerprint or "", config=config, folds=folds,
                     colors=colors, problem=problem, notice=notice, tuned=tuned)


# ----- library --------------------------------------------------------------------------------
def _library_widgets() -> tuple[Library | None, str, str | None, str | None]:
    """The full library, a key naming its content, and a problem or a notice for the page."""
    source = st.radio("Source", list(SOURCES), format_func=SOURCES.get, key="source", bind=BOUND,
                      label_visibility="collapsed")
    try:
        if source == "demo":
            return load_demo(), "demo", None, None
        if source == "upload":
            return _uploaded_library()
        if source == "path":
            path = st.text_input("Folder, .zip or CSV on this machine", key="path", bind=BOUND,
                                 placeholder="~/exports/spotify_playlists.zip")
            if not path.strip():
                return None, "", None, "Type the path of an Exportify folder, .zip or CSV in the sidebar."
            stamp = _stamp(path)
            return load_path(path, stamp), f"path:{path}:{stamp}", None, None
        folder = fetched_library_dir()
        if not is_saved_library(folder):
            return None, "", None, ("Log in and fetch your library on the **Spotify** page (top right); it is "
                                    "saved on this machine and opens here from then on.")
        stamp = _stamp(str(folder))
        return load_path(str(folder), stamp), f"spotify:{stamp}", None, None
    except UserError as error:
        return None, "", str(error), None


# Libraries are shared, not copied, between reruns and sessions (st.cache_resource): nothing changes a
# Library in place, and unpickling one on every redraw (st.cache_data) cost more than the rest of the sidebar.
UPLOAD_ROUND, UPLOAD_REJECTED = "_upload_round", "_upload_rejected"
"""Session keys: which file uploader is drawn (a new one is empty), and why the last upload was refused."""


def _uploaded_library() -> tuple[Library | None, str, str | None, str | None]:
    """The uploaded library. A refused upload is taken out of the uploader (a fresh, empty one is
    drawn) and its reason kept on screen until the next upload: left in, it would join the next
    file and refuse that one too."""
    files = st.file_uploader("Exportify .zip or playlist CSVs", type=list(UPLOAD_TYPES), accept_multiple_files=True,
                             key=f"upload:{st.session_state.get(UPLOAD_ROUND, 0)}",
                             help="From exportify.app: 'Export All' gives one .zip with a CSV per playlist "
                                  "(liked songs included).")
    if not files:
        rejected = st.session_state.get(UPLOAD_REJECTED)
        return None, "", rejected, None if rejected else "Upload an Exportify .zip (or the CSV files inside it) to begin."
    st.session_state.pop(UPLOAD_REJECTED, None)
    digest = _digest(files)
    try:
        return load_upload(digest, [(f.name, f.getvalue()) for f in files]), f"upload:{digest}", None, None
    except UserError as error:
        st.session_state[UPLOAD_REJECTED] = f"Not read, so taken out of the uploader: {error}"
        st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
        st.rerun()


@st.cache_resource(show_spinner="Making the demo library…", max_entries=1)
def load_demo() -> Library:
    return read_source(DEMO)


@st.cache_resource(show_spinner="Reading the library…", max_entries=4)
def load_path(path: str, stamp: str) -> Library:
    """``stamp`` changes when the files do, so an edited export is read again."""
    return library_from_path(path)


@st.cache_resource(show_spinner="Reading your upload…", max_entries=4)
def load_upload(digest: str, _files: list[tuple[str, bytes]]) -> Library:
    return library_from_upload(_files)


@st.cache_resource(max_entries=16)
def _exclude(_library: Library, source_key: str, names: tuple[str, ...]) -> tuple[Library, str]:
    """The library without ``names``, and its fingerprint (``source_key`` names the full library)."""
    library = _library.exclude(names)
    return library, library.fingerprint()


def _exclusion_widget(full: Library, names: list[str], source_key: str) -> list[str]:
    """The playlists left out: ``names`` are ``full``'s, largest first."""
    if "_exclude_for" not in st.session_state and "exclude" in st.query_params:
        # A new session with a URL (a reload, a shared link, a tab reconnecting after a server restart):
        # the URL says what is left out. A reconnecting tab also sends its widgets' old values, which win
        # over the URL and which a new session cannot read before the widget is drawn: so set it here.
        st.session_state["exclude"] = [n for n in st.query_params.get_all("exclude") if n in names]
    elif st.session_state.get("_exclude_for") != source_key:
        # A new library: suggest leaving out its catch-alls.
        st.session_state["exclude"] = [found.playlist_name for found in catch_alls(full)]
    else:
        st.session_state["exclude"] = [n for n in st.session_state.get("exclude", []) if n in names]
    st.session_state["_exclude_for"] = source_key
    return st.multiselect("Playlists to leave out", names, key="exclude", bind=BOUND,
                          placeholder="none left out",
                          help="Catch-all playlists (liked, starred, top songs, Shazam ...) teach the model "
                               "little; ones named like catch-alls or holding most of your tracks are "
                               "suggested. You decide.")


def _digest(files) -> str:
    digest = hashlib.sha256()
    for uploaded in files:
        digest.update(uploaded.name.encode() + b"\0" + hashlib.sha256(uploaded.getvalue()).digest())
    return digest.hexdigest()


def _stamp(path: str) -> str:
    target = Path(path.strip().strip("\"'")).expanduser()
    try:
        files = [target, *target.iterdir()] if target.is_dir() else [target]
        return ";".join(f"{f.name}:{f.stat().st_mtime_ns}:{f.stat().st_size}" for f in files)
    except OSError:
        return "missing"


# ----- configuration ------------------------------------------------------------------------
TUNED_TOGGLE = "use_tuned"
CLASS_WEIGHT_POWER = "class_weight_power"  # the one tuned parameter with a widget of its own


def _config_widgets(fingerprint: str | None) -> tuple[RunConfig, int, dict]:
    """The configuration, the folds, and which of its params are tuned ones (name -> value)."""
    model = st.selectbox("Model", MODELS, format_func=MODEL_LABELS.get, key="model", bind=BOUND)
    strategy = st.selectbox("Imbalance strategy", SIDEBAR_STRATEGIES, format_func=STRATEGY_LABELS.get,
                            index=SIDEBAR_STRATEGIES.index("class_weights"), key="strategy", bind=BOUND,
                            help="How the model copes with a few playlists holding most of the tracks.")
    seed = int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="seed",
                               bind=BOUND, help="Every random step (splits, sampling, model) uses it."))
    params_slot = st.container()  # filled once the encoding is known: tuned values are stored per encoding
    default = recommended_config().encoding
    with st.expander("Encoding"):
        encoding = Encoding(
            scaler=st.selectbox("Scaler", SCALERS, index=SCALERS.index(default.scaler),
                                format_func=SCALER_LABELS.get, key="scaler", bind=BOUND),
            splines=st.toggle("Curves on audio features", value=default.splines, key="splines", bind=BOUND,
                              help="Spline features let a linear model learn ranges (\"quiet\", \"around "
                                   "120 BPM\"), not only more-is-better. XGBoost splits raw values and skips "
                                   "them."),
            artist=st.selectbox("Artists", ARTIST_ENCODINGS, index=ARTIST_ENCODINGS.index(default.artist),
                                format_func=ARTIST_LABELS.get, key="artist", bind=BOUND,
                                help="One-hot: a column per artist. Hashed: artists share a fixed number of "
                                     "columns, which keeps big libraries fast."),
            year=st.toggle("Release year", value=default.year, key="year", bind=BOUND),
            genres=st.toggle("Genres", value=default.genres, key="genres", bind=BOUND,
                             help="Artist genres, where the export has them."),
            album=st.toggle("Album", value=default.album, key="album", bind=BOUND,
                            help="Songs from one album often share a playlist."))
    with st.expander("Evaluation"):
        folds = int(st.number_input("Cross-validation folds", min_value=2, max_value=10, value=5, key="folds",
                                    bind=BOUND))
    config = RunConfig(model=model, strategy=strategy, encoding=encoding, seed=seed)
    with params_slot:
        params, tuned = _param_widgets(config, stored_tuned_params(fingerprint, config))
    return replace(config, params=params), folds, tuned


def stored_tuned_params(fingerprint: str | None, config: RunConfig) -> dict:
    """Parameters adopted on the Train & tune page for this configuration (whatever its params)."""
    chosen = results_store.read_json(results_store.chosen_params_path(fingerprint, config)) if fingerprint else None
    return dict(chosen["params"]) if chosen else {}


def _param_widgets(config: RunConfig, tuned: dict) -> tuple[dict, dict]:
    """The params in use and the tuned ones among them. A tuned value with a widget is the widget's
    value (adopting sets it; moving the widget replaces it); the others follow the toggle."""
    slider_slot = st.container()  # above the toggle, drawn after it: its default follows the toggle
    use_tuned = bool(tuned) and st.toggle(
        "Use tuned parameters", value=True, key=TUNED_TOGGLE, bind=BOUND, on_change=_tuned_toggled, args=(tuned,),
        help="Parameters adopted on the Train & tune page for this model, strategy and encoding.")
    params = {k: v for k, v in tuned.items() if use_tuned and k != CLASS_WEIGHT_POWER}
    if config.strategy == "class_weights":
        tuned_power = tuned.get(CLASS_WEIGHT_POWER) if use_tuned else None
        with slider_slot:
            params[CLASS_WEIGHT_POWER] = _class_weight_slider(tuned_power)
            if tuned_power is not None and _same(params[CLASS_WEIGHT_POWER], tuned_power):
                st.badge("tuned", icon=":material/tune:", color="blue")
    in_use = {k: v for k, v in tuned.items() if use_tuned and _same(params.get(k), v)}
    if tuned:
        st.caption(_tuned_caption(tuned, in_use, params) if use_tuned else
                   "Tuned parameters not in use: the model's defaults.")
    return params, in_use


def _class_weight_slider(tuned: float | None) -> float:
    """The strength in use; it starts at the tuned value when there is one."""
    recommended = recommended_config().param_dict[CLASS_WEIGHT_POWER]
    return st.slider(
        "Class-weight strength", 0.0, 1.0, value=recommended if tuned is None else tuned,
        step=0.05,  # `pipeline.tuning` searches on this grid, so a tuned value is one the slider can show
        key=CLASS_WEIGHT_POWER, bind=BOUND,
        help="0 weighs every song alike; 1 makes every playlist count as much as the largest (fully "
             "balanced). Half-way was best on real libraries.")


def _tuned_caption(tuned: dict, in_use: dict, params: dict) -> str:
    parts = [f"Tuned, in use: {_listing(in_use)}." if in_use else "No tuned value in use."]
    parts += [f"Your {k}={_short(params[k])} replaces the tuned {_short(v)}." for k, v in sorted(tuned.items())
              if k not in in_use]
    return " ".join(parts)


def _tuned_toggled(tuned: dict) -> None:
    """Turning tuned parameters on puts the tuned value on its widget; off puts the default back."""
    if CLASS_WEIGHT_POWER not in tuned:
        return
    recommended = recommended_config().param_dict[CLASS_WEIGHT_POWER]
    if st.session_state[TUNED_TOGGLE]:
        st.session_state[CLASS_WEIGHT_POWER] = tuned[CLASS_WEIGHT_POWER]
    elif _same(st.session_state.get(CLASS_WEIGHT_POWER), tuned[CLASS_WEIGHT_POWER]):
        st.session_state[CLASS_WEIGHT_POWER] = recommended


def show_tuned_params(params: dict) -> None:
    """After tuned ``params`` were adopted (in a callback, before the sidebar is drawn): the widgets
    show them from this run on."""
    st.session_state[TUNED_TOGGLE] = True
    if CLASS_WEIGHT_POWER in params:
        st.session_state[CLASS_WEIGHT_POWER] = params[CLASS_WEIGHT_POWER]


def _same(value, tuned) -> bool:
    """A widget's float may differ from the stored tuned one in its last digits."""
    if isinstance(value, float) and isinstance(tuned, float):
        return math.isclose(value, tuned, abs_tol=1e-9)
    return value == tuned


def _listing(params: dict) -> str:
    return ", ".join(f"{k}={_short(v)}" for k, v in sorted(params.items()))


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def switch_page(page: str) -> None:
    """Open another page with the sidebar's settings kept. A plain ``st.switch_page`` clears the URL's
    query parameters, which Streamlit refuses while widgets are bound to them; every parameter here is
    a bound sidebar widget, which writes its value back to the new page's URL."""
    st.switch_page(page, query_params={})


def remember(selection: Selection) -> Selection:
    """Keep this run's selection where the pages find it (`current_selection`)."""
    st.session_state["_selection"] = selection
    return selection


def current_selection() -> Selection:
    return st.session_state["_selection"]
