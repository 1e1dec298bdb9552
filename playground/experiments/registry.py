"""Every experiment by name: how to run it, its small (CPU) and large (GPU) settings, what was published."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass

from playground.app_files import assets_folder
from playground.experiments.adding import adding_experiment
from playground.experiments.agreement import agreement_experiment
from playground.experiments.common import ExperimentResult
from playground.experiments.parallel import parallel_experiment
from playground.experiments.translation import bottleneck_experiment


@dataclass(frozen=True)
class Experiment:
    """One experiment: its function, which argument lists the models, and its two sizes."""

    title: str
    run: Callable
    models_argument: str
    small: dict
    large: dict
    published: str


REFERENCE_RESULTS = assets_folder() / "experiments"


@functools.cache
def reference_result(name: str) -> tuple[ExperimentResult, dict] | None:
    """The result measured with the CLI at the small settings and shipped with the app, and its report.

    Read once per process: the files ship with the app and never change while it runs.
    """
    path = REFERENCE_RESULTS / f"{name}.json"
    if not path.exists():
        return None
    report = json.loads(path.read_text())
    return ExperimentResult.from_dict(report), report


EXPERIMENTS = {
    "adding": Experiment(
        "Long memory: the adding problem", adding_experiment, "architectures",
        small={"lengths": [10, 25, 50, 100], "architectures": ["tanh", "irnn", "lstm", "transformer"],
               "steps": 3000, "hidden": 64},
        large={"lengths": [50, 100, 200, 400], "architectures": ["tanh", "irnn", "lstm", "transformer"],
               "steps": 10_000, "hidden": 128},
        published="Le, Jaitly & Hinton (2015), fig. 2: the tanh RNN stays at the baseline MSE (about "
                  "0.17) once sequences reach 150 steps; the IRNN and the LSTM drive it towards 0 up "
                  "to 300-400 steps (the LSTM more slowly at 400)."),
    "agreement": Experiment(
        "Long memory in language: subject-verb agreement", agreement_experiment, "architectures",
        small={"architectures": ["rnn", "lstm", "transformer"], "max_phrases": 6, "num_sentences": 20_000,
               "epochs": 3},
        large={"architectures": ["rnn", "lstm", "transformer"], "max_phrases": 10, "num_sentences": 50_000,
               "epochs": 6},
        published="Linzen, Dupoux & Goldberg (2016): an LSTM language model's agreement errors grow "
                  "with the number of attractors, from a few percent with none to worse than chance "
                  "with four; trained on the number task directly, errors stay small."),
    "bottleneck": Experiment(
        "The encoding bottleneck: translation with and without attention", bottleneck_experiment, "models",
        small={"models": ["plain", "attention"], "steps": 3000, "hidden": 128, "max_clauses": 4},
        large={"models": ["plain", "attention"], "steps": 12_000, "hidden": 256, "max_clauses": 6,
               "train_size": 60_000},
        published="Bahdanau, Cho & Bengio (2015), fig. 2: the plain encoder-decoder's BLEU falls "
                  "steadily once sentences pass about 20 words; with attention it holds to 50 and "
                  "beyond."),
    "parallel": Experiment(
        "No parallelism in time: RNN against Transformer", parallel_experiment, "models",
        small={"lengths": [16, 32, 64, 128, 256, 512], "models": ["rnn", "lstm", "transformer"]},
        large={"lengths": [16, 32, 64, 128, 256, 512, 1024, 2048], "models": ["rnn", "lstm", "transformer"],
               "hidden": 256, "batch": 32},
        published="Vaswani et al. (2017), table 1: a recurrent layer needs O(n) sequential "
                  "operations, self-attention O(1), at O(n² d) work against O(n d²)."),
}
