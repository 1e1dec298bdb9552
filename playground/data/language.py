"""A seeded, English-like toy language whose word classes a next-word model can discover."""

from __future__ import annotations

import random
from dataclasses import dataclass

# (singular, plural) noun pairs, so subject-verb agreement is part of the language.
ANIMALS = [
    ("dog", "dogs"),
    ("cat", "cats"),
    ("bird", "birds"),
    ("horse", "horses"),
    ("fox", "foxes"),
    ("rabbit", "rabbits"),
    ("mouse", "mice"),
    ("cow", "cows"),
    ("wolf", "wolves"),
    ("bear", "bears"),
    ("duck", "ducks"),
    ("goat", "goats"),
    ("lion", "lions"),
    ("tiger", "tigers"),
    ("frog", "frogs"),
    ("owl", "owls"),
    ("pig", "pigs"),
    ("hen", "hens"),
    ("squirrel", "squirrels"),
    ("donkey", "donkeys"),
    ("otter", "otters"),
    ("badger", "badgers"),
    ("goose", "geese"),
    ("lamb", "lambs"),
]
PEOPLE = [
    ("boy", "boys"),
    ("girl", "girls"),
    ("farmer", "farmers"),
    ("teacher", "teachers"),
    ("child", "children"),
    ("doctor", "doctors"),
    ("baker", "bakers"),
    ("king", "kings"),
    ("queen", "queens"),
    ("sailor", "sailors"),
    ("student", "students"),
    ("painter", "painters"),
    ("fisherman", "fishermen"),
    ("woman", "women"),
    ("man", "men"),
    ("pilot", "pilots"),
    ("nurse", "nurses"),
    ("poet", "poets"),
]
# (third person singular, plural) verb forms.
MOTION_VERBS = [
    ("runs", "run"),
    ("walks", "walk"),
    ("jumps", "jump"),
    ("swims", "swim"),
    ("hurries", "hurry"),
    ("wanders", "wander"),
    ("races", "race"),
    ("strolls", "stroll"),
    ("climbs", "climb"),
    ("rushes", "rush"),
    ("goes", "go"),
    ("returns", "return"),
    ("travels", "travel"),
    ("marches", "march"),
    ("dances", "dance"),
    ("sneaks", "sneak"),
]
SEEING_VERBS = [
    ("sees", "see"),
    ("chases", "chase"),
    ("follows", "follow"),
    ("watches", "watch"),
    ("finds", "find"),
    ("meets", "meet"),
    ("greets", "greet"),
    ("hears", "hear"),
    ("visits", "visit"),
    ("helps", "help"),
    ("ignores", "ignore"),
    ("likes", "like"),
]
EATING_VERBS = [
    ("eats", "eat"),
    ("likes", "like"),
    ("wants", "want"),
    ("carries", "carry"),
    ("buys", "buy"),
    ("shares", "share"),
]
BE_VERBS = ("is", "are")
PLACES = [
    "park",
    "river",
    "forest",
    "garden",
    "farm",
    "house",
    "school",
    "market",
    "beach",
    "hill",
    "lake",
    "field",
    "village",
    "city",
    "barn",
    "meadow",
    "bridge",
    "castle",
    "library",
    "station",
    "harbor",
    "valley",
    "mountain",
    "kitchen",
    "church",
    "bakery",
    "island",
    "pond",
]
# Times take their own preposition, a regularity the model can pick up.
TIMES_IN = ["morning", "afternoon", "evening", "spring", "summer", "autumn", "winter"]
TIMES_AT = ["night", "dawn", "dusk", "noon", "midnight", "sunrise", "sunset"]
FEELINGS = [
    "happy",
    "sad",
    "angry",
    "calm",
    "tired",
    "afraid",
    "glad",
    "proud",
    "bored",
    "excited",
    "lonely",
    "hungry",
    "sleepy",
    "cheerful",
    "nervous",
    "curious",
    "joyful",
    "grumpy",
    "worried",
    "content",
]
FOODS = [
    "apples",
    "bread",
    "cheese",
    "fish",
    "carrots",
    "seeds",
    "berries",
    "grass",
    "corn",
    "soup",
    "cake",
    "honey",
    "nuts",
    "pears",
    "rice",
    "plums",
    "eggs",
    "cookies",
    "milk",
    "oats",
]
ADJECTIVES = [
    "big",
    "small",
    "old",
    "young",
    "brown",
    "black",
    "white",
    "red",
    "little",
    "quick",
    "lazy",
    "gentle",
    "wild",
    "clever",
    "tiny",
    "grey",
    "shy",
    "brave",
    "noisy",
    "quiet",
    "fat",
    "thin",
]
ADVERBS = ["quickly", "slowly", "quietly", "happily", "often", "sometimes", "always", "rarely"]
# What may follow a feeling: its own company, so feelings and places are told apart by context.
FEELING_ENDINGS = ["today", "again", "now", "all day", "together", "once more"]
NEAR_WORDS = ["near", "with", "behind", "beside"]

WORD_CLASSES: dict[str, list[str]] = {
    "animal": [w for pair in ANIMALS for w in pair],
    "person": [w for pair in PEOPLE for w in pair],
    "action": [w for pair in MOTION_VERBS + SEEING_VERBS + EATING_VERBS for w in pair],
    "place": PLACES,
    "time of day": TIMES_IN + TIMES_AT,
    "feeling": FEELINGS,
    "food": FOODS,
    "adjective": ADJECTIVES,
    "adverb": ADVERBS,
}


def word_class(word: str) -> str:
    """The class a built-in word belongs to ('other' for function words and unknown words)."""
    return _CLASS_OF.get(word, "other")


_CLASS_OF = {w: cls for cls, words in WORD_CLASSES.items() for w in words}


@dataclass(frozen=True)
class LanguageSentence:
    """One generated sentence and the grammatical number of its subject."""

    text: str
    plural_subject: bool
    distractors: int  # nouns of the other number between subject and verb


class _Grammar:
    """Draws sentences from a small probabilistic grammar."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def noun_phrase(self, plural: bool, nouns=None, allow_adjective: bool = True) -> str:
        nouns = nouns or (ANIMALS if self.rng.random() < 0.65 else PEOPLE)
        noun = self.pick(nouns)[1 if plural else 0]
        words = ["the"] if plural or self.rng.random() < 0.7 else ["a"]
        if allow_adjective and self.rng.random() < 0.35:
            words.append(self.pick(ADJECTIVES))
        words.append(noun)
        return " ".join(words)

    def time_phrase(self) -> str:
        if self.rng.random() < 0.5:
            return "in the " + self.pick(TIMES_IN)
        return "at " + self.pick(TIMES_AT)

    def subject(self) -> tuple[str, bool, int]:
        plural = self.rng.random() < 0.45
        phrase = self.noun_phrase(plural)
        distractors = 0
        if self.rng.random() < 0.2:
            # "the dog near the cats" puts a noun of the other number before the verb.
            other = not plural
            phrase += f" {self.pick(NEAR_WORDS)} {self.noun_phrase(other, allow_adjective=False)}"
            distractors = 1
        return phrase, plural, distractors

    def sentence(self) -> LanguageSentence:
        subject, plural, distractors = self.subject()
        n = 1 if plural else 0
        kind = self.rng.random()
        if kind < 0.35:
            verb = self.pick(MOTION_VERBS)[n]
            adverb = f" {self.pick(ADVERBS)}" if self.rng.random() < 0.2 else ""
            words = f"{subject} {verb}{adverb} to the {self.pick(PLACES)}"
            if self.rng.random() < 0.6:
                words += " " + self.time_phrase()
        elif kind < 0.55:
            feeling = self.pick(FEELINGS)
            words = f"{subject} {BE_VERBS[n]} {feeling}"
            if self.rng.random() < 0.4:
                words += " " + self.pick(FEELING_ENDINGS)
            elif self.rng.random() < 0.4:
                words += f" with the {self.pick(ANIMALS if self.rng.random() < 0.5 else PEOPLE)[0]}"
        elif kind < 0.78:
            verb = self.pick(SEEING_VERBS)[n]
            obj = self.noun_phrase(self.rng.random() < 0.45)
            words = f"{subject} {verb} {obj}"
            if self.rng.random() < 0.5:
                words += f" in the {self.pick(PLACES)}"
        else:
            verb = self.pick(EATING_VERBS)[n]
            words = f"{subject} {verb} {self.pick(FOODS)}"
            if self.rng.random() < 0.5:
                words += " " + self.time_phrase()
        return LanguageSentence(words, plural, distractors)


def generate_language(num_sentences: int = 24_000, seed: int = 0) -> list[LanguageSentence]:
    """Generate `num_sentences` sentences of the toy language, the same for the same seed."""
    grammar = _Grammar(random.Random(seed))
    return [grammar.sentence() for _ in range(num_sentences)]


def language_texts(num_sentences: int = 24_000, seed: int = 0) -> list[str]:
    """The sentences of the toy language as plain strings."""
    return [s.text for s in generate_language(num_sentences, seed)]
