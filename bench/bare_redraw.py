"""The yardstick for the dashboard's cached redraw: a bare page that redraws stored results on a widget change.

`bench/dashboard_speed.py` stores two evaluations of the demo (logistic regression, seeds 0 and 1) and
times a change of the Train & tune page's sidebar "Seed" against the same change here. This page draws
what the Train page draws from a stored evaluation, with the dashboard's own builders: the score cards
(`dashboard.score_cards`), the most-confused pairs table and the confusion matrix
(`dashboard.charts.confusion_figure`); the stored JSON is read through ``st.cache_data`` keyed by the
file's mtime, as the dashboard does. No navigation, no library, no other sidebar widgets, no jobs.

``BARE_REDRAW_RESULTS`` lists the stored evaluation files (os.pathsep between them), one per seed.
By hand, from the repository root:

    BARE_REDRAW_RESULTS=seed0.json:seed1.json .venv/bin/streamlit run bench/bare_redraw.py
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import charts, story  # noqa: E402
from dashboard.results_store import read_json  # noqa: E402
from dashboard.score_cards import score_cards  # noqa: E402
from pipeline import confusion  # noqa: E402
from pipeline.evaluation import EvaluationResult  # noqa: E402

RESULTS = [Path(p) for p in os.environ.get("BARE_REDRAW_RESULTS", "").split(os.pathsep) if p]

st.set_page_config(page_title="Bare redraw", layout="wide")
if not RESULTS:
    st.error("Set BARE_REDRAW_RESULTS to the stored evaluation files, one per seed.")
    st.stop()


@st.cache_data(max_entries=8, show_spinner=False)
def stored_document(path: str, stamp: int) -> dict | None:
    return read_json(Path(path))


seed = int(st.sidebar.number_input("Seed", min_value=0, max_value=len(RESULTS) - 1, value=0, step=1, key="seed"))
path = RESULTS[seed]
result = EvaluationResult.from_dict(stored_document(str(path), path.stat().st_mtime_ns))

st.title("Stored results")
st.caption(f"{result.config.label()} · seed {seed} · stored results, redrawn")
score_cards(result, st.columns(len(story.headline_values(result))), border=True, describe_baseline=False)
labels, counts = result.confusion_labels, confusion.counts_of(result)
pairs = confusion.most_confused_pairs(labels, counts, top=10)
st.dataframe(pairs.assign(share_of_true=100 * pairs["share_of_true"]), hide_index=True, key="pairs")
shown = confusion.focus_playlists(counts, limit=charts.FOCUS_PLAYLISTS)
st.plotly_chart(charts.confusion_figure(labels, counts, "Each playlist's songs, by predicted playlist", shown=shown),
                width="content", key="confusion")
