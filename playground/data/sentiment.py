"""A seeded reviews corpus in which word order matters, written the way people type reviews.

Every sentence is built from clauses whose meaning is known by construction, in one of many
*structures* (negation with not, never, no one, "not ... at all" and double negation; contrast with
but, yet, however, although, though and even though at the start or the end; short phrases; lists;
questions), then styled with capitals and punctuation. A few structures are held out: no training
or validation sentence uses them, and the test split tags the sentences that do, so accuracy on
unseen structures is measured apart from accuracy on new sentences of familiar structures.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from playground.data.tokenizer import tokenize

ITEMS = [
    "film",
    "movie",
    "food",
    "service",
    "book",
    "song",
    "hotel",
    "room",
    "game",
    "show",
    "meal",
    "coffee",
    "music",
    "plot",
    "ending",
    "view",
    "pizza",
    "concert",
    "story",
    "bed",
    "trip",
    "lecture",
    "acting",
    "album",
    "restaurant",
    "soup",
    "museum",
    "play",
    "beach",
    "place",
]
PLURAL_ITEMS = ["staff", "rooms", "songs", "actors", "drinks", "desserts", "waiters", "views"]
POSITIVE = [
    "good",
    "great",
    "excellent",
    "wonderful",
    "amazing",
    "lovely",
    "delightful",
    "superb",
    "fantastic",
    "pleasant",
    "brilliant",
    "enjoyable",
    "charming",
    "perfect",
    "fun",
    "nice",
    "friendly",
    "beautiful",
]
NEGATIVE = [
    "bad",
    "terrible",
    "awful",
    "boring",
    "dull",
    "horrible",
    "poor",
    "disappointing",
    "bland",
    "weak",
    "mediocre",
    "annoying",
    "dreadful",
    "ugly",
    "lousy",
    "painful",
    "rude",
    "cold",
]
INTENSIFIERS = ["very", "really", "truly", "extremely", "so", "quite", "incredibly", "absolutely"]
VERB_INTENSIFIERS = ["really", "truly", "absolutely"]
# (past, base) forms of verbs of liking and disliking.
LIKE_VERBS = [("loved", "love"), ("liked", "like"), ("enjoyed", "enjoy"), ("adored", "adore")]
DISLIKE_VERBS = [("hated", "hate"), ("disliked", "dislike"), ("loathed", "loathe"), ("despised", "despise")]
LIKED = [past for past, _ in LIKE_VERBS]
DISLIKED = [past for past, _ in DISLIKE_VERBS]
NEGATIONS = ["not", "never", "n't", "nobody", "nothing", "no"]
CONNECTIVES = ["but", "yet", "however", "although", "though", "even"]

LABELS = ("negative", "positive")

KINDS = (
    "simple",
    "intensified",
    "short phrase",
    "question",
    "list",
    "negation",
    "double negation",
    "contrast",
)

# Structures no training or validation sentence uses; the test split tags the sentences that do.
HELD_OUT_STRUCTURES = {
    "though A, B": "'though' opening the sentence (seen: 'although A, B', 'B though A')",
    "list. however, B": "a list that ends in 'however' (seen: lists ending in 'but')",
    "i never liked": "'never' before a verb (seen: 'never' before an adjective, 'did not like')",
    "did not like ... at all": "'not ... at all' around a verb (seen: around an adjective)",
    "never not ADJ": "double negation with 'never' (seen: 'not not', 'wasn't not')",
    "not very ADJ (phrase)": "a negated, intensified short phrase (seen: 'not good', 'very good')",
    "why was X not ADJ?": "a negated question with 'not' (seen: 'why wasn't X ADJ?', 'why was X so ADJ?')",
}


@dataclass(frozen=True)
class SentimentExample:
    """One review, its label (1 = positive), its kind, its structure and whether that is held out.

    `order_sensitive`: the label depends on a negation or a contrast, so a bag of words cannot
    read it off the sentiment words.
    """

    text: str
    label: int
    kind: str
    structure: str = ""
    order_sensitive: bool = False
    unseen: bool = False


@dataclass
class _Clause:
    text: str
    kind: str  # simple, intensified, negation, double negation
    structure: str


class _Reviews:
    """Draws review clauses and sentences whose meaning is known by construction."""

    def __init__(self, rng: random.Random, held_out: bool):
        self.rng = rng
        self.held_out = held_out  # draw only held-out structures (else never)

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def adjective(self, positive: bool) -> str:
        return self.pick(POSITIVE if positive else NEGATIVE)

    def subject(self, allow_it: bool = True) -> tuple[str, bool]:
        """A noun phrase and whether it is plural."""
        if allow_it and self.chance(0.06):
            return "it", False
        plural = self.chance(0.15)
        det = self.pick(
            ["the"] * 10 + ["this", "that", "my", "our"]
            if not plural
            else ["the"] * 6 + ["these", "my", "our"]
        )
        return f"{det} {self.pick(PLURAL_ITEMS if plural else ITEMS)}", plural

    def be(self, plural: bool) -> str:
        past = self.chance(0.7)
        return ("were" if past else "are") if plural else ("was" if past else "is")

    def intens(self) -> str:
        return self.pick(INTENSIFIERS)

    # Clauses of meaning `positive`. Negated ones use a word of the opposite polarity.
    def copula(self, positive: bool, form: str) -> _Clause:
        subject, plural = self.subject()
        be = self.be(plural)
        if form == "plain":
            return _Clause(f"{subject} {be} {self.adjective(positive)}", "simple", "X was ADJ")
        if form == "intensified":
            return _Clause(
                f"{subject} {be} {self.intens()} {self.adjective(positive)}", "intensified", "X was very ADJ"
            )
        if form == "not":
            extra = f"{self.intens()} " if self.chance(0.2) else ""
            neg = self.pick(["not", "not", "never", "n't"])
            joined = f"{be}n't" if neg == "n't" else f"{be} {neg}"
            return _Clause(
                f"{subject} {joined} {extra}{self.adjective(not positive)}", "negation", f"X was {neg} ADJ"
            )
        if form == "not at all":
            adjective = self.adjective(not positive)
            body = f"not {adjective} at all" if self.chance(0.6) else f"not at all {adjective}"
            return _Clause(f"{subject} {be} {body}", "negation", "X was not ADJ at all")
        if form == "nothing":
            return _Clause(
                f"there was nothing {self.adjective(not positive)} about {subject}",
                "negation",
                "nothing ADJ about X",
            )
        if form == "not not":
            negated = f"{be} not" if self.chance(0.6) else f"{be}n't"
            return _Clause(
                f"{subject} {negated} not {self.adjective(positive)}", "double negation", "not not ADJ"
            )
        if form == "never not":
            return _Clause(
                f"{subject} {be} never not {self.adjective(positive)}", "double negation", "never not ADJ"
            )
        if form == "never was":
            subject, plural = self.subject(allow_it=False)
            return _Clause(
                f"never {'were' if plural else 'was'} {subject} {self.adjective(not positive)}",
                "negation",
                "never was X ADJ",
            )
        raise ValueError(form)

    def verb(self, positive: bool, form: str) -> _Clause:
        person = self.pick(["i"] * 4 + ["we"])
        thing = self.subject()[0]
        if form == "plain":
            past, base = self.pick(LIKE_VERBS if positive else DISLIKE_VERBS)
            if self.chance(0.3):
                return _Clause(
                    f"{person} {self.pick(VERB_INTENSIFIERS)} {past} {thing}",
                    "intensified",
                    "i really liked X",
                )
            return _Clause(f"{person} {past if self.chance(0.75) else base} {thing}", "simple", "i liked X")
        past, base = self.pick(DISLIKE_VERBS if positive else LIKE_VERBS)
        if form == "not":
            aux = self.pick(["did not", "didn't", "do not", "don't"])
            return _Clause(f"{person} {aux} {base} {thing}", "negation", "i did not like X")
        if form == "nobody":
            return _Clause(f"{self.pick(['nobody', 'no one'])} {past} {thing}", "negation", "nobody liked X")
        if form == "never":
            return _Clause(f"{person} never {past} {thing}", "negation", "i never liked")
        if form == "not at all":
            aux = self.pick(["did not", "didn't"])
            return _Clause(f"{person} {aux} {base} {thing} at all", "negation", "did not like ... at all")
        raise ValueError(form)

    SEEN_CLAUSES = [
        ("copula", "plain", 5),
        ("copula", "intensified", 3),
        ("copula", "not", 4),
        ("copula", "not at all", 1),
        ("copula", "nothing", 0.5),
        ("copula", "not not", 0.5),
        ("copula", "never was", 0.5),
        ("verb", "plain", 3),
        ("verb", "not", 2),
        ("verb", "nobody", 0.7),
    ]
    UNSEEN_CLAUSES = [("verb", "never", 1), ("verb", "not at all", 1), ("copula", "never not", 1)]

    def clause(self, positive: bool, plain_only: bool = False) -> _Clause:
        if plain_only:
            return self.copula(positive, self.pick(["plain", "plain", "intensified"]))
        table = self.SEEN_CLAUSES
        family, form, _ = self.rng.choices(table, weights=[w for *_, w in table])[0]
        return self.copula(positive, form) if family == "copula" else self.verb(positive, form)

    def unseen_clause(self, positive: bool) -> _Clause:
        family, form, _ = self.pick(self.UNSEEN_CLAUSES)
        return self.copula(positive, form) if family == "copula" else self.verb(positive, form)

    # Sentences.
    def phrase(self, positive: bool) -> tuple[str, str, bool]:
        adjective, item = self.adjective(positive), self.pick(ITEMS)
        other = self.adjective(not positive)
        article = "an" if adjective[0] in "aeiou" else "a"
        other_article = "an" if other[0] in "aeiou" else "a"
        forms = [
            (f"{adjective} {item}", "ADJ X", False),
            (f"{article} {adjective} {item}", "a ADJ X", False),
            (f"what {article} {adjective} {item}", "what a ADJ X", False),
            (f"such {article} {adjective} {item}", "such a ADJ X", False),
            (adjective, "ADJ", False),
            (f"{self.intens()} {adjective}", "very ADJ", False),
            (f"{self.intens()} {adjective} {item}", "very ADJ X", False),
            (f"{item} was {adjective}", "X was ADJ (no article)", False),
            (f"not {other}", "not ADJ", True),
            (f"not {other_article} {other} {item}", "not a ADJ X", True),
            (f"not {other} at all", "not ADJ at all (phrase)", True),
        ]
        return self.pick(forms)

    def question(self, positive: bool) -> tuple[str, str, bool]:
        subject, plural = self.subject(allow_it=False)
        be = "were" if plural else "was"
        thing = self.subject()[0]
        forms = [
            (f"why {be} {subject} so {self.adjective(positive)}", "why was X so ADJ?", False),
            (f"{be}n't {subject} {self.adjective(positive)}", "wasn't X ADJ?", False),
            (f"why {be}n't {subject} {self.adjective(not positive)}", "why wasn't X ADJ?", True),
            (
                f"how could anyone {self.pick(DISLIKE_VERBS if positive else LIKE_VERBS)[1]} {thing}",
                "how could anyone like X?",
                True,
            ),
        ]
        return self.pick(forms)

    def listed(self, clauses: list[str]) -> str:
        return ", ".join(clauses[:-1]) + f"{self.pick([',', ''])} and {clauses[-1]}"

    def contrast(self, positive: bool, form: str) -> str:
        """Two clauses of opposite meaning; the connective says which one the verdict follows."""
        main = self.clause(positive).text
        other = self.clause(not positive).text
        comma = self.pick([",", ""])
        if form == "A but B":
            return f"{other}{comma} but {main}"
        if form == "A, yet B":
            return f"{other}{comma} yet {main}"
        if form == "A. however, B":
            return f"{other}{self.pick(['.', ';', ','])} however{self.pick([',', ''])} {main}"
        if form == "although A, B":
            return f"although {other}{comma} {main}"
        if form == "B although A":
            return f"{main}{comma} although {other}"
        if form == "B though A":
            return f"{main}{comma} though {other}"
        if form == "though A, B":
            return f"though {other}{comma} {main}"
        if form == "even though A, B":
            return f"even though {other}{comma} {main}"
        if form == "B even though A":
            return f"{main}{comma} even though {other}"
        if form in ("list, but B", "list. however, B"):
            others = [self.clause(not positive, plain_only=True).text for _ in range(self.rng.randint(2, 3))]
            joint = ", but" if form == "list, but B" else f"{self.pick(['.', ';'])} however,"
            return f"{self.listed(others)}{joint} {main}"
        raise ValueError(form)

    SEEN_CONTRASTS = [
        "A but B",
        "A but B",
        "A, yet B",
        "A. however, B",
        "although A, B",
        "B although A",
        "B though A",
        "even though A, B",
        "B even though A",
        "list, but B",
    ]
    UNSEEN_CONTRASTS = ["though A, B", "list. however, B"]

    def example(self) -> SentimentExample:
        """A sentence of a seen structure, or of a held-out one if this drawer draws those."""
        positive = self.chance(0.5)
        if self.held_out:
            return self.held_out_example(positive)
        draw = self.rng.random()
        if draw < 0.42:
            clause = self.clause(positive)
            return self.finish(
                clause.text,
                positive,
                clause.kind,
                clause.structure,
                clause.kind in ("negation", "double negation"),
            )
        if draw < 0.52:
            text, structure, negated = self.phrase(positive)
            return self.finish(text, positive, "short phrase", structure, negated)
        if draw < 0.58:
            text, structure, negated = self.question(positive)
            return self.finish(text, positive, "question", structure, negated, question=True)
        if draw < 0.66:
            count = self.rng.randint(2, 3)
            if self.chance(0.25):
                items = [f"{self.adjective(positive)} {self.pick(ITEMS)}" for _ in range(count)]
                return self.finish(self.listed(items), positive, "list", "ADJ X, ADJ X and ADJ X")
            clauses = [self.clause(positive) for _ in range(count)]
            negated = any(c.kind in ("negation", "double negation") for c in clauses)
            return self.finish(
                self.listed([c.text for c in clauses]), positive, "list", "A, B and C", negated
            )
        form = self.pick(self.SEEN_CONTRASTS)
        return self.finish(self.contrast(positive, form), positive, "contrast", form, True)

    def held_out_example(self, positive: bool) -> SentimentExample:
        draw = self.rng.randrange(len(HELD_OUT_STRUCTURES))
        structure = list(HELD_OUT_STRUCTURES)[draw]
        if structure in self.UNSEEN_CONTRASTS:
            return self.finish(
                self.contrast(positive, structure), positive, "contrast", structure, True, unseen=True
            )
        if structure == "not very ADJ (phrase)":
            text = f"not {self.intens()} {self.adjective(not positive)}"
            return self.finish(text, positive, "short phrase", structure, True, unseen=True)
        if structure == "why was X not ADJ?":
            subject, plural = self.subject(allow_it=False)
            text = f"why {'were' if plural else 'was'} {subject} not {self.adjective(not positive)}"
            return self.finish(text, positive, "question", structure, True, question=True, unseen=True)
        form = {
            "i never liked": ("verb", "never"),
            "did not like ... at all": ("verb", "not at all"),
            "never not ADJ": ("copula", "never not"),
        }[structure]
        clause = (self.verb if form[0] == "verb" else self.copula)(positive, form[1])
        if self.chance(0.3):  # inside a familiar contrast
            other = self.clause(not positive).text
            text = f"{other}{self.pick([',', ''])} but {clause.text}"
            return self.finish(text, positive, "contrast", structure, True, unseen=True)
        return self.finish(clause.text, positive, clause.kind, structure, True, unseen=True)

    def finish(
        self,
        text: str,
        positive: bool,
        kind: str,
        structure: str,
        order_sensitive: bool = False,
        question: bool = False,
        unseen: bool = False,
    ) -> SentimentExample:
        return SentimentExample(
            self.styled(text, question),
            int(positive),
            kind,
            structure,
            order_sensitive or kind == "contrast",
            unseen,
        )

    def styled(self, text: str, question: bool) -> str:
        """Capitals and end punctuation as people type them (the tokenizer lower-cases words)."""
        if question:
            end = self.rng.choices(["?", "", ","], weights=[74, 14, 12])[0]
        else:
            end = self.rng.choices(["", ".", "!", "...", "!!", ","], weights=[45, 28, 10, 4, 3, 10])[0]
        text = re.sub(r"\bi\b", "I", text) if self.chance(0.5) else text
        case = self.rng.random()
        if case < 0.45:
            text = text[0].upper() + text[1:]
        elif case < 0.48:
            text = text.upper()
        elif case < 0.51:
            text = " ".join(w[0].upper() + w[1:] for w in text.split())
        return text + end


def sentence_key(text: str) -> tuple[str, ...]:
    """What makes two sentences the same one: their words, ignoring capitals and punctuation."""
    return tuple(t for t in tokenize(text) if t[0].isalnum())


@dataclass(frozen=True)
class SentimentCorpus:
    """Train, validation and test splits with no sentence shared between them (up to style)."""

    train: list[SentimentExample]
    validation: list[SentimentExample]
    test: list[SentimentExample]

    @property
    def order_sensitive_test(self) -> list[SentimentExample]:
        """The tagged test sentences whose label depends on word order."""
        return [e for e in self.test if e.order_sensitive]

    @property
    def unseen_structure_test(self) -> list[SentimentExample]:
        """The test sentences of structures no training or validation sentence uses."""
        return [e for e in self.test if e.unseen]


MAX_WORDS = 30  # below the default sequence length, so no verdict is cut off
UNSEEN_SHARE_OF_TEST = 0.25


def _draw(reviews: _Reviews, count: int, seen: set[tuple[str, ...]]) -> list[SentimentExample]:
    examples: list[SentimentExample] = []
    attempts = 0
    while len(examples) < count and attempts < count * 20:
        attempts += 1
        example = reviews.example()
        key = sentence_key(example.text)
        if key in seen or len(tokenize(example.text)) > MAX_WORDS:
            continue
        seen.add(key)
        examples.append(example)
    return examples


def generate_sentiment(
    num_sentences: int = 12_000, seed: int = 0, validation_fraction: float = 0.1, test_fraction: float = 0.1
) -> SentimentCorpus:
    """Generate `num_sentences` distinct labelled sentences and split them, seeded.

    A quarter of the test split is sentences of held-out structures (tagged `unseen`).
    """
    rng = random.Random(seed)
    n_unseen = int(num_sentences * test_fraction * UNSEEN_SHARE_OF_TEST)
    keys: set[tuple[str, ...]] = set()
    familiar = _draw(_Reviews(rng, held_out=False), num_sentences - n_unseen, keys)
    unseen = _draw(_Reviews(rng, held_out=True), n_unseen, keys)
    rng.shuffle(familiar)
    n_test = max(0, int(num_sentences * test_fraction) - len(unseen))
    n_val = int(num_sentences * validation_fraction)
    test = familiar[:n_test] + unseen
    rng.shuffle(test)
    return SentimentCorpus(
        train=familiar[n_test + n_val :],
        validation=familiar[n_test : n_test + n_val],
        test=test,
    )


SENTIMENT_WORD_CLASSES: dict[str, list[str]] = {
    "positive word": POSITIVE + LIKED + [base for _, base in LIKE_VERBS],
    "negative word": NEGATIVE + DISLIKED + [base for _, base in DISLIKE_VERBS],
    "intensifier": INTENSIFIERS,
    "negation": [
        "not",
        "never",
        "nobody",
        "nothing",
        "no",
        "didn't",
        "don't",
        "wasn't",
        "isn't",
        "weren't",
        "aren't",
    ],
    "connective": CONNECTIVES,
    "thing reviewed": ITEMS + PLURAL_ITEMS,
}
_SENTIMENT_CLASS_OF = {w: cls for cls, words in SENTIMENT_WORD_CLASSES.items() for w in words}


def sentiment_word_class(word: str) -> str:
    """The role of a word in the built-in reviews ('other' for the rest)."""
    return _SENTIMENT_CLASS_OF.get(word, "other")


# Edits a person makes without changing what they mean: accuracy should not move under them.
_CONNECTIVE = re.compile(
    r"(?<![,;.])(?<!\beven)\s+(?=(?:but|yet|however|although|though|even though)\b)", re.IGNORECASE
)
_END = re.compile(r"[\s.!?,;]+$")


def is_question(text: str) -> bool:
    """Whether the sentence ends in a question mark (whatever follows it: spaces, '!', '.')."""
    end = _END.search(text)
    return end is not None and "?" in end.group()


def with_full_stop(text: str) -> str:
    """A statement ending in a full stop instead of whatever it ended with; a question keeps its '?'.

    Turning "wasn't the film good?" into "wasn't the film good." changes what it says (a rhetorical
    question is praise), so that edit is left to `without_punctuation`, which reports it apart.
    """
    return text if is_question(text) else _END.sub("", text) + "."


def with_commas(text: str) -> str:
    """A comma before each connective that has none, or at the end of a statement without one."""
    if re.search(r"\b(?:but|yet|however|although|though)\b", text, re.IGNORECASE):
        return _CONNECTIVE.sub(", ", text)
    return text if is_question(text) else _END.sub("", text) + ","


def with_capitals(text: str) -> str:
    """Every word starting with a capital letter."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def without_punctuation(text: str) -> str:
    """The words only, as someone typing quickly writes them."""
    return " ".join(t for t in re.findall(r"[\w']+", text))


PERTURBATIONS = {
    "full_stop": with_full_stop,
    "comma": with_commas,
    "capitals": with_capitals,
    "no_punctuation": without_punctuation,
}
