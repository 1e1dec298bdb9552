"""Pure functions from tables and arrays to Plotly figures; no Streamlit, no model calls."""
