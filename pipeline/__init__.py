"""Playlist Enhancer: suggest which of your playlists each liked song belongs in.

A plain library (no Streamlit): sources -> Library -> features -> model ->
evaluation / suggestions -> export.
"""
