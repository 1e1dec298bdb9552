"""Sentences the pages start from and offer as examples, chosen for the built-in corpora."""

from __future__ import annotations

from playground.data.language import language_texts
from playground.data.sentiment import generate_sentiment
from playground.run import Run

# One sentence for every "look inside" page: an agreement across an attractor, a negation and a contrast.
LOOK_INSIDE = {
    "next-word": "the dogs near the cat are happy today",
    "sentiment": "the film was not good but the music was great",
}
# Words to vectors: words of the same class side by side ("happy"/"glad", "great"/"wonderful").
ENCODING = {
    "next-word": "the happy girl is glad in the park",
    "sentiment": "the film was great and wonderful but the plot was dull",
}
# Self-attention: a sentence that fits the default Transformer's positions.
ATTENTION = {
    "next-word": "the dogs near the cat are happy",
    "sentiment": LOOK_INSIDE["sentiment"],
}
PREDICT = {
    "next-word": [
        "the dog runs to the",
        "the cats are",
        "the farmer eats",
        "the fox near the dogs",
        "the children walk to the park in the",
    ],
    "sentiment": [
        "the food was bad but the service was great",
        "the film was good",
        "the film was not good",
        "the service was great but the food was bad",
        "the hotel was lovely even though the room was small",
        "i did not enjoy the concert",
    ],
}


def has_chosen_examples(run: Run) -> bool:
    """Runs on the built-in corpora, read as words, can use sentences chosen for them."""
    return run.config.data.source == "built-in" and run.vocab.level == "word"


def first_sentence(run: Run, chosen: dict[str, str]) -> str:
    """A chosen sentence for the built-in corpora, else one the model held out of the learner's data."""
    if has_chosen_examples(run):
        return chosen[run.task]
    return run.examples[0] if run.examples else ""


def example_inputs(run: Run) -> list[str]:
    """Inputs to try on Predict: the chosen ones for built-in corpora, else held-out inputs of the upload."""
    return PREDICT[run.task] if has_chosen_examples(run) and run.task in PREDICT else run.examples


def fresh_sentences(task: str, seed: int, count: int = 300) -> list[str]:
    """Sentences drawn afresh from the built-in generator with another seed than training's."""
    if task == "next-word":
        return language_texts(count, seed + 1)
    return [e.text for e in generate_sentiment(10 * count, seed + 1).test[:count]]
