"""`train`, `predict` and `show` from the command line agree with the app and with the library."""

from __future__ import annotations

import copy
import io
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from playground.__main__ import main
from playground.api import load_model, predict, save_model, train_model
from playground.cli.progress import ProgressBar
from playground.train import TrainingProgress
from tests.pages.test_pages import app, no_errors, open_page
from tests.pages.test_share_links import open_link

ROOT = Path(__file__).resolve().parents[1]
LINK = {
    "task": "sentiment",
    "arch": "rnn",
    "num_sentences": "500",
    "hidden_dim": "24",
    "epochs": "2",
    "seed": "5",
}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_link_trains_what_the_app_trains_and_the_saved_file_loads_on_the_runs_page(capsys, tmp_path):
    at = open_link(LINK)
    at.button(key="train_button").click().run()
    no_errors(at)
    in_app = at.session_state["runs"][-1]
    url = f"http://localhost:8501/train?{urlencode(dict(at.query_params))}"  # the page's own share link
    saved = tmp_path / "shared.safetensors"
    threads = re.search(r"CPU \((\d+) threads?\)", in_app.device).group(1)  # as the README says to
    code, out, err = run_cli(
        capsys, "train", "--link", url, "--threads", threads, "--save", str(saved), "--json", "--quiet"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["device"] == in_app.device
    assert report["config"] == in_app.config.to_dict()
    assert report["test_accuracy"] == in_app.metrics["test_accuracy"]  # same seed, same numbers
    assert report["val_loss"] == in_app.metrics["val_loss"]
    assert report["saved"] == str(saved)

    at = open_page(at, "runs")
    at.file_uploader(key=f"runs_upload_{at.session_state['runs_uploads']}").set_value(
        ("shared.safetensors", saved.read_bytes(), "application/octet-stream")
    ).run()
    no_errors(at)
    assert "Loaded" in at.success[0].value
    loaded = at.session_state["runs"][-1]
    assert loaded.config == in_app.config and loaded.metrics["test_accuracy"] == report["test_accuracy"]


def test_threads_beyond_the_cores_are_refused_before_training(capsys):
    code, out, err = run_cli(capsys, "train", "--task", "sentiment", "--threads", "0", "--quiet")
    assert code == 2 and out == ""
    assert "--threads must be from 1 to" in err and "not 0" in err


def test_the_query_string_alone_is_a_link_too(capsys):
    code, out, _ = run_cli(
        capsys,
        "train",
        "--link",
        urlencode(LINK | {"epochs": "1", "arch": "bow"}),
        "--epochs",
        "1",
        "--json",
        "--quiet",
    )
    config = json.loads(out)["config"]
    assert code == 0 and config["model"]["arch"] == "bow" and config["model"]["hidden_dim"] == 24


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """A sentiment and a next-word model trained through the library, and their model files."""
    folder = tmp_path_factory.mktemp("models")
    runs = {
        "sentiment": train_model(task="sentiment", arch="lstm", epochs=3, seed=1),
        "next-word": train_model(task="next-word", arch="transformer", num_sentences=800, epochs=1),
    }
    return {task: (run, save_model(run, folder / f"{task}.safetensors")) for task, run in runs.items()}


@pytest.mark.parametrize(
    "task,texts",
    [
        ("sentiment", ["the film was not good", "the food was bad but the service was great", "a zorblax"]),
        ("next-word", ["the dog runs to the", "", "the cats are"]),
    ],
)
def test_predict_on_a_saved_file_equals_the_librarys_prediction(saved_models, task, texts):
    run, path = saved_models[task]
    result = subprocess.run(
        [sys.executable, "-m", "playground", "predict", str(path), *texts, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    for text, answer in zip(texts, answers, strict=True):
        expected = predict(run, text)  # the model still in memory, never saved
        assert answer["text"] == text and answer["unknown"] == expected["unknown"]
        if task == "sentiment":
            assert answer["label"] == expected["label"]
            assert answer["probabilities"] == pytest.approx(expected["probabilities"], abs=1e-6)
        else:
            assert [p["token"] for p in answer["next"]] == [p["token"] for p in expected["next"]]
            assert [p["probability"] for p in answer["next"]] == pytest.approx(
                [p["probability"] for p in expected["next"]], abs=1e-6
            )
    assert answers[0]["label" if task == "sentiment" else "next"]
    if task == "sentiment":
        assert answers[0]["label"] == "negative" and answers[2]["unknown"] == ["zorblax"]


def test_predict_in_words_and_refusals(saved_models, capsys, tmp_path):
    _, path = saved_models["sentiment"]
    code, out, _ = run_cli(capsys, "predict", str(path), "the film was not good")
    assert code == 0 and "-> negative" in out and "%" in out
    code, _, err = run_cli(capsys, "predict", str(path), "   ")
    assert code == 2 and "at least one word" in err
    pickle = tmp_path / "evil.safetensors"
    pickle.write_bytes(b"\x80\x04junk")
    code, _, err = run_cli(capsys, "predict", str(pickle), "hello")
    assert code == 2 and "pickle" in err  # the Runs page's own refusal
    code, _, err = run_cli(capsys, "show", str(tmp_path / "missing.safetensors"))
    assert code == 2 and "no such file" in err
    long_review = "the film was good " * 60  # 240 words: the model reads the first 200
    code, out, _ = run_cli(capsys, "predict", str(path), long_review)
    assert code == 0 and "not read: the last 40 tokens" in out  # it echoed the text and said nothing
    code, out, _ = run_cli(capsys, "predict", str(path), long_review, "--json")
    assert json.loads(out)["unread"] == 40
    code, out, _ = run_cli(
        capsys, "predict", str(path), "the zorblax zorblax was good " + "qux " * 300, "--json"
    )
    assert json.loads(out)["unknown"] == ["zorblax", "qux"]  # each once, and only of the 200 read


def test_text_from_a_model_file_cannot_drive_the_terminal(saved_models, capsys, tmp_path):
    """Escape sequences and carriage returns in a file's class names, description and device are
    printed as escapes: "pos\rFAKE" showed as the label "FAKE", and "\x1b[2J" cleared the screen."""
    run, _ = saved_models["sentiment"]
    hostile = copy.copy(run)
    hostile.class_names = ["\x1b[31mneg\nOVERWRITE", "pos\rFAKE"]
    hostile.data_description, hostile.device = "\x1b[2Jdesc", "\u202eCPU"
    path = save_model(hostile, tmp_path / "hostile.safetensors")
    for argv in (("show", str(path)), ("predict", str(path), "the film was good")):
        code, out, err = run_cli(capsys, *argv)
        assert code == 0, err
        assert not any(c in out + err for c in "\x1b\r\u202e"), out
        assert not any(line.startswith("OVERWRITE") for line in out.splitlines()), out
    assert "\\x1b[2Jdesc" in run_cli(capsys, "show", str(path))[1]


def test_show_describes_the_file_and_its_retrain_command_rebuilds_the_config(saved_models, capsys):
    run, path = saved_models["sentiment"]
    code, out, _ = run_cli(capsys, "show", str(path), "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["vocabulary_size"] == len(run.vocab) and summary["parameters"] == run.num_parameters
    assert summary["config"] == run.config.to_dict() and summary["classes"] == ["negative", "positive"]
    assert summary["history"]["logged_points"] == len(run.history_rows)
    assert summary["metrics"]["test_accuracy"] == pytest.approx(run.metrics["test_accuracy"])
    assert summary["history"]["last_train_loss"] < summary["history"]["first_train_loss"]
    from playground.__main__ import build_parser
    from playground.cli.flags import config_from_flags

    flags = summary["retrain"].removeprefix("python -m playground ").split()
    assert config_from_flags(build_parser().parse_args(flags))[0] == run.config
    threads = run.device.split("(")[1].split()[0]  # "CPU (1 thread)": the seed's numbers need those threads
    assert summary["retrain"].endswith(f"--device cpu --threads {threads}")
    assert summary["status"] == "finished" and summary["total_steps"] == run.total_steps
    code, out, _ = run_cli(capsys, "show", str(path))
    assert "vocabulary_size" in out and "retrain" in out


def test_show_and_predict_say_when_a_models_training_did_not_finish(saved_models, capsys, tmp_path):
    """The file holds "diverged" or "stopped" and the app's message; `show` printed neither, and
    `predict` answered from a diverged model as from any other."""
    run, _ = saved_models["sentiment"]
    cases = {
        "stopped": ("Stopped at step 5 of 20; the model keeps what it learned until then.", "did not finish"),
        "diverged": ("The loss grew to 1.39e+07 by step 3.", "its answers mean little"),
    }
    for status, (message, note) in cases.items():
        ended = copy.copy(run)
        ended.status, ended.message, ended.steps, ended.total_steps = status, message, 5, 20
        path = save_model(ended, tmp_path / f"{status}.safetensors")
        code, out, _ = run_cli(capsys, "show", str(path), "--json")
        summary = json.loads(out)
        assert (summary["status"], summary["message"], summary["steps"], summary["total_steps"]) == (
            status,
            message,
            5,
            20,
        )
        assert summary["retrain_note"] == "trains to the end; this file's training ended at step 5 of 20"
        code, out, err = run_cli(capsys, "predict", str(path), "the film was good", "--json")
        assert code == 0 and json.loads(out)["label"]  # it still answers, on stdout
        assert err.startswith("note: ") and note in err
    code, _, err = run_cli(capsys, "predict", str(saved_models["sentiment"][1]), "the film was good")
    assert "note" not in err  # a finished model: nothing to add


def test_own_files_train_as_lines_as_a_stream_and_as_a_table(capsys, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("the cat sat on the mat\nthe dog ran to the park\n" * 40)
    code, out, err = run_cli(capsys, "train", "--data", str(story), "--epochs", "1", "--json")
    assert code == 0, err
    assert json.loads(out)["data"] == "file story.txt, 80 lines"
    code, out, err = run_cli(
        capsys,
        "train",
        "--data",
        str(story),
        "--stream",
        "--tokenizer",
        "char",
        "--arch",
        "rnn",
        "--max-length",
        "16",
        "--epochs",
        "1",
        "--json",
    )
    report = json.loads(out)
    assert code == 0 and report["data"].startswith("file story.txt as one stream")
    assert report["config"]["data"]["text_layout"] == "stream"
    assert report["config"]["data"]["source"] == "upload"
    table = tmp_path / "reviews.csv"
    rows = "".join(f"{i};loved it;good\n{i};hated it;bad\n" for i in range(20))
    table.write_text("id;review;label\n" + rows)
    code, out, err = run_cli(
        capsys,
        "train",
        "--task",
        "sentiment",
        "--data",
        str(table),
        "--epochs",
        "2",
        "--save",
        str(tmp_path / "r.safetensors"),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["data"] == "file reviews.csv, 40 rows"  # review and label guessed, as the app does
    assert load_model(tmp_path / "r.safetensors").class_names == ["bad", "good"]
    table.write_text("verdict,comment\n" + "good,loved it\nbad,hated it\n" * 20)
    code, out, err = run_cli(
        capsys,
        "train",
        "--task",
        "sentiment",
        "--data",
        str(table),
        "--epochs",
        "1",
        "--text-column",
        "comment",
        "--label-column",
        "verdict",
        "--json",
    )
    assert code == 0, err
    code, _, err = run_cli(
        capsys, "train", "--task", "sentiment", "--data", str(table), "--text-column", "review"
    )
    assert code == 2 and "no column 'review'" in err and "verdict, comment" in err


BAD_FILES = [
    ("sentiment", "reviews.csv", b"\x00\x01\x02binary"),
    ("sentiment", "reviews.csv", b"text,label\n"),
    ("sentiment", "reviews.csv", b"text,label\n" + b"same,x\n" * 20),
    ("sentiment", "reviews.csv", b"text,label\n" + b"a,b\n" * 3),
    ("sentiment", "reviews.csv", b"only\none\n"),
    ("next-word", "story.txt", b"   \n\n  \n"),
    ("next-word", "story.txt", b""),
    ("next-word", "story.txt", b"\xff\xfe\x00\xd8"),
]


@pytest.mark.parametrize("task,name,raw", BAD_FILES)
def test_bad_files_get_the_same_message_as_in_the_app(capsys, tmp_path, task, name, raw):
    path = tmp_path / name
    path.write_bytes(raw)
    code, _, err = run_cli(capsys, "train", "--task", task, "--data", str(path))
    assert code == 2
    at = open_page(app(), "train")
    at.segmented_control(key="train_task").set_value(task).run()
    at.selectbox(key=f"train_source_{task}").set_value("upload").run()
    at.file_uploader(key=f"train_upload_{task}").set_value((name, raw, "text/plain")).run()
    assert not at.exception
    shown = re.sub(r"\\(.)", r"\1", at.error[0].value)  # the page escapes Markdown; the terminal need not
    assert err.strip() == f"error: {shown}"


def test_a_file_the_app_would_not_take_for_the_task_is_refused(capsys, tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("text,label\nfine,good\n")
    code, _, err = run_cli(capsys, "train", "--data", str(path))
    assert code == 2 and "next-word trains on a .txt file" in err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_in_a_terminal_and_lines_in_a_log():
    events = [
        TrainingProgress(step, 40, step / 20, step * 0.1, 1.0 / step, 0.5, 0.9, 0.6)
        for step in (10, 20, 30, 40)
    ]
    terminal = Terminal()
    bar = ProgressBar(terminal, delay=0)
    for event in events:
        bar(None, event)
    bar.close()
    shown = terminal.getvalue()
    assert "100%" in shown and "40/40" in shown and "val acc=60.0%" in shown
    log = io.StringIO()
    lines = ProgressBar(log, delay=0, log_every=0)
    for event in events:
        lines(None, event)
    assert log.getvalue().count("\n") == 4 and "\r" not in log.getvalue()
    assert log.getvalue().splitlines()[-1].startswith("step 40/40")
    quiet = io.StringIO()
    short = ProgressBar(quiet)  # a run shorter than the delay prints nothing
    for event in events:
        short(None, event)
    assert quiet.getvalue() == ""


def test_ctrl_c_while_training_keeps_saves_and_reports_the_run(tmp_path):
    saved = tmp_path / "stopped.safetensors"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "playground",
            "train",
            "--task",
            "sentiment",
            "--arch",
            "bow",
            "--num-sentences",
            "2000",
            "--epochs",
            "50",
            "--batch-size",
            "8",
            "--save",
            str(saved),
            "--json",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A child inherits an ignored SIGINT (a library in this test process may have set it), and Python
        # then installs no KeyboardInterrupt handler: give the CLI the default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in process.stderr:  # "Data: ..." is printed just before training starts
        if line.startswith("Data:"):
            break
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    report = json.loads(out)
    assert report["status"] == "interrupted" and "Stopped at step" in report["message"]
    loaded = load_model(saved)
    assert 0 < loaded.steps == report["steps"] < 50 * 250


def test_train_and_predict_say_when_a_model_learned_nothing(capsys, tmp_path):
    """The app says "no better than that model"; the command line printed the numbers and nothing else."""
    saved = tmp_path / "nothing.safetensors"
    code, _, err = run_cli(
        capsys,
        "train",
        "--task",
        "sentiment",
        "--arch",
        "bow",
        "--num-sentences",
        "200",
        "--max-steps",
        "2",
        "--learning-rate",
        "0.000001",
        "--save",
        str(saved),
        "--quiet",
    )
    assert code == 0 and re.search(
        r"note: the model is (no|barely) better than one that ignores its input", err
    )
    code, _, err = run_cli(capsys, "predict", str(saved), "the film was good")
    assert code == 0 and re.search(r"scored (no|barely) better than one that ignores its input", err)
