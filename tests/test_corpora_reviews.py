"""The reviews corpus: held-out structures, labels by construction, edits that keep the meaning."""

from hypothesis import given
from hypothesis import strategies as st

from playground.data.sentiment import (
    HELD_OUT_STRUCTURES,
    NEGATIVE,
    POSITIVE,
    generate_sentiment,
    is_question,
    sentence_key,
    with_capitals,
    with_commas,
    with_full_stop,
    without_punctuation,
)
from playground.data.tokenizer import tokenize


def words(text):
    return [t for t in tokenize(text) if t[0].isalnum()]


def test_held_out_structures_are_only_in_the_test_split_and_tagged():
    corpus = generate_sentiment(4000, seed=0)
    assert not any(e.unseen for e in corpus.train + corpus.validation)
    trained = {e.structure for e in corpus.train}
    unseen = corpus.unseen_structure_test
    assert {e.structure for e in unseen} == set(HELD_OUT_STRUCTURES)
    assert not trained & set(HELD_OUT_STRUCTURES)
    assert 0.2 < len(unseen) / len(corpus.test) < 0.3
    assert all(e.order_sensitive for e in unseen)


def test_no_sentence_is_in_two_splits_even_restyled():
    corpus = generate_sentiment(3000, seed=2)
    train, val, test = (
        {sentence_key(e.text) for e in part} for part in (corpus.train, corpus.validation, corpus.test)
    )
    assert not (train & val) and not (train & test) and not (val & test)


def test_people_write_with_capitals_punctuation_and_every_connective():
    corpus = generate_sentiment(4000, seed=0)
    texts = [e.text for e in corpus.train]
    assert sum(t[0].isupper() for t in texts) > 0.3 * len(texts)
    assert sum(t[-1] in ".!?" for t in texts) > 0.3 * len(texts)
    firsts = {words(e.text)[0] for e in corpus.train if e.kind == "contrast"}
    assert {"although", "even"} <= firsts and "though" not in firsts  # "though A, B" is held out
    inside = {w for e in corpus.train if e.kind == "contrast" for w in words(e.text)[1:]}
    assert {"but", "yet", "however", "although", "though"} <= inside
    kinds = {e.kind for e in corpus.train}
    assert {"short phrase", "question", "list", "double negation"} <= kinds


def test_plain_sentences_and_negations_follow_their_words():
    corpus = generate_sentiment(3000, seed=1)
    for e in corpus.train:
        w = words(e.text)
        if e.structure == "X was ADJ":
            assert e.label == int(w[-1] in POSITIVE) and w[-1] in POSITIVE + NEGATIVE, e.text
        if e.structure in ("X was not ADJ", "X was never ADJ", "X was n't ADJ"):
            assert e.label == int(w[-1] in NEGATIVE), e.text
        if e.structure == "not not ADJ":
            assert e.label == int(w[-1] in POSITIVE), e.text


def test_contrast_follows_the_clause_the_connective_points_to():
    corpus = generate_sentiment(4000, seed=3)
    for e in corpus.train:
        w = words(e.text)
        simple_end = e.structure in ("A but B", "A, yet B") and w[-2] in ("was", "is", "were", "are")
        if simple_end and w[-1] in POSITIVE + NEGATIVE and w[-3] not in ("not", "never"):
            assert e.label == int(w[-1] in POSITIVE), e.text


def test_order_sensitive_sentences_have_a_negation_or_a_connective():
    corpus = generate_sentiment(3000, seed=0)
    cues = {
        "not",
        "never",
        "nobody",
        "no",
        "nothing",
        "anyone",
        "but",
        "yet",
        "however",
        "although",
        "though",
    }
    for e in corpus.order_sensitive_test:
        w = set(words(e.text))
        assert w & cues or any(t.endswith("n't") for t in w), e.text


sentences = st.text(alphabet=st.sampled_from(list("abcdefg ,.!?'")), min_size=1, max_size=40)


@given(sentences)
def test_capitals_never_change_the_tokens(text):
    assert tokenize(with_capitals(text)) == tokenize(text)


@given(sentences)
def test_edits_keep_the_words(text):
    for edit in (with_full_stop, with_commas, without_punctuation):
        assert words(edit(text)) == words(text)
    if is_question(text):
        assert with_full_stop(text) == text
    else:
        assert with_full_stop(text).endswith(".")


@given(sentences)
def test_a_question_keeps_its_question_mark_under_the_full_stop_and_comma_edits(text):
    question = text + "?"
    assert with_full_stop(question) == question
    assert with_commas(question).endswith("?")
    assert not with_full_stop(text.rstrip("?! ") + " good").endswith("?")
