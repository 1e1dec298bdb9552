"""Every page's view options in one table: what a share link may carry and how each widget is drawn.

Each option names its URL parameter, widget key, label, bounds or choices, default and help once; the
pages draw their widgets from it (`ui/view.py`) and share links read and write it (`share_links.py`).
Bounds that depend on the run are functions of it; a page may narrow them further to its sentence.
"""

from __future__ import annotations

from playground.analysis.embeddings import vocabulary_words
from playground.analysis.gradients import LOSSES
from playground.analysis.recurrence import FEATURES
from playground.data import examples
from playground.run import Run
from playground.share_links import (
    ViewOption,
    choice_option,
    real_option,
    switch_option,
    text_option,
    whole_list_option,
    whole_option,
)

MAX_PREDICT_CHARS = 500
MAX_SENTENCE_CHARS = 400
MAX_PROJECTED_WORDS = {"pca": 3000, "tsne": 1500}
MEASURES = ["spectral radius", "largest singular value"]
ACTIVATIONS = ["tanh", "relu", "linear"]
INITS = ["random", "orthogonal", "identity"]


def unit(run: Run) -> str:
    """What one token of this run is called on screen."""
    return "character" if run.vocab.level == "char" else "word"


def max_generated(run: Run) -> int:
    """How many tokens one continuation may have: a sentence of words, or a few lines of characters."""
    return 400 if run.vocab.level == "char" else 40


def last_layer(run: Run) -> int:
    return run.config.model.num_layers - 1


def layer_name(index: int) -> str:
    return f"layer {index + 1}"


def sentence(name: str, key: str, chosen: dict[str, str], max_chars: int = MAX_SENTENCE_CHARS) -> ViewOption:
    """The sentence a page looks inside, starting from one chosen for the run's task."""
    return text_option(name, key, "Sentence", max_chars, lambda run: examples.first_sentence(run, chosen))


def projected_words(method: str, most: int) -> ViewOption:
    """How many words Embedding space projects with `method` (t-SNE is slower, so it has a lower cap)."""
    return whole_option(
        f"{method}_words",
        f"embeddings_count_{method}",
        f"Words for {'PCA' if method == 'pca' else 't-SNE'} (most frequent first)",  # names it in warnings
        10,
        lambda run: max(10, min(len(vocabulary_words(run)), most)),
        500,
        help="t-SNE takes a few seconds for a thousand words.",
    )


VIEW_OPTIONS: dict[str, list[ViewOption]] = {
    "encoding": [sentence("sentence", "encoding_text", examples.ENCODING, max_chars=300)],
    "predict": [
        text_option(
            "prefix",
            "predict_prefix",
            lambda run: "Start of a text" if unit(run) == "character" else "Start of a sentence",
            MAX_PREDICT_CHARS,
            lambda run: (examples.example_inputs(run) or [""])[0],
        ),
        text_option(
            "sentence",
            "predict_sentence",
            "Sentence",
            MAX_PREDICT_CHARS,
            lambda run: (examples.example_inputs(run) or [""])[0],
        ),
        whole_option("shown", "predict_k", lambda run: f"How many {unit(run)}s to show", 3, 25, 10),
        real_option("temperature", "predict_temperature", "Temperature", 0.1, 2.0, 0.8, 0.1),
        whole_option("top_k", "predict_top_k", "Top-k", 1, 50, 10),
        whole_option(
            "words",
            "predict_length",
            lambda run: f"{unit(run).capitalize()}s",
            1,
            max_generated,
            lambda run: 200 if unit(run) == "character" else 12,
        ),
        whole_option("sample_seed", "predict_seed", "Seed", 0, 2**31 - 1, 0),
    ],
    "embeddings": [
        choice_option(
            "projection",
            "embeddings_method",
            "Projection",
            ["pca", "tsne"],
            "pca",
            format={"pca": "PCA", "tsne": "t-SNE"}.get,
            help="PCA keeps the directions of largest spread (fast, exact, linear). t-SNE keeps "
            "neighbours together (slower, distances between clusters mean little).",
        ),
        choice_option("dims", "embeddings_dims", "Dimensions", [2, 3], 2, format=lambda d: f"{d}D"),
        *(projected_words(method, most) for method, most in MAX_PROJECTED_WORDS.items()),
        text_option("find", "embeddings_search", "Find a word", 60),
        whole_option("neighbours", "embeddings_k", "Neighbours", 1, 50, 8),
    ],
    "recurrence": [
        sentence("sentence", "recurrence_text", examples.LOOK_INSIDE),
        choice_option(
            "layer", "recurrence_layer", "Layer", lambda run: range(last_layer(run) + 1), 0, format=layer_name
        ),
        whole_option("step", "recurrence_step", "Step", 1, 400, 1),
        whole_list_option(
            "units", "recurrence_units", "Units to plot", 0, lambda run: run.config.model.hidden_dim - 1, 8
        ),
        choice_option("feature", "recurrence_feature", "A feature of the input", list(FEATURES)),
        switch_option("cell", "recurrence_cell", "Use the cell state c_t"),
    ],
    "gradients": [
        sentence("sentence", "gradients_text", examples.LOOK_INSIDE),
        choice_option("loss", "gradients_loss", "Loss", list(LOSSES), "last", format=LOSSES.get),
        choice_option(
            "label",
            "gradients_target",
            "Loss against the label",
            # -1, not None, for "the class it predicts": a select box shows None as "Choose an option"
            lambda run: [-1, *range(len(run.class_names))],
            -1,
            help="A classifier has one loss, at the end of the sentence. Against the class it already "
            "predicts the loss is small, and so are the gradients; against the other class they are "
            "larger. The shape over the steps is what to look at.",
        ),
        choice_option(
            "wrt",
            "gradients_quantity",
            "Gradient with respect to",
            ["hidden", "input"],
            "hidden",
            format={"hidden": "the hidden state h_t", "input": "the word's vector x_t"}.get,
            help="Transformers and bags of words have no h_t; x_t works for every model.",
        ),
        real_option("rho", "gradients_rho", "ρ (size of W_hh)", 0.1, 10.0, 0.9, 0.05),
        choice_option("measure", "gradients_measure", "ρ is its", MEASURES),
        choice_option("sandbox_activation", "gradients_activation", "Activation", ACTIVATIONS),
        choice_option("sandbox_init", "gradients_init", "W_hh initialisation", INITS),
        whole_option("sandbox_length", "gradients_length", "Sequence length T", 5, 200, 50),
    ],
    "attention": [
        sentence("sentence", "attention_text", examples.ATTENTION),
        choice_option(
            "layer", "attention_layer", "Layer", lambda run: range(last_layer(run) + 1), 0, format=layer_name
        ),
        choice_option(
            "head",
            "attention_head",
            "Head",
            lambda run: range(run.config.model.num_heads),
            0,
            format=lambda i: f"head {i + 1}",
        ),
        switch_option("unscaled", "attention_unscaled", "Compare without the scaling by √d_k"),
        whole_option(
            "word", "attention_word", "Show the mix for", 0, lambda run: run.config.data.max_length - 1, 0
        ),
        real_option(
            "threshold", "attention_threshold", "Draw lines for weights of at least", 0.05, 0.9, 0.15, 0.05
        ),
        choice_option(
            "head_view",
            "attention_view_layer",
            "Head view of",
            lambda run: range(last_layer(run) + 1),
            0,
            format=layer_name,
        ),
    ],
}


def view_options(page: str) -> dict[str, ViewOption]:
    """The options of one page, by their name in links."""
    return {option.name: option for option in VIEW_OPTIONS[page]}
