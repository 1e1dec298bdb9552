"""Experiments that reproduce the classic results on sequence models, each a function returning a table."""
