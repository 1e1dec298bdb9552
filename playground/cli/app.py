"""`app`: start the Streamlit app from any folder, with the project's own Streamlit settings."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from playground.app_files import ENTRY_POINT, app_folder


def config_flags(config_file: Path, given: set[str] = frozenset()) -> list[str]:
    """The app's .streamlit/config.toml as `streamlit run` flags, except options the user gave.

    Streamlit reads that file only from the current folder, so started from elsewhere the app
    would lose its upload cap, XSRF setting and theme without these.
    """
    if not config_file.is_file():
        return []
    flags = []

    def walk(table: dict, prefix: str) -> None:
        for key, value in table.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(value, name)
            elif name not in given:
                flags.append(f"--{name}={str(value).lower() if isinstance(value, bool) else value}")

    walk(tomllib.loads(config_file.read_text()), "")
    return flags


def streamlit_command(extra: list[str]) -> list[str]:
    """`python -m streamlit run <installed streamlit_app.py>` with the app's settings, then the user's."""
    folder = app_folder()
    given = {token[2:].split("=", 1)[0] for token in extra if token.startswith("--")}
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(folder / ENTRY_POINT),
        *config_flags(folder / ".streamlit" / "config.toml", given),
        *extra,
    ]


def app_command(extra: list[str]) -> int:
    """Serve the app until Ctrl+C; extra arguments go to `streamlit run` (e.g. --server.port 8502)."""
    try:
        command = streamlit_command(extra)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    process = subprocess.Popen(command)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:  # Streamlit got the same Ctrl+C and is shutting down: wait for it
            continue
