"""`pip install .` gives a working library and `sequence-playground` command, used from another folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import playground

ROOT = Path(__file__).resolve().parents[1]
BUILD_INPUTS = [
    "playground",
    "app_pages",
    "ui",
    "assets/icon.png",
    "assets/experiments",
    ".streamlit",
    "streamlit_app.py",
    "pyproject.toml",
    "requirements.txt",
    "README.md",
]


def run(command: list, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # not the checkout
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """A throwaway venv that sees this machine's torch and streamlit, with the project installed from a
    wheel built out of a copy of the sources: (the venv's bin folder, an unrelated working folder)."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    for name in BUILD_INPUTS:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        copy(
            ROOT / name,
            source / name,
            **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree else {}),
        )
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            source,
            "-w",
            base / "dist",
        ],
        cwd=base,
    )
    venv.create(base / "venv", system_site_packages=True, with_pip=True)
    bin_folder = base / "venv" / ("Scripts" if os.name == "nt" else "bin")
    wheel = next((base / "dist").glob("sequence_playground-*.whl"))
    run([bin_folder / "python", "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], cwd=base)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return bin_folder, elsewhere


def test_the_command_and_the_library_come_from_the_installed_package(installed):
    bin_folder, elsewhere = installed
    version = run([bin_folder / "sequence-playground", "--version"], elsewhere).stdout.strip()
    assert version == f"sequence-playground {playground.__version__}"
    probe = (
        "import json, playground; from playground.cli.app import streamlit_command; "
        "from playground.experiments.registry import reference_result; "
        "print(json.dumps([playground.__file__, streamlit_command([]), "
        "reference_result('adding') is not None]))"
    )
    where, command, shipped = json.loads(run([bin_folder / "python", "-c", probe], elsewhere).stdout)
    venv_folder = str(bin_folder.parent)
    assert where.startswith(venv_folder)
    entry = Path(command[command.index("run") + 1])
    assert str(entry).startswith(venv_folder) and entry.name == "streamlit_app.py"
    for part in ("app_pages/train.py", "ui/state.py", "assets/icon.png", ".streamlit/config.toml"):
        assert (entry.parent / part).is_file(), part
    assert "--server.maxUploadSize=64" in command and "--client.showErrorDetails=type" in command
    assert shipped  # the Lab page's measured results travel with the package


def test_train_save_predict_and_show_from_another_folder(installed):
    bin_folder, elsewhere = installed
    command = bin_folder / "sequence-playground"
    report = json.loads(
        run(
            [
                command,
                "train",
                "--task",
                "sentiment",
                "--arch",
                "bow",
                "--num-sentences",
                "400",
                "--epochs",
                "1",
                "--save",
                "m.safetensors",
                "--json",
            ],
            elsewhere,
        ).stdout
    )
    assert report["status"] == "finished" and (elsewhere / "m.safetensors").is_file()
    answer = json.loads(
        run([command, "predict", "m.safetensors", "the film was good", "--json"], elsewhere).stdout
    )
    assert set(answer["probabilities"]) == {"negative", "positive"}
    assert "vocabulary_size" in run([command, "show", "m.safetensors"], elsewhere).stdout


@pytest.mark.e2e
def test_the_installed_app_starts_from_another_folder(installed):
    from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, start_server, wait_idle

    if not Path(CHROMIUM).exists() and not os.environ.get("PLAYGROUND_REQUIRE_BROWSER"):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    bin_folder, elsewhere = installed
    with (
        start_server(command=[str(bin_folder / "sequence-playground"), "app"], cwd=elsewhere) as (url, _),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        wait_idle(page)
        expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Task shapes")
        assert page.get_by_test_id("stException").count() == 0
        page.get_by_test_id("stSidebarNav").get_by_text("Limits of RNNs", exact=True).click()
        wait_idle(page)
        expect(page.get_by_text("Measured earlier on").first).to_be_visible(timeout=30_000)
        assert page.get_by_test_id("stException").count() == 0 and not errors
        browser.close()
