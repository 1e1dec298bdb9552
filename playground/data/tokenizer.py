"""Word- and character-level tokenization and the vocabulary that maps tokens to indices."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from playground.text import ZERO_WIDTH_JOINER, joins_symbols

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIAL_TOKENS = (PAD, UNK, BOS, EOS)
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # combining accents
_SKIN_TONE = "[\U0001f3fb-\U0001f3ff]"  # emoji modifiers: 👍🏽 is one thumb, drawn darker
_ZWJ = ZERO_WIDTH_JOINER  # of emoji sequences: 👨‍👩‍👧 is one family
# One symbol as a reader sees it: a flag (two regional indicators), or a symbol with its skin tone and
# any symbols joined to it.
_SYMBOL = rf"[\U0001f1e6-\U0001f1ff]{{2}}|[^\w\s{_MARKS}]{_SKIN_TONE}?(?:{_ZWJ}[^\w\s{_MARKS}]{_SKIN_TONE}?)*"
_WORD_PATTERN = re.compile(rf"[\w{_MARKS}]+(?:'[\w{_MARKS}]+)?|{_SYMBOL}", re.UNICODE)
_CHAR_PATTERN = re.compile(rf"{_SYMBOL}|.", re.UNICODE | re.DOTALL)


def _invisible(c: str) -> bool:
    """Format characters (zero-width spaces, direction marks) and variation selectors (U+FE0F asks
    for the emoji style of the character before it): they change no word, only how it is drawn."""
    return unicodedata.category(c) == "Cf" or "\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef"


def has_invisible(text: str) -> bool:
    """Whether `visible_text` drops anything from `text`: a pasted "the\u200bdog" reads as "thedog"."""
    return not text.isascii() and visible_text(text) != unicodedata.normalize("NFC", text)


def visible_text(text: str) -> str:
    """NFC-normalised text without invisible format characters and variation selectors.

    Pasted text often carries them; they would otherwise become unknown tokens nobody can see. A
    zero-width joiner between two symbols stays: it makes them one emoji.
    """
    if text.isascii():  # nothing to normalise or drop; the built-in corpora take this path
        return text
    kept = "".join(c for c in unicodedata.normalize("NFC", text) if c == _ZWJ or not _invisible(c))
    return "".join(c for i, c in enumerate(kept) if c != _ZWJ or joins_symbols(kept, i))


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def tokenize(text: str, level: str = "word") -> list[str]:
    """Split text into words and punctuation marks, or into characters; the same for training and typing.

    Words: lower-cased (so capitals never change a prediction), accents kept, one apostrophe kept
    inside a word ("didn't"; typographic apostrophes count as "'"); every other punctuation mark or
    symbol is a token of its own ("good." is "good", "."; "!!!" is three "!"), an emoji with its skin
    tone, a flag or a joined emoji one symbol. Characters: as typed, those emoji one character each.
    """
    text = visible_text(text)
    if level == "char":
        return _CHAR_PATTERN.findall(text)
    if level != "word":
        raise ValueError(f"unknown tokenizer level {level!r}: use 'word' or 'char'")
    return _WORD_PATTERN.findall(text.lower().translate(_APOSTROPHES))


def join_tokens(tokens: Iterable[str], level: str = "word") -> str:
    """Turn tokens back into readable text."""
    return "".join(tokens) if level == "char" else " ".join(tokens)


# A longer run of letters is not a word a model can learn (a URL, a hash, base64): it stays <unk>.
MAX_TOKEN_CHARS = 200


@dataclass
class Vocabulary:
    """Token <-> index tables; index 0 is padding, 1 is unknown, 2 and 3 start and end a sentence."""

    tokens: list[str]
    level: str = "word"
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.too_long = 0  # distinct tokens left out for their length (not kept in a model file)

    @classmethod
    def build(
        cls, texts: Iterable[str], level: str = "word", min_count: int = 1, max_size: int = 10_000
    ) -> Vocabulary:
        """Keep tokens seen at least `min_count` times, most frequent first, up to `max_size`."""
        counter: Counter[str] = Counter()
        for text in texts:
            counter.update(tokenize(text, level))
        return cls.from_counts(counter, level, min_count, max_size)

    @classmethod
    def from_counts(
        cls, counter: Counter[str], level: str = "word", min_count: int = 1, max_size: int = 10_000
    ) -> Vocabulary:
        """The vocabulary of tokens already counted (a long stream is tokenized once, not twice).

        Tokens longer than MAX_TOKEN_CHARS are left out (they read as <unk>); `too_long` counts them.
        """
        kept = [
            t
            for t, c in sorted(counter.items(), key=lambda tc: (-tc[1], tc[0]))
            if c >= min_count and t not in SPECIAL_TOKENS and len(t) <= MAX_TOKEN_CHARS
        ]
        kept = kept[: max(0, max_size - len(SPECIAL_TOKENS))]
        vocab = cls(list(SPECIAL_TOKENS) + kept, level, {t: counter[t] for t in kept})
        vocab.too_long = sum(len(t) > MAX_TOKEN_CHARS for t in counter)
        return vocab

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def encode_tokens(self, tokens: Iterable[str]) -> list[int]:
        return [self.index.get(t, UNK_ID) for t in tokens]

    def encode(self, text: str) -> list[int]:
        """Indices of the tokens of `text`; unknown tokens map to <unk>."""
        return self.encode_tokens(tokenize(text, self.level))

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[i] for i in ids]

    def unknown_tokens(self, text: str) -> list[str]:
        """The tokens of `text` the vocabulary does not know, in order, without repeats."""
        return list(dict.fromkeys(t for t in tokenize(text, self.level) if t not in self.index))

    def to_dict(self) -> dict:
        return {"tokens": self.tokens, "level": self.level, "counts": self.counts}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        return cls(list(data["tokens"]), data.get("level", "word"), dict(data.get("counts", {})))
