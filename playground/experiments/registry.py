"""Every experiment by name: how to run it, its small (CPU) and large (GPU) settings, what was published."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from playground.app_files import assets_folder
from playground.experiments.adding import adding_experiment
from playground.experiments.agreement import agreement_experiment
from playground.experiments.common import ExperimentResult
from playground.experiments.parallel import parallel_experiment
from playground.experiments.tables import reference_reports, with_seeds
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
def reference_result(name: str) -> tuple[ExperimentResult, list[dict]] | None:
    """The result measured with the CLI at the small settings and shipped with the app, and its reports.

    Several files (one command each) make one result; read once per process: the files ship with
    the app and never change while it runs.
    """
    reports = reference_reports(name)
    if reports is None:
        return None
    rows = [
        row
        for report in reports
        for row in with_seeds(pd.DataFrame(report["rows"]), report["settings"].get("seed", 0)).to_dict(
            "records"
        )
    ]
    result = ExperimentResult(
        name,
        reports[0]["settings"],
        rows,
        sum(float(r["seconds"]) for r in reports),
        all(r["complete"] for r in reports),
    )
    return result, reports


HOCHREITER_1997 = (
    "Hochreiter & Schmidhuber (1997), section 5.4 and table 7, on their own version of the task "
    "(values in [-1, 1], the first marked pair among the first ten, a minimal lag of T/2, an answer "
    "counted wrong when off by more than 0.04 on the target 0.5 + (X1 + X2)/4): an LSTM with 93 "
    "weights got 1 of 2,560 test sequences wrong at T = 100 after 74,000 training sequences, 0 at "
    "T = 500 after 209,000 and 1 at T = 1,000 after 853,000 (means of 10 trials)."
)
LE_2015 = (
    "Le, Jaitly & Hinton (2015), abstract: ReLU RNNs with identity-initialised recurrent weights "
    '(IRNN) are "comparable to a standard implementation of LSTMs" on their four benchmarks, two '
    'of them "toy problems involving long-range temporal structures" (the adding problem is one). '
    "Their figures' numbers are not quoted here: we could not check them against the paper's text."
)
LINZEN_2016 = (
    "Linzen, Dupoux & Goldberg (2016), abstract: trained on the number task directly, the LSTM "
    'made "less than 1% errors" overall, "but errors increased when sequential and structural '
    'information conflicted" (attractors); "the frequency of such errors rose sharply in the '
    "language-modeling setting\", the setting measured here. The paper's error rates per number "
    "of attractors are in its figures, whose text we could not retrieve, so none is quoted here."
)
EXPERIMENTS = {
    "adding": Experiment(
        "Long memory: the adding problem",
        adding_experiment,
        "architectures",
        small={
            "lengths": [25, 100],
            "architectures": ["tanh", "irnn", "lstm", "transformer", "transformer-no-attention"],
            "steps": 3000,
            "hidden": 64,
        },
        large={
            "lengths": [50, 100, 200, 400],
            "architectures": ["tanh", "irnn", "lstm", "transformer", "transformer-no-attention"],
            "steps": 10_000,
            "hidden": 128,
        },
        published=f"{HOCHREITER_1997} {LE_2015}",
    ),
    "agreement": Experiment(
        "Long memory in language: subject-verb agreement",
        agreement_experiment,
        "architectures",
        small={
            "architectures": ["rnn", "lstm", "transformer"],
            "max_phrases": 6,
            "num_sentences": 20_000,
            "epochs": 3,
        },
        large={
            "architectures": ["rnn", "lstm", "transformer"],
            "max_phrases": 10,
            "num_sentences": 50_000,
            "epochs": 6,
        },
        published=LINZEN_2016,
    ),
    "bottleneck": Experiment(
        "The encoding bottleneck: translation with and without attention",
        bottleneck_experiment,
        "models",
        small={"models": ["plain", "attention"], "steps": 3000, "hidden": 128, "max_clauses": 4},
        large={
            "models": ["plain", "attention"],
            "steps": 12_000,
            "hidden": 256,
            "max_clauses": 6,
            "train_size": 60_000,
        },
        published="Bahdanau, Cho & Bengio (2015), section 5.1 on their figure 2 (BLEU against "
        'sentence length, English to French): "the performance of RNNencdec dramatically drops as the '
        'length of the sentences increases"; "RNNsearch-50, especially, shows no performance '
        'deterioration even with sentences of length 50 or more."',
    ),
    "parallel": Experiment(
        "No parallelism in time: RNN against Transformer",
        parallel_experiment,
        "models",
        small={"lengths": [16, 32, 64, 128, 256, 512], "models": ["rnn", "lstm", "transformer"]},
        large={
            "lengths": [16, 32, 64, 128, 256, 512, 1024, 2048],
            "models": ["rnn", "lstm", "transformer"],
            "hidden": 256,
            "batch": 32,
        },
        published="Vaswani et al. (2017), table 1: a recurrent layer needs O(n) sequential "
        "operations and a maximum path length of O(n), self-attention O(1) and O(1), at O(n² d) "
        "work per layer against O(n d²).",
    ),
}
