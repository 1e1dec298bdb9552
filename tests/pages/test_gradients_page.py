"""The 'Backprop through time' page under AppTest."""

import json

from tests.pages.test_pages import app, no_errors, open_page, tiny_training


def test_without_a_model_it_offers_to_train_one():
    at = open_page(app(), "gradients")
    no_errors(at)
    assert "no trained model" in at.info[0].value


def test_runs_overlay_sandbox_overflow_and_the_exploding_preset():
    at = tiny_training(open_page(app(), "train"), "sentiment", "rnn")
    at = tiny_training(at, "sentiment", "transformer")
    at = open_page(at, "gradients")
    no_errors(at)
    runs = at.session_state["runs"]
    active = at.session_state["active_run_id"]
    at.multiselect(key="gradients_others").set_value([r.id for r in runs if r.id != active]).run()
    no_errors(at)
    assert at.radio(key="gradients_quantity").value == "input"  # a Transformer has no h_t
    assert len(at.get("plotly_chart")) == 5  # overlay, probe heatmap, parameters, global norm, sandbox
    at.slider(key="gradients_rho").set_value(10.0).run()
    at.selectbox(key="gradients_activation").set_value("relu").run()
    at.slider(key="gradients_length").set_value(200).run()
    no_errors(at)
    assert "largest float32 number" in at.warning[0].value
    assert any("computed up to" in c.value for c in at.caption)  # the finite part is still shown
    at.selectbox(key="gradients_activation").set_value("tanh").run()
    at.slider(key="gradients_rho").set_value(1.2).run()
    at.slider(key="gradients_length").set_value(50).run()
    no_errors(at)
    assert not at.warning  # tanh never overflows
    sandbox = next(c.value for c in at.caption if c.value.startswith("After 49 steps back"))
    assert "against ρ = 1.2" in sandbox and "linear cell gives" in sandbox
    active, before = at.session_state["active_run_id"], len(at.session_state["runs"])
    at.button(key="gradients_explode").click().run()
    assert not at.exception
    assert at.session_state["active_run_id"] == active  # the pair does not replace the learner's model
    assert len(at.session_state["runs"]) == before + 2
    assert "no clipping \\(demo\\)" in at.error[0].value and "The loss rose from" in at.error[0].value
    assert "clipped at 0\\.1 \\(demo\\)" in at.success[0].value and "scaled down at" in at.success[0].value
    chart = next(c for c in at.get("plotly_chart") if '"Training loss"' in c.proto.spec)
    colors = [trace["line"]["color"] for trace in json.loads(chart.proto.spec)["data"]]
    assert colors == ["#d62728", "#2ca02c"]  # red as the box that says it blew up, green as "trained"
    pair = [r.uid for r in at.session_state["runs"][-2:]]
    assert at.button(key="gradients_explode").label == "Train both again (they replace these two)"
    at.button(key="gradients_explode").click().run()  # review 20: each press added two more copies
    assert not at.exception
    assert len(at.session_state["runs"]) == before + 2
    assert not {r.uid for r in at.session_state["runs"]} & set(pair)


def test_next_word_loss_choice_and_an_empty_sentence():
    at = tiny_training(open_page(app(), "train"), "next-word", "lstm")
    at = open_page(at, "gradients")
    at.radio(key="gradients_loss").set_value("sum").run()
    no_errors(at)
    at.text_input(key="gradients_text").input("").run()
    no_errors(at)
    assert "at least one word" in at.info[0].value.lower()


def test_the_chart_follows_the_active_run_not_an_earlier_choice():
    """The comparison box kept the first run it held while the learner picked another in the sidebar,
    so the line was one run's and the note under it another's (found by a review)."""
    import json

    at = tiny_training(open_page(app(), "train"), "sentiment", "lstm")
    at = tiny_training(at, "sentiment", "rnn")
    lstm, rnn = at.session_state["runs"]
    at = open_page(at, "gradients")
    no_errors(at)

    def lines() -> list[str]:
        chart = next(c for c in at.get("plotly_chart") if "at each step (log scale)" in c.proto.spec)
        return [trace["name"] for trace in json.loads(chart.proto.spec)["data"] if trace.get("name")]

    assert lines() == [rnn.name]
    at.selectbox(key="active_run_picker").set_value(lstm.id).run()
    no_errors(at)
    assert lines() == [lstm.name]
    assert any("Recordings of \\#1 LSTM" in c.value for c in at.caption)
    at.multiselect(key="gradients_others").set_value([rnn.id]).run()
    assert lines() == [lstm.name, rnn.name]


def test_an_untouched_sentence_follows_the_model_and_a_typed_one_stays():
    """A sentiment model was shown the toy language's default sentence, most of it <unk>, after the
    learner switched runs (found by a review)."""
    at = tiny_training(open_page(app(), "train"), "sentiment", "rnn")
    at = tiny_training(at, "next-word", "rnn")
    sentiment, next_word = at.session_state["runs"]
    at = open_page(at, "gradients")
    box = at.text_input(key="gradients_text")
    next_word_default = box.value
    assert next_word_default and not next_word.vocab.unknown_tokens(next_word_default)
    at.selectbox(key="active_run_picker").set_value(sentiment.id).run()
    no_errors(at)
    sentiment_default = at.text_input(key="gradients_text").value
    assert sentiment_default != next_word_default
    assert not sentiment.vocab.unknown_tokens(sentiment_default)
    assert not [w for w in at.warning if "Not in this model's vocabulary" in w.value]
    at.text_input(key="gradients_text").input("the film was great").run()
    at.selectbox(key="active_run_picker").set_value(next_word.id).run()
    assert at.text_input(key="gradients_text").value == "the film was great"  # typed: kept
    assert any("Not in this model's vocabulary" in w.value for w in at.warning)


def test_back_on_a_recurrent_run_the_chart_shows_h_t_again():
    """Review 19: from a Transformer (∂L/∂x_t forced) to an RNN, the chart stayed on x_t while the
    equations above it and the note under it spoke of h_t."""
    at = tiny_training(open_page(app(), "train"), "next-word", "rnn")
    at = tiny_training(at, "next-word", "transformer")
    rnn, _ = at.session_state["runs"]
    at = open_page(at, "gradients")
    no_errors(at)
    assert at.radio(key="gradients_quantity").value == "input"
    at.selectbox(key="active_run_picker").set_value(rnn.id).run()
    no_errors(at)
    assert at.radio(key="gradients_quantity").value == "hidden"
    titles = [
        json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")
    ]
    assert any(t.startswith("‖∂L/∂h_t‖ at each step") for t in titles), titles
    at.radio(key="gradients_quantity").set_value("input").run()  # the learner's own choice is kept
    at.text_input(key="gradients_text").input("the dogs near the cat are happy").run()
    no_errors(at)
    assert at.radio(key="gradients_quantity").value == "input"


def test_use_one_of_your_runs_offers_runs_that_learned_first(small_sentiment):
    """Review 20: the three newest RNNs were offered, two of them Backprop's SGD demo runs (one worse
    than a guess), and not the learner's good RNN."""
    import copy

    from streamlit.testing.v1 import AppTest

    from playground.run import create_run
    from tests.pages.test_pages import APP

    config, data = small_sentiment
    made = []
    for arch, accuracy in (("rnn", 0.9), ("rnn", 0.45), ("rnn", 0.5), ("rnn", 0.47), ("bow", 0.9)):
        run_config = copy.deepcopy(config)
        run_config.model.arch = arch
        run = create_run(run_config, data)
        run.status, run.number = "finished", len(made) + 1
        run.baseline, run.metrics = {"accuracy": 0.486, "loss": 0.69}, {"test_accuracy": accuracy}
        made.append(run)
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["runs"] = made
    at = open_page(at.run(), "gradients")  # a bag of words active: "Use one of your runs"
    offered = [b.key for b in at.button if b.key and b.key.startswith("gradients_use_")]
    assert offered == [f"gradients_use_{made[i].id}" for i in (0, 3, 2)]  # the good RNN first
