"""The command line trains on built-in data and reports numbers next to the baseline."""

import json
import subprocess
import sys
from pathlib import Path

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


def test_the_gpu_benchmark_says_it_skips_without_a_gpu_and_reads_the_clis_device(capsys):
    from playground.speed.gpu import cli_device, gpu_benchmark

    assert gpu_benchmark(torch.device("cpu")) == []
    assert "skipped" in capsys.readouterr().err
    expected = "GPU" if torch.cuda.is_available() else "CPU"
    assert cli_device().startswith(expected)  # the CLI picks the device on its own
