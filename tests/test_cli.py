"""The command line trains on built-in data and reports numbers next to the baseline."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def test_train_json_report():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "playground",
            "train",
            "--task",
            "sentiment",
            "--arch",
            "bow",
            "--epochs",
            "1",
            "--seed",
            "3",
            "--device",
            "cpu",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in (
        "task",
        "arch",
        "device",
        "steps",
        "seconds",
        "train_loss",
        "val_loss",
        "val_accuracy",
        "baseline_accuracy",
        "order_subset_accuracy",
        "unseen_structure_accuracy",
        "test_full_stop_accuracy",
        "test_comma_accuracy",
        "test_capitals_accuracy",
        "test_no_punctuation_accuracy",
        "test_ece",
        "unknown_p_positive_min",
        "unknown_p_positive_max",
        "test_edit_changes",
    ):
        assert key in report
    for edit, change in report["test_edit_changes"].items():
        assert change == report[f"test_{edit}_accuracy"] - report["test_accuracy"]
    assert set(report["test_edit_changes"]) == {"full_stop", "comma", "capitals", "no_punctuation"}
    assert 0 <= report["test_ece"] <= 1
    assert report["unknown_p_positive_min"] <= report["unknown_p_positive_max"]
    assert report["task"] == "sentiment" and report["arch"] == "bow" and report["device"].startswith("CPU")


def test_missing_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        return
    result = subprocess.run(
        [sys.executable, "-m", "playground", "train", "--device", "cuda"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "no CUDA GPU" in result.stderr


def test_bench_quick_runs_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "playground", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(out.read_text())["rows"]
    assert {r["benchmark"] for r in rows} == {
        "training overhead",
        "small GPT",
        "answer latency",
        "scaling",
        "embedding projection",
        "gradient recording",
    }
    assert all(r["measured"] > 0 for r in rows)
    assert all(r["ratio"] > 0 for r in rows if r["reference"] is not None)
    assert "training overhead" in result.stdout  # the table is printed too


def test_bench_refuses_unknown_names():
    result = subprocess.run(
        [sys.executable, "-m", "playground", "bench", "--only", "speed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "choose from" in result.stderr


def test_bench_help_names_every_benchmark():
    from playground.__main__ import build_parser
    from playground.speed import BENCHMARKS

    bench = build_parser()._subparsers._group_actions[0].choices["bench"]
    only = next(a for a in bench._actions if a.dest == "only")
    assert all(name in only.help for name in BENCHMARKS)  # gpt and gpu were missing


@pytest.mark.parametrize(
    "contents,words",
    [
        (b"\x89safetensors\xff\xfe\x00", "it is not UTF-8 text"),  # a model file read to a traceback
        (None, "no such file"),  # silently trained on the built-in text, saying "no --data file"
        (b"  \n", "it is empty"),
        (
            b"the cat sat on a mat. " * 3,
            "too short for the gpt benchmark (66 characters; it needs at least 650",
        ),
    ],
)
def test_bench_data_that_is_not_a_text_file_is_refused_before_the_work(
    tmp_path, capsys, monkeypatch, contents, words
):
    from playground.__main__ import main

    monkeypatch.setattr("playground.speed.run_benchmarks", lambda **kwargs: pytest.fail("ran"))
    path = tmp_path / "data.txt"
    if contents is not None:
        path.write_bytes(contents)
    assert main(["bench", "--only", "gpt", "--data", str(path)]) == 2
    assert f"error: --data {path}: {words}" in capsys.readouterr().err
    assert main(["bench", "--only", "gpt", "--data", str(tmp_path)]) == 2  # a folder


def test_experiment_lists_name_each_length_and_model_once():
    from playground.cli.checks import bounded_int_list, name_list

    assert bounded_int_list(1, 100, 3)("5,5,5,7") == [5, 7]
    assert name_list("lstm, lstm,rnn") == ["lstm", "rnn"]


def test_the_gpu_benchmark_says_it_skips_without_a_gpu_and_reads_the_clis_device(capsys):
    from playground.speed.gpu import cli_device, gpu_benchmark

    assert gpu_benchmark(torch.device("cpu")) == []
    assert "skipped" in capsys.readouterr().err
    expected = "GPU" if torch.cuda.is_available() else "CPU"
    assert cli_device().startswith(expected)  # the CLI picks the device on its own


@pytest.mark.parametrize(
    "argv,words",
    [
        (["experiment", "adding", "--lengths", "0"], "must be from 1 to 2,048, not 0"),
        (["experiment", "adding", "--lengths=-5", "--steps", "1"], "not -5"),
        (["experiment", "adding", "--lengths", "100000000"], "not 100,000,000"),
        (["experiment", "adding", "--lengths", "10,x"], "'x' is not a whole number"),
        (["experiment", "adding", "--hidden", "100000"], "must be from 1 to 1,024"),
        (["experiment", "adding", "--steps", "0"], "must be from 1 to 100,000"),
        (["experiment", "adding", "--seed=-1"], "must be from 0 to 2,147,483,647"),
        (["experiment", "bottleneck", "--plain-steps=-3"], "not -3"),
        (["experiment", "adding", "--seeds", "1000000"], "must be from 1 to 20"),
    ],
)
def test_experiment_settings_out_of_bounds_are_refused_before_any_work(capsys, argv, words):
    from playground.__main__ import main

    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2 and words in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,work",
    [
        (
            ["experiment", "adding", "--lengths", "10", "--steps", "1", "--json", "/proc/x.json"],
            "playground.experiments.common.run_seeds",
        ),
        (["bench", "--quick", "--json", "/nonexistent-folder/x.json"], "playground.speed.run_benchmarks"),
        (["train", "--save", "/proc/x.safetensors"], "playground.cli.training.train_run"),
    ],
)
def test_an_output_file_that_cannot_be_written_is_refused_before_the_work(capsys, monkeypatch, argv, work):
    from playground.__main__ import main

    def never(*args, **kwargs):
        raise AssertionError("the work started before the output file was checked")

    monkeypatch.setattr(work, never)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and ("cannot be written" in err or "does not exist" in err), err
