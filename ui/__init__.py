"""Streamlit glue shared by the pages: session state, forms and the live training view."""
