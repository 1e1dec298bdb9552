"""The 'Look inside' pages under AppTest: Words to vectors and Embedding space."""

import pytest

from tests.pages.test_pages import app, no_errors, open_page, tiny_training


@pytest.mark.parametrize("page", ["encoding", "embeddings"])
def test_without_a_model_the_page_offers_to_train_one(page):
    at = open_page(app(), page)
    no_errors(at)
    assert "no trained model" in at.info[0].value
    at.button(key=f"{page}_quick_next").click().run()
    no_errors(at)
    # Embedding space: the projection (its replay of training and its comparison are folded and lazy)
    assert len(at.session_state["runs"]) == 1 and len(at.get("plotly_chart")) >= 1


def test_words_to_vectors_shows_every_code_with_sizes():
    at = tiny_training(open_page(app(), "train"), "next-word")
    at = open_page(at, "encoding")
    no_errors(at)
    vocab = len(at.session_state["runs"][0].vocab)
    assert len(at.get("plotly_chart")) == 4  # one-hot, embedding, two similarity matrices
    assert any(f"{vocab:,} zeros" in m.value for m in at.markdown)
    assert any("“happy” is no closer to “glad”" in m.value for m in at.markdown)  # its own language's words
    at.text_input(key="encoding_text").input("the qwzx dog").run()
    no_errors(at)
    assert "qwzx" in at.warning[0].value
    assert not any("different words the model does not know" in c.value for c in at.caption)
    at.text_input(key="encoding_text").input("the zzz dog qqq").run()  # one-hot cosine 1 between them
    no_errors(at)
    assert any("2 different words the model does not know" in c.value for c in at.caption)
    import json

    from tests.test_figures import plain

    similarity = plain(json.loads(at.get("plotly_chart")[2].proto.spec)["data"][0])
    assert similarity["y"][1].startswith("2 ") and similarity["y"][1].endswith("→ &lt;unk&gt;")
    assert similarity["z"][1][3] == 1 and not similarity["y"][2].endswith("&gt;")  # zzz · qqq; "dog"
    at.text_input(key="encoding_text").input("   ").run()
    assert "at least one word" in at.info[0].value


def test_embedding_space_search_projection_and_compare():
    at = tiny_training(open_page(app(), "train"), "next-word")
    at = tiny_training(at, "next-word", "transformer")
    at = open_page(at, "embeddings")
    no_errors(at)
    charts = len(at.get("plotly_chart"))
    at.session_state["embeddings_replay_open"] = True  # the replay is folded and drawn only when open
    at.run()
    no_errors(at)
    assert len(at.get("plotly_chart")) == charts + 1
    at.text_input(key="embeddings_search").input("dog").run()
    no_errors(at)
    neighbours = at.dataframe[0].value
    assert len(neighbours) == 8 and "dog" not in set(neighbours["word"])
    at.text_input(key="embeddings_search").input("<b>dog</b> cat").run()  # the first word, not "<"
    no_errors(at)
    assert at.dataframe[0].value.equals(neighbours)
    assert any("showing “dog”" in c.value for c in at.caption)
    at.text_input(key="embeddings_search").input("dog zzz 😀").run()  # "zzz" and the emoji went unmentioned
    assert any(
        "showing “dog”" in c.value and "Not in its vocabulary: “zzz”, “😀”." in c.value for c in at.caption
    )
    at.text_input(key="embeddings_search").input("dog dog").run()  # one word typed twice (review 20)
    assert at.dataframe[0].value.equals(neighbours) and not any("at a time" in c.value for c in at.caption)
    at.text_input(key="embeddings_search").input("😀 qqq").run()
    assert "None of “😀”, “qqq” is in" in at.warning[0].value
    at.text_input(key="embeddings_search").input("unicornz").run()
    assert "“unicornz” is not in this model's vocabulary" in at.warning[0].value
    at.text_input(key="embeddings_search").input("&lt;bos&gt;").run()  # was: "“lt” is not in …"
    assert "None of “lt”, “bos”, “gt” is in" in at.warning[0].value
    at.text_input(key="embeddings_search").input(" <BOS> ").run()  # was answered: "“bos” is not in …"
    no_errors(at)
    assert not at.warning and "`<bos>` is a special token" in at.info[-1].value
    at.text_input(key="embeddings_search").input(
        "<bos> dog <UNK>"
    ).run()  # was: "Not in its vocabulary: “bos”"
    no_errors(at)
    assert at.dataframe[0].value.equals(neighbours) and not any("bos" in c.value for c in at.caption)
    assert sum("is a special token" in i.value for i in at.info) == 2
    at.segmented_control(key="embeddings_method").set_value("tsne").run()
    at.segmented_control(key="embeddings_dims").set_value(3).run()
    no_errors(at)
    compare = at.selectbox(key="embeddings_compare")
    assert len(compare.options) == 2  # the start of this run, and the other run
    compare.set_value(at.session_state["runs"][0].id).run()
    no_errors(at)
    charts = len(at.get("plotly_chart"))
    at.session_state["embeddings_compare_open"] = True  # folded, the comparison is drawn only when open
    at.run()
    no_errors(at)
    assert len(at.get("plotly_chart")) == charts + 1
    assert at.dataframe[-1].value.shape == (2, 3)  # cohesion of both runs


def test_a_vocabulary_of_three_words():
    at = open_page(app(), "train")
    at.selectbox(key="train_source_next-word").set_value("upload").run()
    text = b"red green blue\n" * 20
    at.file_uploader(key="train_upload_next-word").set_value(("tiny.txt", text, "text/plain")).run()
    at.number_input(key="train_train_next-word_lstm_epochs").set_value(2).run()
    at.button(key="train_button").click().run()
    no_errors(at)
    at = open_page(at, "embeddings")
    no_errors(at)
    at.segmented_control(key="embeddings_method").set_value("tsne").run()
    no_errors(at)
    at.text_input(key="embeddings_search").input("green").run()
    no_errors(at)
    assert set(at.dataframe[0].value["word"]) == {"red", "blue"}
    at = open_page(at, "encoding")
    no_errors(at)


def test_words_to_vectors_speaks_of_a_sentiment_models_own_words():
    at = tiny_training(open_page(app(), "train"), "sentiment", "lstm")
    at = open_page(at, "encoding")
    no_errors(at)
    assert any("“good” is no closer to “great” than to “film”" in m.value for m in at.markdown)
    assert not any("happy" in m.value for m in at.markdown)


def test_a_run_without_an_epoch_to_replay_is_told_why_not_to_train_it():
    """A loaded file without snapshots was told to "train it for at least one epoch": it cannot be."""
    at = tiny_training(open_page(app(), "train"), "next-word")
    run = at.session_state["runs"][0]
    snapshots = run.snapshots
    run.snapshots = []
    at = open_page(at, "embeddings")
    no_errors(at)
    assert any("loaded from an older model file" in i.value for i in at.info)
    run.snapshots = snapshots[:1]  # stopped before its first epoch ended
    at.run()
    no_errors(at)
    assert any("only its start" in i.value for i in at.info)
    assert not any("train it for" in i.value for i in at.info)
