"""The built-in corpora: seeded, sized as promised, with the structure the lessons rely on."""

from playground.data.language import WORD_CLASSES, generate_language, language_texts, word_class
from playground.data.sentiment import generate_sentiment
from playground.data.tokenizer import Vocabulary, tokenize


def test_language_is_reproducible_and_seed_dependent():
    assert language_texts(200, seed=1) == language_texts(200, seed=1)
    assert language_texts(200, seed=1) != language_texts(200, seed=2)


def test_language_has_a_few_hundred_words_in_discoverable_classes():
    texts = language_texts(20_000, seed=0)
    vocab = Vocabulary.build(texts)
    assert 250 <= len(vocab) <= 600
    assert len(texts) == 20_000
    for cls in ("animal", "action", "place", "time of day", "feeling"):
        seen = [w for w in WORD_CLASSES[cls] if w in vocab]
        assert len(seen) >= 0.9 * len(WORD_CLASSES[cls]), cls
    assert word_class("dog") == "animal" and word_class("park") == "place" and word_class("the") == "other"


def test_language_subjects_agree_with_their_verbs():
    for sentence in generate_language(500, seed=3):
        words = sentence.text.split()
        if words[-1] in ("is", "are") or "is" not in words and "are" not in words:
            continue
        verb = "are" if "are" in words else "is"
        assert (verb == "are") == sentence.plural_subject, sentence.text


def test_sentiment_splits_are_disjoint_and_balanced():
    corpus = generate_sentiment(3000, seed=0)
    train, val, test = ({e.text for e in part} for part in (corpus.train, corpus.validation, corpus.test))
    assert not (train & val) and not (train & test) and not (val & test)
    assert len(train) + len(val) + len(test) == 3000
    positive = sum(e.label for e in corpus.train) / len(corpus.train)
    assert 0.4 < positive < 0.6


def test_sentiment_order_sensitive_subset_is_tagged():
    corpus = generate_sentiment(3000, seed=0)
    subset = corpus.order_sensitive_test
    assert len(subset) > 0.3 * len(corpus.test)
    assert {"negation", "double negation", "contrast"} <= {e.kind for e in subset}
    assert not any(e.order_sensitive for e in corpus.test if e.kind in ("simple", "intensified"))


def test_contrast_sentences_come_in_both_orders():
    # "A but B" and "B but A" share every word yet have opposite labels: only order tells them apart.
    corpus = generate_sentiment(6000, seed=0)
    contrast = [tokenize(e.text) for e in corpus.train if e.kind == "contrast"]
    connectives = {
        c for c in ("but", "although", "even", "though", "yet", "however") for words in contrast if c in words
    }
    assert connectives == {"but", "although", "even", "though", "yet", "however"}
