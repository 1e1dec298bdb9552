"""Inside the recurrence: a recurrent run's real per-step values on one sentence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from playground.data.tokenizer import BOS_ID, PAD_ID, UNK_ID, tokenize
from playground.models.common import Trace
from playground.run import Run
from playground.text import token_label

MAX_UNROLLED_STEPS = 60
NEGATIONS = {"not", "never", "no", "n't"}
CONNECTIVES = {"but", "although", "though", "however", "yet"}


@dataclass
class RecurrenceView:
    """One sentence through a recurrent run: step labels, ids, the trace and per-step outputs."""

    steps: list[str]  # what the model reads at each step ("<bos>" first for next-word models)
    ids: list[int]
    trace: Trace
    probabilities: np.ndarray  # (T, outputs): y_t = softmax(W_hy h_t + b) at each step
    truncated: bool

    @property
    def num_layers(self) -> int:
        return self.trace.hidden_states.shape[0]


def is_recurrent(run: Run) -> bool:
    return run.config.model.arch in ("rnn", "lstm")


def step_inputs(
    run: Run, text: str, max_words: int = MAX_UNROLLED_STEPS - 1
) -> tuple[list[str], list[int], bool]:
    """The tokens a run reads for `text`, at most `max_words` of them; after <bos> if it reads one."""
    tokens = tokenize(text, run.vocab.level)
    truncated = len(tokens) > max_words
    tokens = tokens[:max_words]
    ids = run.vocab.encode_tokens(tokens)
    tokens = [token_label(t) for t in tokens]
    if run.reads_bos:
        return ["<bos>"] + tokens, [BOS_ID] + ids, truncated
    return tokens, ids, truncated


@torch.no_grad()
def trace_sentence(run: Run, text: str) -> RecurrenceView:
    """Run `text` through the traced per-step path; y_t is the output if the input ended at t."""
    if not is_recurrent(run):
        raise ValueError("only RNN and LSTM runs have a recurrence to look inside")
    run.model.eval()
    steps, ids, truncated = step_inputs(run, text)
    if not ids:
        raise ValueError("type at least one word")
    trace = run.model(torch.tensor([ids]), trace=True).trace
    last = trace.hidden_states[-1, 0]  # (T, H) top layer
    probabilities = torch.softmax(run.model.head(last), dim=-1).numpy()  # (T, outputs)
    return RecurrenceView(steps, ids, trace, probabilities, truncated)


def step_table(view: RecurrenceView, run: Run, layer: int, step: int) -> pd.DataFrame:
    """The numbers of one step, one row per hidden unit, in the order the equations use them."""
    trace = view.trace
    h_prev = (
        trace.hidden_states[layer, 0, step - 1]
        if step > 0
        else torch.zeros_like(trace.hidden_states[layer, 0, 0])
    )
    columns: dict[str, torch.Tensor] = {"h_{t-1}": h_prev}
    if run.config.model.arch == "rnn":
        columns |= {
            "W_xh x_t + b": trace.input_contributions[layer, 0, step],
            "W_hh h_{t-1} + b": trace.recurrent_contributions[layer, 0, step],
            "pre-activation": trace.pre_activations[layer, 0, step],
            "h_t": trace.hidden_states[layer, 0, step],
        }
    else:
        c_prev = trace.cell_states[layer, 0, step - 1] if step > 0 else torch.zeros_like(h_prev)
        columns |= {
            "forget f_t": trace.forget_gates[layer, 0, step],
            "input i_t": trace.input_gates[layer, 0, step],
            "candidate g_t": trace.cell_candidates[layer, 0, step],
            "c_{t-1}": c_prev,
            "c_t": trace.cell_states[layer, 0, step],
            "output o_t": trace.output_gates[layer, 0, step],
            "h_t": trace.hidden_states[layer, 0, step],
        }
    frame = pd.DataFrame({name: values.numpy() for name, values in columns.items()})
    frame.index.name = "unit"
    return frame


def step_input_vector(view: RecurrenceView, layer: int, step: int) -> np.ndarray:
    """x_t as the layer reads it: the word's embedding for layer 0, the layer below's h_t above."""
    if layer == 0:
        return view.trace.embeddings[0, step].numpy()
    return view.trace.hidden_states[layer - 1, 0, step].numpy()


def top_outputs(view: RecurrenceView, run: Run, step: int, k: int = 5) -> pd.DataFrame:
    """The likeliest outputs y_t at one step: next words, or classes."""
    probabilities = view.probabilities[step].copy()
    names = run.vocab.tokens if run.task == "next-word" else run.class_names
    if run.task == "next-word":
        probabilities[PAD_ID] = 0.0
    order = np.argsort(-probabilities)[: min(k, len(names))]
    labels = [token_label(names[i]) for i in order]
    return pd.DataFrame({"output": labels, "probability": probabilities[order]})


def unit_order(states: np.ndarray) -> np.ndarray:
    """An order of the units (rows of `states`, (H, T)) that puts similar time courses together."""
    from scipy.cluster.hierarchy import leaves_list, linkage

    if states.shape[1] < 3 or states.shape[0] < 3:
        return np.argsort(-np.abs(states).mean(1))
    centred = states - states.mean(1, keepdims=True)
    flat = np.abs(centred).max(1) < 1e-9  # constant units have no correlation: put them last
    order = leaves_list(linkage(centred[~flat], method="average", metric="correlation"))
    return np.concatenate([np.flatnonzero(~flat)[order], np.flatnonzero(flat)])


# Features of the input a unit might track, per step: name -> function(tokens) -> values.
def position_feature(tokens: list[str]) -> list[float]:
    return [float(i) for i in range(len(tokens))]


def negation_feature(tokens: list[str]) -> list[float]:
    """1 from a negation word to the end of its clause, else 0."""
    values, inside = [], False
    for token in tokens:
        if token in NEGATIONS:
            inside = True
        elif token in CONNECTIVES:
            inside = False
        values.append(1.0 if inside else 0.0)
    return values


def after_connective_feature(tokens: list[str]) -> list[float]:
    """1 after 'but', 'although' and the like, else 0."""
    values, after = [], False
    for token in tokens:
        after = after or token in CONNECTIVES
        values.append(1.0 if after else 0.0)
    return values


def plural_subject_feature(tokens: list[str]) -> list[float]:
    """1 once the sentence's first noun is plural (a word ending in s after 'the'), else 0."""
    from playground.data.language import ANIMALS, PEOPLE

    plurals = {p for _, p in ANIMALS + PEOPLE}
    singulars = {s for s, _ in ANIMALS + PEOPLE}
    values, state = [], 0.0
    decided = False
    for token in tokens:
        if not decided and (token in plurals or token in singulars):
            state, decided = (1.0 if token in plurals else 0.0), True
        values.append(state)
    return values


FEATURES = {
    "position in the sentence": position_feature,
    "inside a negation (after 'not' or 'never')": negation_feature,
    "after a contrast word ('but', 'although')": after_connective_feature,
    "the subject is plural": plural_subject_feature,
}


@torch.no_grad()
def unit_feature_correlation(
    run: Run, texts: list[str], feature: str, layer: int = -1, state: str = "hidden"
) -> pd.DataFrame:
    """Pearson correlation of each unit with a feature of the input, over every step of `texts`."""
    values, activations = [], []
    for text in texts:
        steps, ids, _ = step_inputs(run, text)
        if not ids:
            continue
        trace = run.model(torch.tensor([ids]), trace=True).trace
        source = trace.cell_states if state == "cell" else trace.hidden_states
        activations.append(source[layer, 0].numpy())  # (T, H)
        values.extend(FEATURES[feature](steps))
    matrix = np.concatenate(activations)  # (N, H)
    target = np.asarray(values)
    matrix_c = matrix - matrix.mean(0)
    target_c = target - target.mean()
    denominator = np.sqrt((matrix_c**2).sum(0) * (target_c**2).sum()) + 1e-12
    correlation = (matrix_c * target_c[:, None]).sum(0) / denominator
    order = np.argsort(-np.abs(correlation))
    return pd.DataFrame({"unit": order, "correlation": correlation[order]})


@torch.no_grad()
def first_word_influence(run: Run, text: str) -> pd.DataFrame:
    """How much the first word still moves h_t at each later step: ||h_t - h_t(first word -> <unk>)||."""
    steps, ids, _ = step_inputs(run, text)
    first = 1 if run.reads_bos else 0  # the first real word
    if len(ids) <= first:
        return pd.DataFrame(columns=["step", "word", "change"])
    swapped = list(ids)
    swapped[first] = UNK_ID if ids[first] != UNK_ID else PAD_ID
    states = run.model(torch.tensor([ids, swapped]), trace=True).trace.hidden_states[-1]  # (2, T, H)
    change = (states[0] - states[1]).norm(dim=-1).numpy()
    return pd.DataFrame({"step": range(first, len(ids)), "word": steps[first:], "change": change[first:]})


def shared_parameter_counts(run: Run, steps: int) -> dict[str, int]:
    """Recurrent parameters as the model has them (shared) and as an unshared unrolling would need."""
    layer = run.model.layer
    recurrent = sum(p.numel() for p in layer.parameters())
    head = sum(p.numel() for p in run.model.head.parameters())
    return {
        "shared (what the model has)": recurrent + head,
        f"unshared over {steps} steps": (recurrent + head) * steps,
    }


def recurrence_equations(arch: str, activation: str, task: str) -> list[str]:
    """The LaTeX equations of one run's own cell and output (tanh or ReLU RNN, or LSTM), one per line.

    A next-word model reads y_t out at every step; a classifier reads y once, from the last h_T.
    """
    if arch == "lstm":
        gates = [
            (r"i_t", r"\sigma", "i"),
            (r"f_t", r"\sigma", "f"),
            (r"o_t", r"\sigma", "o"),
            (r"g_t", r"\tanh", "g"),
        ]
        cell = [
            f"{name} = {function}(W_{{i{g}}} x_t + W_{{h{g}}} h_{{t-1}} + b_{g})"
            for name, function, g in gates
        ]
        cell += [r"c_t = f_t \odot c_{t-1} + i_t \odot g_t", r"h_t = o_t \odot \tanh(c_t)"]
    elif arch == "rnn":
        function = r"\tanh" if activation == "tanh" else r"\operatorname{ReLU}"
        cell = [r"h_t = " + function + r"(W_{hh}\, h_{t-1} + W_{xh}\, x_t + b)"]
    else:
        raise ValueError(f"{arch!r} has no recurrence")
    if task == "next-word":
        output = r"y_t = \operatorname{softmax}(W_{hy}\, h_t + b_y)"
    else:
        output = r"y = \operatorname{softmax}(W_{hy}\, h_T + b_y)"
    return [*cell, output]


def reordered(text: str) -> str:
    """The clauses around 'but' swapped, or else the words in reverse order."""
    words = text.split()
    if "but" in words[1:-1]:
        i = words.index("but")
        return " ".join(words[i + 1 :] + ["but"] + words[:i])
    return " ".join(reversed(words))
