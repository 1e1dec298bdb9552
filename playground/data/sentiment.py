"""A seeded sentiment corpus in which word order matters (negation, contrast, intensifiers)."""

from __future__ import annotations

import random
from dataclasses import dataclass

ITEMS = [
    "film", "movie", "food", "service", "book", "song", "hotel", "room", "game", "show", "meal",
    "coffee", "music", "plot", "ending", "view", "pizza", "concert", "story", "bed", "trip",
    "lecture", "acting", "album", "restaurant", "staff", "soup", "museum", "play", "beach",
]
POSITIVE = [
    "good", "great", "excellent", "wonderful", "amazing", "lovely", "delightful", "superb",
    "fantastic", "pleasant", "brilliant", "enjoyable", "charming", "perfect", "fun", "nice",
]
NEGATIVE = [
    "bad", "terrible", "awful", "boring", "dull", "horrible", "poor", "disappointing", "bland",
    "weak", "mediocre", "annoying", "dreadful", "ugly", "lousy", "painful",
]
INTENSIFIERS = ["very", "really", "truly", "extremely", "so", "quite", "incredibly"]
LIKED = ["loved", "liked", "enjoyed", "adored"]
DISLIKED = ["hated", "disliked", "loathed", "despised"]
NEGATIONS = ["not", "never"]

LABELS = ("negative", "positive")

# Kinds of sentence; the last two are the order-sensitive ones a bag of words cannot solve.
KINDS = ("simple", "intensified", "negation", "contrast")
ORDER_SENSITIVE_KINDS = frozenset({"negation", "contrast"})


@dataclass(frozen=True)
class SentimentExample:
    """One review sentence, its label (1 = positive) and what kind of sentence it is."""

    text: str
    label: int
    kind: str

    @property
    def order_sensitive(self) -> bool:
        return self.kind in ORDER_SENSITIVE_KINDS


class _Reviews:
    """Draws review clauses whose polarity is known by construction."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def clause(self, positive: bool, negated: bool, intensified: bool) -> str:
        # A negated clause uses a word of the opposite polarity: "not good" is negative.
        word_positive = positive != negated
        intens = f"{self.pick(INTENSIFIERS)} " if intensified else ""
        neg = f"{self.pick(NEGATIONS)} " if negated else ""
        item = self.pick(ITEMS)
        if self.rng.random() < 0.25:
            verb = self.pick(LIKED if word_positive else DISLIKED)
            if negated:
                # "i did not like the film"; "never" reads better without "did".
                base = {"loved": "love", "liked": "like", "enjoyed": "enjoy", "adored": "adore",
                        "hated": "hate", "disliked": "dislike", "loathed": "loathe",
                        "despised": "despise"}[verb]
                return f"i did not {intens}{base} the {item}"
            return f"i {intens}{verb} the {item}"
        adjective = self.pick(POSITIVE if word_positive else NEGATIVE)
        tense = "was" if self.rng.random() < 0.7 else "is"
        return f"the {item} {tense} {neg}{intens}{adjective}"

    def example(self) -> SentimentExample:
        kind_draw = self.rng.random()
        positive = self.rng.random() < 0.5
        if kind_draw < 0.3:
            if self.rng.random() < 0.3:
                adjective = self.pick(POSITIVE if positive else NEGATIVE)
                article = "an" if adjective[0] in "aeiou" else "a"
                return SentimentExample(f"what {article} {adjective} {self.pick(ITEMS)}",
                                        int(positive), "simple")
            return SentimentExample(self.clause(positive, False, False), int(positive), "simple")
        if kind_draw < 0.5:
            return SentimentExample(self.clause(positive, False, True), int(positive), "intensified")
        if kind_draw < 0.7:
            intens = self.rng.random() < 0.3
            return SentimentExample(self.clause(positive, True, intens), int(positive), "negation")
        # Contrast: two clauses of opposite polarity; the connective decides which one counts.
        main = self.clause(positive, self.rng.random() < 0.25, self.rng.random() < 0.25)
        other = self.clause(not positive, self.rng.random() < 0.25, self.rng.random() < 0.25)
        form = self.rng.random()
        if form < 0.45:
            text = f"{other} but {main}"
        elif form < 0.7:
            text = f"although {other} {main}"
        else:
            text = f"{main} even though {other}"
        return SentimentExample(text, int(positive), "contrast")


@dataclass(frozen=True)
class SentimentCorpus:
    """Train, validation and test splits with no sentence shared between them."""

    train: list[SentimentExample]
    validation: list[SentimentExample]
    test: list[SentimentExample]

    @property
    def order_sensitive_test(self) -> list[SentimentExample]:
        """The tagged test sentences whose label depends on word order."""
        return [e for e in self.test if e.order_sensitive]


def generate_sentiment(num_sentences: int = 12_000, seed: int = 0,
                       validation_fraction: float = 0.1,
                       test_fraction: float = 0.1) -> SentimentCorpus:
    """Generate `num_sentences` distinct labelled sentences and split them, seeded."""
    rng = random.Random(seed)
    reviews = _Reviews(rng)
    seen: dict[str, SentimentExample] = {}
    attempts = 0
    while len(seen) < num_sentences and attempts < num_sentences * 20:
        example = reviews.example()
        seen.setdefault(example.text, example)
        attempts += 1
    examples = list(seen.values())
    rng.shuffle(examples)
    n_test = int(len(examples) * test_fraction)
    n_val = int(len(examples) * validation_fraction)
    return SentimentCorpus(
        train=examples[n_test + n_val:],
        validation=examples[n_test:n_test + n_val],
        test=examples[:n_test],
    )


SENTIMENT_WORD_CLASSES: dict[str, list[str]] = {
    "positive word": POSITIVE + LIKED + ["love", "like", "enjoy", "adore"],
    "negative word": NEGATIVE + DISLIKED + ["hate", "dislike", "loathe", "despise"],
    "intensifier": INTENSIFIERS,
    "negation": NEGATIONS,
    "connective": ["but", "although", "even", "though"],
    "thing reviewed": ITEMS,
}
_SENTIMENT_CLASS_OF = {w: cls for cls, words in SENTIMENT_WORD_CLASSES.items() for w in words}


def sentiment_word_class(word: str) -> str:
    """The role of a word in the built-in reviews ('other' for the rest)."""
    return _SENTIMENT_CLASS_OF.get(word, "other")
