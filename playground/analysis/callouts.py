"""Callouts: one to three sentences that point at what the learner's own model did, found by code.

Each callout is computed from the run at hand, never written in advance; when the model does not
show the pattern the lecture describes, the callout says so. The numbers behind each sentence are
kept in `evidence`, so the pages can show them and the tests can recompute them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import torch

from playground.analysis.attention import agreement_sentences, is_transformer, trace_attention
from playground.analysis.gradients import forget_path, gradient_through_time, slopes_and_weights
from playground.analysis.prediction import next_word_probabilities
from playground.analysis.recurrence import CONNECTIVES, NEGATIONS, is_recurrent, trace_sentence
from playground.data.language import ANIMALS, PEOPLE, _Grammar
from playground.experiments.agreement import VERB_PAIRS, agreement_prefix, prefers_plural
from playground.run import Run

SATURATION = 0.95  # |h| beyond this: tanh's slope 1 - h^2 is below 0.0975
AGREEMENT_PREFIX = "the dogs near the cat"
PLURAL_NOUNS = {p for _, p in ANIMALS + PEOPLE}
SINGULAR_NOUNS = {s for s, _ in ANIMALS + PEOPLE}
GATES = {"forget": "forget_gates", "input": "input_gates", "output": "output_gates"}
CLEAR_SHARE = 0.6  # a verb share from 40% to 60% is no clear preference for either number
CLEAR_MOVE = 1.5  # a move at the cue word counts as "the cue" when it beats the other words' by this


@dataclass
class Callout:
    """A short, computed remark about the model; `found` says whether it shows the lecture's pattern."""

    text: str
    found: bool
    evidence: dict = field(default_factory=dict)


def knows_words(run: Run, words: list[str]) -> bool:
    """Whether every word is in the run's vocabulary (a model of other text cannot be asked)."""
    return run.vocab.level == "word" and all(w in run.vocab.index for w in words)


def _verb_mass(run: Run, text: str) -> tuple[float, float, dict[str, str]]:
    """Probability of all singular and all plural verb forms after `text`, and the likeliest form of each
    number ({"singular": "carries", "plural": "carry"})."""
    probabilities = next_word_probabilities(run, text)
    index = run.vocab.index
    singular = sum(float(probabilities[index[s]]) for s, _ in VERB_PAIRS if s in index)
    plural = sum(float(probabilities[index[p]]) for _, p in VERB_PAIRS if p in index)
    best = {
        number: max(forms, key=lambda f: float(probabilities[index[f]]))
        for number, forms in (
            ("singular", [s for s, _ in VERB_PAIRS if s in index]),
            ("plural", [p for _, p in VERB_PAIRS if p in index]),
        )
    }
    return singular, plural, best


def agreement_share(run: Run, count: int = 100, seed: int = 11) -> float:
    """Share of `count` one-attractor prefixes ("the dog near the cats") whose verb number is right."""
    grammar = _Grammar(random.Random(seed))
    correct = 0
    for _ in range(count):
        text, plural, _ = agreement_prefix(grammar, 1, attractors=True)
        correct += prefers_plural(run, text) == plural
    return correct / count


def agreement_judgement(share: float) -> str:
    """How a share of right verb numbers reads against a coin flip's 50%."""
    if share == 1:
        return "right every time"
    if share >= 0.8:
        return "mostly right"
    if share >= CLEAR_SHARE:
        return "better than a coin flip, but often wrong"
    if share > 1 - CLEAR_SHARE:
        return "no better than a coin flip"
    return "mostly wrong: the verb follows the nearer noun"


def agreement_callout(run: Run, prefix: str = AGREEMENT_PREFIX, count: int = 100) -> Callout | None:
    """Predict: does the model agree the verb with the subject, not the nearer noun? None if not asked."""
    words = prefix.split()
    nouns = [w for w in words if w in PLURAL_NOUNS | SINGULAR_NOUNS]
    if run.task != "next-word" or not nouns or not knows_words(run, words + ["is", "are"]):
        return None
    subject, nearest = nouns[0], nouns[-1]
    singular, plural, best = _verb_mass(run, prefix)
    number, other = ("plural", "singular") if subject in PLURAL_NOUNS else ("singular", "plural")
    share_right = (plural if number == "plural" else singular) / max(plural + singular, 1e-12)
    batch = agreement_share(run, count)
    if share_right >= CLEAR_SHARE:
        first = (
            f"After “{prefix}” your model gives {share_right:.0%} of its verb probability to {number} "
            f"forms (“{best[number]}” first): it agrees with “{subject}”"
            + (f", not with the nearer “{nearest}”." if nearest != subject else ".")
        )
    elif share_right > 1 - CLEAR_SHARE:
        first = (
            f"After “{prefix}” your model splits its verb probability almost evenly, {share_right:.0%} "
            f"to {number} forms and {1 - share_right:.0%} to {other} ones: it shows no clear agreement "
            f"with “{subject}”."
        )
    else:
        first = (
            f"After “{prefix}” your model gives only {share_right:.0%} of its verb probability to "
            f"{number} forms and the rest to {other} ones (“{best[other]}” first): it gets the agreement "
            f"with “{subject}” wrong"
            + (f", pulled by the nearer “{nearest}”." if nearest != subject else ".")
        )
    judged = agreement_judgement(batch)
    second = (
        f" Over {count} prefixes like “the dog near the cats” it picks the right number in "
        f"{batch:.0%}: {judged}" + ("." if "coin flip" in judged else " (a coin flip would get 50%).")
    )
    evidence = {"subject": subject, "singular": singular, "plural": plural, "best": best, "batch": batch}
    return Callout(first + second, share_right >= CLEAR_SHARE and batch >= 0.8, evidence)


def cue_steps(steps: list[str]) -> list[int]:
    """Positions of negations and contrast words ("not", "but") in a sentence's steps."""
    return [t for t, w in enumerate(steps) if w in NEGATIONS | CONNECTIVES]


@torch.no_grad()
def gate_callout(run: Run, text: str, layer: int = 0) -> Callout | None:
    """Inside the recurrence: the gate (LSTM) or unit (RNN) that moved most at "not" or "but"."""
    if not is_recurrent(run):
        return None
    view = trace_sentence(run, text)
    cues = [t for t in cue_steps(view.steps) if t > 0]
    if not cues:
        if not any(word in run.vocab for word in NEGATIONS | CONNECTIVES):  # the next-word language
            return Callout(
                "This model's language has no “not”, “never” or “but”, so nothing here can show which "
                "part of a recurrence reacts to one: train a sentiment model (Home or Train) and type, for "
                "example, “the film was not good”.",
                False,
            )
        return Callout(
            "Your sentence has no “not”, “never” or “but” after its first word: type one (for example "
            "“the film was not good”) to see which part of the model reacts to it.",
            False,
        )
    trace = view.trace
    if run.config.model.arch == "lstm":
        sources = {name: getattr(trace, attr)[layer, 0].numpy() for name, attr in GATES.items()}
    else:
        sources = {"hidden": trace.hidden_states[layer, 0].numpy()}
    moves = {name: np.abs(np.diff(values, axis=0)) for name, values in sources.items()}  # (T-1, H)
    cue = max(cues, key=lambda t: max(m[t - 1].max() for m in moves.values()))
    name, unit = max(
        ((n, int(m[cue - 1].argmax())) for n, m in moves.items()), key=lambda p: moves[p[0]][cue - 1, p[1]]
    )
    before, after = float(sources[name][cue - 1, unit]), float(sources[name][cue, unit])
    move = abs(after - before)
    # the same unit at the other words, leaving out the word right after a cue (where it may swing back)
    others = [t for t in range(1, len(view.steps)) if t not in cues and t - 1 not in cues]
    typical = max((float(moves[name][t - 1, unit]) for t in others), default=0.0)
    word = view.steps[cue]
    what = f"{name} gate, unit {unit}" if name != "hidden" else f"hidden unit {unit}"
    direction = ""
    if name != "hidden":
        direction = " (it closes)" if after < before else " (it opens)"
    text_out = (
        f"At “{word}” the part of your model that moves most is the {what}: from {before:.2f} to "
        f"{after:.2f}{direction}."
    )
    clear = bool(move >= CLEAR_MOVE * typical) if others else True
    if not others:
        text_out += " The sentence has no other word to compare with."
    elif clear:
        # left out only where a word follows a cue ("the film was good but": none does)
        followed = [t for t in cues if t + 1 < len(view.steps)]
        apart = ""
        if followed:
            named = " and ".join(dict.fromkeys(f"“{view.steps[t]}”" for t in followed))
            apart = f" (leaving out the word{'s' if len(followed) > 1 else ''} right after {named})"
        text_out += f" At the other words{apart} it moves at most {typical:.2f}: it reacts to “{word}”."
    else:
        text_out += (
            f" But it moves nearly as much at other words (up to {typical:.2f}): this model does not "
            f"single out "
            f"“{word}”."
        )
    evidence = {"step": cue, "word": word, "source": name, "unit": unit, "before": before, "after": after}
    evidence |= {"move": move, "largest_other_move": typical}
    return Callout(text_out, clear, evidence)


def saturation_share(run: Run, text: str, threshold: float = SATURATION) -> tuple[float, float]:
    """Share of tanh values beyond ±threshold over the sentence, and the mean slope 1 − value².

    The values are h_t for a tanh RNN and tanh(c_t) for an LSTM (both layers' every step and unit).
    """
    trace = trace_sentence(run, text).trace
    values = torch.tanh(trace.cell_states) if run.config.model.arch == "lstm" else trace.hidden_states
    values = values.numpy()
    return float((np.abs(values) > threshold).mean()), float((1 - values**2).mean())


SATURATED_SHARE = 0.2  # this share of tanh values beyond ±SATURATION: the callout calls the model saturated


def why_it_falls(run: Run, text: str, share: float, evidence: dict) -> str:
    """Backprop's sentence on what shrinks the gradient: the slopes 1 − h_t² or W_hh, from the two
    products `slopes_and_weights` computes (adds both to `evidence`)."""
    ratio = evidence.get("first_to_last")
    factors = slopes_and_weights(run, text) if ratio is not None else None
    if factors is None:
        return ""
    _, weights_alone = factors
    evidence["weights_alone"] = weights_alone
    if ratio >= 1:
        return " On this sentence the line does not fall towards the first word."
    alone = f"Through W_hh alone (every slope set to 1) it would be {weights_alone:.2g}×"
    if weights_alone >= 1:
        return f" {alone}: here the slopes 1 − h_t², not W_hh, make it fall."
    if ratio < weights_alone / 2:
        return f" {alone}: W_hh shrinks it, and the slopes 1 − h_t² shrink it further."
    return f" {alone}: the fall comes mostly from W_hh."


def cell_path_reach(run: Run, text: str, evidence: dict) -> str:
    """An LSTM's forget gates on the sentence, and what their product leaves of the cell path's gradient."""
    try:
        path = forget_path(run, text)
    except ValueError:  # no loss to take, so no chart to speak of
        return ""
    if path is None:
        return ""
    mean, product, best = path
    evidence.update(forget_mean=mean, cell_path=product, cell_path_best=best)
    return (
        f" On this sentence its forget gates average {mean:.2f}, so the cell path alone carries "
        f"∏ fₜ = {product:.2g}× of the gradient from the last step back to the first, on average over "
        f"units ({best:.2g}× in the unit that forgets least)."
    )


def saturation_callout(run: Run, text: str, page: str = "recurrence") -> Callout | None:
    """Inside the recurrence / Backprop: the saturation share, and what it does to the gradient."""
    if not is_recurrent(run) or (run.config.model.arch == "rnn" and run.config.model.activation != "tanh"):
        return None
    lstm = run.config.model.arch == "lstm"
    share, slope = saturation_share(run, text)
    quantity = "tanh(c_t)" if lstm else "h_t"
    first = (
        f"{share:.0%} of the values of {quantity} on this sentence are beyond ±{SATURATION}, where tanh is "
        f"flat; the mean slope 1 − {quantity}² is {slope:.2f}."
    )
    evidence = {"share": share, "slope": slope}
    try:
        gradient = gradient_through_time(run, text)
    except ValueError:  # no loss to take: "<bos>" alone predicts no word of the sentence
        gradient = {}
    if "hidden" in gradient and len(gradient) > 1 and gradient["hidden"].iloc[-1] > 0:
        ratio = float(gradient["hidden"].iloc[0] / gradient["hidden"].iloc[-1])
        evidence["first_to_last"] = ratio
        if ratio > 0:
            reach = (
                f" The loss's gradient ‖∂L/∂h_t‖ reaching the first word is {ratio:.2g}× the one at the last."
            )
        else:
            reach = (
                " The loss's gradient ‖∂L/∂h_t‖ does not reach the first word at all: it is 0 in float32 "
                "there."
            )
    else:
        reach = ""
    if lstm:
        second = (
            " An LSTM's gradient has a second road, the cell path cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ, whose "
            "factor per step is the forget gate fₜ, not 1 − h²."
        )
        second += cell_path_reach(run, text, evidence)
    elif page == "recurrence":
        second = (
            " Each step back multiplies the gradient by diag(1 − h_t²) W_hh, so saturated units pass "
            "almost nothing back: see the gradient chart on Backprop through time."
        )
    else:
        second = (
            " Each step back multiplies the gradient by diag(1 − h_t²) W_hh: a unit at ±1 contributes a "
            "factor near 0."
        )
        reach += why_it_falls(run, text, share, evidence)
    return Callout(first + second + reach, bool(share >= SATURATED_SHARE), evidence)


@torch.no_grad()
def subject_head_callout(run: Run, count: int = 100) -> Callout | None:
    """Self-attention: the layer and head whose weight on the subject is highest from the word before the
    verb, with its share over a batch of agreement prefixes."""
    if not is_transformer(run) or run.task != "next-word":
        return None
    sentences = agreement_sentences(count)
    if not knows_words(run, sorted({w for text, _ in sentences for w in text.split()})):
        return None
    weight_sum, peaks = None, None
    shift = 0 if run.reads_bos else 1  # the sentences count <bos> as position 0
    for text, subject in sentences:
        subject -= shift
        last = trace_attention(run, text).trace.attention_weights[:, 0, :, -1, :]  # (L, N, T)
        weight = last[..., subject].numpy()
        peak = (last.argmax(-1) == subject).numpy().astype(int)
        weight_sum = weight if weight_sum is None else weight_sum + weight
        peaks = peak if peaks is None else peaks + peak
    mean_weight, share = weight_sum / count, peaks / count
    layer, head = np.unravel_index(int(mean_weight.argmax()), mean_weight.shape)
    best_share, best_weight = float(share[layer, head]), float(mean_weight[layer, head])
    example, subject = sentences[0]
    words = ["<bos>", *example.split()]
    evidence = {"layer": int(layer) + 1, "head": int(head) + 1, "mean_weight": best_weight}
    evidence |= {"share": best_share, "count": count}
    where = f"layer {layer + 1}, head {head + 1}"
    if best_share >= 0.5:
        text = (
            f"From the word before the verb, {where} puts the most weight on the subject: {best_weight:.0%} "
            f"on average, and the subject is its top word in {best_share:.0%} of {count} prefixes like "
            f"“{example}” (subject “{words[subject]}”). Weights show where a head looks, not that the "
            "model uses what it finds there."
        )
        return Callout(text, True, evidence)
    text = (
        f"No head of your model singles out the subject yet: the closest, {where}, gives it "
        f"{best_weight:.0%} of its weight on average and makes it its top word in only {best_share:.0%} of "
        f"{count} prefixes "
        f"like “{example}”. Train longer (or with more sentences) and look again."
    )
    return Callout(text, False, evidence)
