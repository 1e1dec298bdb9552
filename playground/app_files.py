"""Where the Streamlit app's own files are, in a source checkout and in an installed package.

`pip install .` copies streamlit_app.py, app_pages/, ui/, assets/ and .streamlit/ into
playground/_app/ (see pyproject.toml); a checkout keeps them beside the playground/ folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ENTRY_POINT = "streamlit_app.py"


def app_folder() -> Path:
    """The folder holding streamlit_app.py: the installed copy first, else the checkout's root."""
    for folder in (PACKAGE / "_app", PACKAGE.parent):
        if (folder / ENTRY_POINT).is_file():
            return folder
    raise FileNotFoundError(
        "The app's files (streamlit_app.py, app_pages/, ui/) were not found next to "
        f"the playground package in {PACKAGE.parent}; reinstall it with `pip install .`."
    )


def assets_folder() -> Path:
    """The app's assets/ folder (icon, measured experiment results), wherever the app lives."""
    for folder in (PACKAGE / "_app", PACKAGE.parent):
        if (folder / "assets").is_dir():
            return folder / "assets"
    return PACKAGE.parent / "assets"
