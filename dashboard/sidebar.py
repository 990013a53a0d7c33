"""The sidebar every page shares: which library, which playlists, and the `RunConfig`.

Configuration widgets are bound to the URL's query parameters, so a browser reload (or a
shared link) comes back to the same configuration, and the stored results for it show at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import streamlit as st

from dashboard import results_store
from dashboard.charts import playlist_colors
from dashboard.library_picker import BOUND, excluded, exclusion_widget, library_widgets
from dashboard.library_views import playlist_order
from pipeline.config import (ARTIST_ENCODINGS, MODEL_LABELS, MODELS, SCALERS, STRATEGIES, STRATEGY_LABELS,
                             Encoding, RunConfig)
from pipeline.errors import UserError
from pipeline.library import Library
from pipeline.recommended import recommended_config

SCALER_LABELS = {"standard": "Standard (z-score)", "robust": "Robust (median, IQR)", "maxabs": "Max-abs",
                 "none": "None"}
ARTIST_LABELS = {"onehot": "One-hot", "hashing": "Hashed buckets", "drop": "Leave artists out"}
SIDEBAR_STRATEGIES = tuple(s for s in STRATEGIES if s != "leaky")  # the leaky demo lives on Compare only


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
        full, source_key, problem, notice = library_widgets()
        library = fingerprint = None
        colors: dict[str, str] = {}
        if full is not None:
            names = playlist_order(full)
            colors = playlist_colors(names)
            try:
                library, fingerprint = excluded(full, source_key, tuple(exclusion_widget(full, names, source_key)))
            except UserError as error:
                problem = str(error)
        st.markdown("### Model")
        config, folds, tuned = _config_widgets(fingerprint)
    return Selection(library=library, fingerprint=fingerprint or "", config=config, folds=folds,
                     colors=colors, problem=problem, notice=notice, tuned=tuned)


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
