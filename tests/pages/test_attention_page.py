"""The 'Self-attention' page under AppTest."""

import json

from tests.pages.test_pages import app, no_errors, open_page, tiny_training


def test_without_a_model_it_offers_to_train_one():
    at = open_page(app(), "attention")
    no_errors(at)
    assert "no trained model" in at.info[0].value


def test_a_recurrent_run_is_offered_a_transformer():
    at = tiny_training(open_page(app(), "train"), "sentiment", "lstm")
    at = open_page(at, "attention")
    no_errors(at)
    assert "The active run is an LSTM, which has no attention" in at.info[0].value
    links = [link.proto.label for link in at.get("page_link")]
    assert "The end of the lecture's path: back to Home" in links  # the path ends here, Transformer or not
    at.button(key="attention_train").click().run()
    no_errors(at)
    assert at.session_state["runs"][-1].config.model.arch == "transformer"
    assert at.selectbox(key="attention_head").options == [f"head {h}" for h in range(1, 5)]
    # The sentiment default has relative positions: no position vectors, a bias by offset instead,
    # and two more score matrices (the bias and the biased scores) than a run with position vectors.
    assert at.session_state["runs"][-1].config.model.positional == "relative"
    text = " ".join(m.value for m in at.markdown)
    assert "no position vector" in text and "offset" in text
    # the bias by offset, the six score matrices in one figure, the output; LayerNorm(x), Q K V, the
    # stepped head and all heads with the head view are folded and lazy
    assert len(at.get("plotly_chart")) == 3


def test_every_step_layers_heads_scaling_and_edge_cases():
    at = tiny_training(open_page(app(), "train"), "next-word", "transformer")
    at = open_page(at, "attention")
    no_errors(at)
    # positions, the four score matrices in one figure, output; LayerNorm(x), Q K V, the stepped head,
    # and all heads with the head view are folded and drawn only when open (lazy expanders)
    assert len(at.get("plotly_chart")) == 3
    scores = next(c for c in at.get("plotly_chart") if "softmax: each row sums to 1" in c.proto.spec)
    data = json.loads(scores.proto.spec)["data"]
    heatmaps = [t for t in data if t["type"] == "heatmap" and t.get("name") != "masked"]
    # values written in every cell: a colour bar only for the weights, whose colours compare across sentences
    assert len(heatmaps) == 4 and [t["showscale"] for t in heatmaps] == [False, False, False, True]
    masked = [t for t in data if t.get("name") == "masked"]  # whole grey cells over the causal mask's
    assert len(masked) == 2 and all(t["type"] == "heatmap" and not t["showscale"] for t in masked)
    assert at.slider(key="attention_threshold").value == 0.15  # folded, its widgets are still drawn
    at.session_state["attention_qkv_open"] = True  # what unfolding them in the browser sets
    at.session_state["attention_normed_open"] = True
    at.session_state["attention_rows_open"] = True
    at.session_state["attention_all_open"] = True
    at.run()
    no_errors(at)
    charts = len(at.get("plotly_chart"))
    assert charts == 8 and any(
        '"Q: what each word looks for"' in c.proto.spec for c in at.get("plotly_chart")
    )
    at.selectbox(key="attention_layer").set_value(1).run()
    at.selectbox(key="attention_head").set_value(1).run()
    at.toggle(key="attention_unscaled").set_value(True).run()
    no_errors(at)
    assert len(at.get("plotly_chart")) == charts + 2
    text = " ".join(m.value for m in at.markdown)
    assert "Q = LayerNorm(x) W_q + b_q" in text  # what W_q multiplies, said and shown
    assert "extremely small gradients" in text and "3.2.1" in text  # Vaswani et al.'s own reason
    at.text_input(key="attention_text").input("dog").run()
    no_errors(at)
    at.text_input(key="attention_text").input("the dog " * 40).run()
    no_errors(at)
    assert "reads at most" in at.warning[0].value
    scores = next(c for c in at.get("plotly_chart") if "softmax: each row sums to 1" in c.proto.spec)
    data = json.loads(scores.proto.spec)["data"]
    heatmaps = [t for t in data if t["type"] == "heatmap" and t.get("name") != "masked"]
    assert all(t["showscale"] for t in heatmaps) and not any(t.get("texttemplate") for t in heatmaps)
    at.text_input(key="attention_text").input("").run()
    assert "at least one word" in at.info[0].value.lower()


def test_a_next_word_transformer_with_relative_positions_shows_only_the_offsets_it_uses():
    at = open_page(app(), "train")
    at.segmented_control(key="train_task").set_value("next-word").run()
    at.segmented_control(key="train_arch").set_value("transformer").run()
    at.selectbox(key="train_model_next-word_transformer_positional").set_value("relative").run()
    at = tiny_training(at, "next-word", "transformer")
    run = at.session_state["runs"][-1]
    assert run.config.model.positional == "relative" and run.status == "finished"
    at = open_page(at, "attention")
    no_errors(at)
    text = " ".join(m.value for m in at.markdown)
    assert "never looks at a later word" in text and "the word after" not in text
    offsets = at.get("plotly_chart")[0].proto.spec  # the bias chart comes first
    assert '"x":[-8,-7,-6,-5,-4,-3,-2,-1,0]' in offsets.replace(" ", "")


def test_pages_that_need_another_kind_of_model_offer_the_learners_own_runs():
    at = tiny_training(open_page(app(), "train"), "next-word", "lstm")
    at = tiny_training(at, "next-word", "transformer")  # now the active run
    lstm, transformer = at.session_state["runs"]
    at = open_page(at, "recurrence")
    no_errors(at)
    assert "no recurrence" in at.info[0].value
    at.button(key=f"recurrence_use_{lstm.id}").click().run()  # a click, not the sidebar: folded at 800 px
    no_errors(at)
    assert at.session_state["active_run_id"] == lstm.id
    assert not any("no recurrence" in i.value for i in at.info)
    at = open_page(at, "attention")
    assert "no attention" in at.info[0].value
    at.button(key=f"attention_use_{transformer.id}").click().run()
    no_errors(at)
    assert at.session_state["active_run_id"] == transformer.id and at.selectbox(key="attention_head")
    at = open_page(at, "gradients")
    no_errors(at)
    assert "no hidden state" in at.info[0].value  # a Transformer's gradients are ∂L/∂x_t: said so
    at.button(key=f"gradients_use_{lstm.id}").click().run()
    no_errors(at)
    assert not any("no hidden state" in i.value for i in at.info)
