"""Streamlit glue shared by the pages: session state, the run store, forms, view widgets, live training.

ui/views/ holds the larger sections of each page, so page files stay prose and wiring.
"""
