"""Words to vectors: a sentence as indices, one-hot rows and embeddings, and which words are alike."""

import math

import pandas as pd
import streamlit as st

from playground.analysis.embeddings import (
    class_cohesion,
    cosine_similarities,
    embedding_rows,
    encode_sentence,
    vocabulary_words,
    word_classes,
)
from playground.data.tokenizer import UNK_ID
from playground.figures.embeddings import embedding_figure, one_hot_figure, row_labels, similarity_figure
from playground.text import escape_markdown
from playground.view_options import VIEW_OPTIONS
from ui.lecture import next_stop
from ui.sentences import sentence_box
from ui.session_cache import kept, run_key
from ui.share import linked_run, share_view

VIEW = VIEW_OPTIONS["encoding"]

st.title("From words to vectors")
st.markdown(
    "A network computes with numbers, so every word must become a vector first. "
    "Here is your sentence in three codes, and what each one says about which words are alike."
)
run = linked_run("encoding", VIEW)
share_view(run, VIEW)
st.caption(
    f"Model: {run.name}, trained on {escape_markdown(run.data_description)}. Pick another in the sidebar."
)

text = sentence_box(run, VIEW[0])
encoded = encode_sentence(run, text)
if not encoded.tokens:
    st.info("Type at least one word.")
    st.stop()

vocab_size, dim = len(run.vocab), encoded.embeddings.shape[1]
st.subheader("1 · Indices and one-hot vectors")
st.markdown(
    f"The vocabulary numbers its {vocab_size:,} tokens; a word is its position in that list. As a "
    f"one-hot vector it is a row of {vocab_size:,} zeros with a single 1 at that index: simple and exact, "
    f"but {vocab_size:,} numbers per word, {vocab_size - 1:,} of them zero."
)
st.plotly_chart(one_hot_figure(encoded.tokens, encoded.ids, run.vocab.tokens))
unknown = [t for t, known in zip(encoded.tokens, encoded.known, strict=True) if not known]
if unknown:
    st.caption(
        f"Not in the vocabulary, so read as <unk> (index {UNK_ID}): "
        + ", ".join(f"“{escape_markdown(t, 40)}”" for t in unknown)
    )
indices = pd.DataFrame(
    [encoded.ids, ["yes" if k else "no, <unk>" for k in encoded.known]],
    index=["index", "in vocabulary"],
    columns=row_labels(encoded.tokens),
)
with st.expander("The indices, word by word"):
    st.dataframe(indices.astype(str))

st.subheader("2 · Learned embeddings")
st.markdown(
    f"A row of {dim} numbers the model learned while training. The table of them "
    f"(the embedding matrix, {vocab_size:,} × {dim}) is what the first layer of the model is."
)
st.plotly_chart(embedding_figure(encoded.tokens, encoded.embeddings))


def same_class_example(run) -> str:
    """Two examples of "the same class" in this model's own language (reviews or the toy language)."""
    return (
        "two positive words, two negative words, …"
        if run.task == "sentiment"
        else "two animals, two places, …"
    )


def alike_example(run) -> str:
    """Two words alike and one not, in this model's own language (the one-hot claim's example)."""
    if run.config.data.source != "built-in" or run.vocab.level != "word":
        return "two words that mean the same are no closer than any other two"
    if run.task == "sentiment":
        return "“good” is no closer to “great” than to “film”"
    return "“happy” is no closer to “glad” than to “park”"


st.subheader("Which words are alike?")
st.markdown(
    f"In one-hot space every two different words are equally far apart (distance "
    f"√2 ≈ {math.sqrt(2):.2f}, cosine 0): the code says nothing about which words are alike, "
    f"so {alike_example(run)}. A learned embedding can say it."
)
words = vocabulary_words(run)
classes = word_classes(run, [t for _, t in words])
if run.config.data.source == "built-in" and run.vocab.level == "word":
    cohesion = kept(
        ("encoding_cohesion", run_key(run)), lambda: class_cohesion(embedding_rows(run, words), classes)
    )
    st.markdown(
        f"Over this model's whole vocabulary, two words of the same class ({same_class_example(run)}) "
        f"have a mean cosine similarity of **{cohesion['within']:.2f}**, and two "
        f"words of different classes **{cohesion['between']:.2f}**; at the random start both "
        "were about 0. Single pairs can still surprise: a model only needs two words to be "
        "alike if they help it predict the same things."
    )
left, right = st.columns(2)
left.plotly_chart(
    similarity_figure(
        encoded.tokens, cosine_similarities(encoded.one_hot), "One-hot: cosine similarity", encoded.known
    ),
    key="encoding_onehot_similarity",
)
right.plotly_chart(
    similarity_figure(
        encoded.tokens, cosine_similarities(encoded.embeddings), "Embedding: cosine similarity", encoded.known
    ),
    key="encoding_embedding_similarity",
)
same_token = "A word repeated in the sentence is 1 with itself in both codes"
if len(set(unknown)) > 1:  # "zzz" and "qqq" are two words typed, one token read: <unk> twice
    same_token += (
        f", and so are {len(set(unknown))} different words the model does not know: each is read as "
        "the one token <unk>, the same vector"
    )
st.caption(
    "Cosine similarity is 1 for vectors pointing the same way, 0 for unrelated (perpendicular) "
    f"ones and −1 for opposite ones. {same_token}."
)

next_stop("app_pages/encoding.py")
