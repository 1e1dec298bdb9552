"""Command-line flags generated from the config field table: the Train form's names, bounds and messages.

`--hidden-dim 5000` fails with the words the app uses for the same value ("Hidden size must be at
most 1024"), because both parse it with `playground.config.parse_value`.
"""

from __future__ import annotations

import argparse
import dataclasses

from playground.config import (
    FIELDS,
    SECTIONS,
    ExperimentConfig,
    bound_text,
    default_config,
    parse_value,
    with_settings,
)

GROUPS = {"data": "1 · task and data", "model": "2 · model", "train": "3 · training"}


def flag(name: str) -> str:
    """The flag of a config field: its name with dashes (`hidden_dim` -> `--hidden-dim`)."""
    return "--" + name.replace("_", "-")


def field_type(f: dataclasses.Field):
    """An argparse type that checks a value against the field's bounds or choices."""

    def convert(raw: str):
        try:
            return parse_value(f, raw)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{f.metadata['label']} {error}") from None

    return convert


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per field of the Train form, grouped as the form is, with its label, help and bounds."""
    shown = default_config()
    for section, cls in SECTIONS.items():
        group = parser.add_argument_group(
            f"the Train form, {GROUPS[section]}",
            "Defaults follow --task and --arch, as the form's do (shown: next-word, LSTM). Underscores "
            "work too (--hidden_dim), as in a share link."
            if section == "data"
            else None,
        )
        for f in dataclasses.fields(cls):
            meta = f.metadata
            if meta["choices"] is not None:
                metavar, allowed = "{" + ",".join(meta["choices"]) + "}", ""
            else:
                metavar = "N" if f.type in (int, "int") else "X"
                allowed = f"{bound_text(meta['lo'])} to {bound_text(meta['hi'])}; "
            default = getattr(getattr(shown, section), f.name)
            text = (
                f"{meta['label']}. {meta['help']} [{allowed}default {default:g}]"
                if isinstance(default, float)
                else f"{meta['label']}. {meta['help']} [{allowed}default {default}]"
            )
            group.add_argument(
                flag(f.name), dest=f.name, type=field_type(f), metavar=metavar, help=text.replace("%", "%%")
            )


def normalize_flags(argv: list[str]) -> list[str]:
    """Accept a field's flag with underscores too (`--hidden_dim=64`), as a share link spells it."""
    out = []
    for token in argv:
        name, sep, value = token.partition("=")
        if token.startswith("--") and name[2:] in FIELDS:
            token = flag(name[2:]) + sep + value
        out.append(token)
    return out


def config_from_flags(
    args: argparse.Namespace, base: ExperimentConfig | None = None
) -> tuple[ExperimentConfig, list[str]]:
    """The config the flags describe: `base` (a link's, else the task's and architecture's defaults)
    with every given flag applied; and what `check_consistency` had to change."""
    given = {name: getattr(args, name) for name in FIELDS if getattr(args, name, None) is not None}
    return with_settings(base, **given)


def to_flags(config: ExperimentConfig, changed_only: bool = False) -> list[str]:
    """Flags that rebuild `config` exactly (floats written in full, unlike a link's 6 digits).

    With `changed_only`, only --task, --arch, --seed and the fields that differ from the defaults
    of that task and architecture, which is all the command line needs.
    """
    defaults = default_config(config.data.task, config.model.arch)
    flags = []
    for name, (section, _) in FIELDS.items():
        value = getattr(getattr(config, section), name)
        if (
            changed_only
            and name not in ("task", "arch", "seed")
            and value == getattr(getattr(defaults, section), name)
        ):
            continue
        flags += [flag(name), repr(value) if isinstance(value, float) else str(value)]
    return flags
