"""The yardstick for the dashboard's first page: a bare Streamlit page with one plotly chart and one table.

`bench/dashboard_speed.py` times ``streamlit run`` of this file against ``streamlit run dashboard/app.py``
(start to first page drawn in a browser). It draws what the Library page leads with, from the same
demo library and with the same figure builder: the playlist-size bars and the playlists as a table,
and nothing else (no sidebar, no navigation, no stored work). Run by hand from the repository root:

    .venv/bin/streamlit run bench/bare_page.py
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.charts import playlist_colors, playlist_sizes_figure  # noqa: E402
from pipeline.baseline import track_shares  # noqa: E402
from pipeline.sources import DEMO, read_source  # noqa: E402

st.set_page_config(page_title="Bare page", layout="wide")


@st.cache_data(show_spinner="Making the demo library…", max_entries=1)
def load_demo():
    return read_source(DEMO)


library = load_demo()
sizes = library.playlists()
sizes["share"] = track_shares(library)
st.title("Your library")
st.plotly_chart(playlist_sizes_figure(sizes, playlist_colors(sizes["playlist_name"].tolist())), key="sizes_chart")
st.dataframe(sizes[["playlist_name", "size", "share"]], hide_index=True, key="playlist_table")
