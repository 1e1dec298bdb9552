"""The experiment tables of docs/experiments.md are exactly the shipped result files, and each file is
what the command the doc names would write."""

import json
import shlex
from pathlib import Path

import pytest

from playground.experiments.registry import EXPERIMENTS
from playground.experiments.tables import REFERENCE_COMMANDS, REFERENCE_DIR, REFERENCE_FILES, doc_tables

DOC = Path(__file__).resolve().parents[1] / "docs" / "experiments.md"


def command_settings(command: str) -> tuple[str, dict, int]:
    """The experiment name, the settings the command overrides, and how many seeds it runs."""
    words = shlex.split(command)
    assert words[:4] == ["python", "-m", "playground", "experiment"]
    name, options = words[4], dict(zip(words[5::2], words[6::2], strict=True))
    settings = dict(EXPERIMENTS[name].small)
    for option, key in (("--lengths", "lengths"), ("--steps", "steps"), ("--hidden", "hidden")):
        if option in options:
            value = options[option]
            settings[key] = [int(v) for v in value.split(",")] if key == "lengths" else int(value)
    if "--models" in options:
        settings[EXPERIMENTS[name].models_argument] = options["--models"].split(",")
    return name, settings, int(options.get("--seeds", 1))


@pytest.mark.parametrize("file", sorted(REFERENCE_COMMANDS))
def test_each_shipped_file_is_what_its_command_writes(file):
    path = REFERENCE_DIR / file
    if not path.exists():
        pytest.skip(f"{file} is not measured yet (see docs/experiments.md)")
    report = json.loads(path.read_text())
    name, settings, seeds = command_settings(REFERENCE_COMMANDS[file])
    assert report["experiment"] == name and report["complete"]
    for key, value in settings.items():
        assert report["settings"][key] == value, key
    recorded = report["settings"].get("seeds", [report["settings"].get("seed", 0)])
    assert len(recorded) == seeds
    assert {row.get("seed", recorded[0]) for row in report["rows"]} == set(recorded)


def test_the_doc_shows_every_shipped_table_and_names_every_command():
    doc = DOC.read_text()
    tables = doc_tables()
    assert tables, "no shipped result files"
    for name, table in tables.items():
        assert f"<!-- table: {name} -->\n{table}\n" in doc, f"table {name!r} differs from its result files"
    for files in REFERENCE_FILES.values():
        for file in files:
            if (REFERENCE_DIR / file).exists():
                assert REFERENCE_COMMANDS[file] in doc, file
