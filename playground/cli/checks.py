"""Checks the command line makes before any work: numbers within bounds, output files it can write."""

from __future__ import annotations

import argparse
from pathlib import Path

from playground.config import parse_number


def bounded_int(lo: int, hi: int):
    """An argparse type: a whole number from `lo` to `hi`, else the bounds in the error."""

    def convert(text: str) -> int:
        try:  # the config's parser: digits 0-9 only (int() also takes "１２" and "1_0"), finite, whole
            value = int(parse_number(text, None, None, whole=True))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo:,} to {hi:,}, not {value:,}")
        return value

    return convert


def bounded_int_list(lo: int, hi: int, most: int):
    """An argparse type: comma-separated whole numbers, each from `lo` to `hi`, at most `most` of them."""
    one = bounded_int(lo, hi)

    def convert(text: str) -> list[int]:
        values = list(dict.fromkeys(one(item.strip()) for item in text.split(",")))  # 5,5,5 is one length
        if len(values) > most:
            raise argparse.ArgumentTypeError(f"at most {most} values, not {len(values)}")
        return values

    return convert


def name_list(text: str) -> list[str]:
    """An argparse type: comma-separated names, each once ("lstm,lstm" measured one model twice)."""
    return list(dict.fromkeys(item.strip() for item in text.split(",")))


def unwritable(path: Path) -> str | None:
    """Why `path` cannot be written, found by opening it to append (a new file is removed again)."""
    if path.is_dir():
        return "that is a folder"
    if not path.parent.is_dir():
        return f"the folder {path.parent} does not exist"
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as error:
        return f"it cannot be written ({error.strerror or error})"
    if not existed:
        path.unlink(missing_ok=True)
    return None


def unreadable_text(path: Path, at_least: int = 1, needed_by: str = "") -> str | None:
    """Why `path` is not a UTF-8 text file of `at_least` characters a benchmark (`needed_by`) can train
    on (it read a model file to a traceback, and a missing file silently meant the built-in text)."""
    if not path.exists():
        return "no such file"
    if not path.is_file():
        return "that is a folder, not a text file" if path.is_dir() else "not a regular file"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "it is not UTF-8 text (a model file or another binary file?)"
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    if not text.strip():
        return "it is empty"
    if len(text) < at_least:
        return (
            f"too short for {needed_by} ({len(text):,} characters; it needs at least {at_least:,}, a "
            "block of text in each of its parts)"
        )
    return None
