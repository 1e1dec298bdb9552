"""docs/library.md's worked example runs as written and prints what the page says it prints."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_worked_example_in_docs_library_md(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the example writes its model file, figure and CSV where it runs
    result = doctest.testfile(
        str(ROOT / "docs" / "library.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        report=True,
    )
    assert result.attempted >= 25 and result.failed == 0
    figure = (tmp_path / "not-good.html").read_text()
    assert "How the prediction moves as each word is read" in figure and "plotly" in figure
    assert (tmp_path / "sentiment.safetensors").is_file()


def test_the_notebook_names_import_from_the_package_and_bad_settings_use_the_forms_words():
    import pytest

    import playground
    from playground import train_model

    assert set(playground.NOTEBOOK_API) <= set(dir(playground))
    with pytest.raises(ValueError, match="Hidden size must be at most 1024"):
        train_model(hidden_dim=5000)
    with pytest.raises(ValueError, match="Unknown setting hiden_dim"):
        train_model(hiden_dim=64)
