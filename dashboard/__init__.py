"""The Streamlit dashboard: arranges `pipeline` results as pages; no modelling happens here."""
