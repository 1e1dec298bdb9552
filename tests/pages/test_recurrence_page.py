"""The 'Inside the recurrence' page under AppTest."""

import re

from tests.pages.test_pages import app, no_errors, open_page, tiny_training


def test_without_a_model_it_offers_to_train_one():
    at = open_page(app(), "recurrence")
    no_errors(at)
    assert "no trained model" in at.info[0].value


def test_a_transformer_run_is_sent_to_a_recurrent_one():
    at = tiny_training(open_page(app(), "train"), "sentiment", "transformer")
    at = open_page(at, "recurrence")
    no_errors(at)
    assert "no recurrence" in at.info[0].value
    at.button(key="recurrence_train_rnn").click().run()
    no_errors(at)
    assert at.session_state["runs"][-1].config.model.arch == "rnn"
    equations = " ".join(e.value for e in at.latex)
    assert r"h_t = \tanh(W_{hh}" in equations and r"\sigma" not in equations
    assert "h_T" in equations  # a classifier reads its output once, from the last state
    assert at.slider(key="recurrence_step").value >= 1


def test_stepping_layers_gates_and_features():
    at = open_page(app(), "train")
    at.segmented_control(key="train_arch").set_value("lstm").run()
    at.number_input(key="train_model_next-word_lstm_num_layers").set_value(2).run()
    at = tiny_training(at, "next-word", "lstm")
    at = open_page(at, "recurrence")
    no_errors(at)
    equations = " ".join(e.value for e in at.latex)
    assert r"f_t = \sigma" in equations and r"\tanh(W_{hh}" not in equations  # the LSTM's own cell
    steps = at.slider(key="recurrence_step")
    assert steps.value == 1
    at.button(key="recurrence_forward").click().run()
    at.button(key="recurrence_forward").click().run()
    assert at.slider(key="recurrence_step").value == 3
    at.button(key="recurrence_back").click().run()
    assert at.slider(key="recurrence_step").value == 2
    assert not any(s.value.startswith("Step ") for s in at.subheader)  # folded: its charts are not drawn
    charts = len(at.get("plotly_chart"))
    at.session_state["recurrence_detail"] = True  # what unfolding it in the browser sets
    at.run()
    no_errors(at)
    assert any(s.value.startswith("Step 2: reading") for s in at.subheader)
    assert len(at.get("plotly_chart")) == charts + 4  # the diagram, x_t, y_t and the step's arithmetic
    at.segmented_control(key="recurrence_layer").set_value(1).run()
    no_errors(at)
    assert [len(tab.get("plotly_chart")) for tab in at.tabs] == [0] * 6  # the states are folded
    charts = len(at.get("plotly_chart"))
    for folded in ("recurrence_states_open", "recurrence_units_open", "recurrence_criteria_open"):
        at.session_state[folded] = True
    at.run()
    no_errors(at)
    # the open tab's heatmap, the chosen units, the best unit and the first word's influence
    assert len(at.get("plotly_chart")) == charts + 4
    assert [len(tab.get("plotly_chart")) for tab in at.tabs] == [1, 0, 0, 0, 0, 0]  # only the open tab's
    at.session_state["recurrence_state_tab"] = "forget f_t"
    at.run()
    no_errors(at)
    assert [len(tab.get("plotly_chart")) for tab in at.tabs] == [0, 0, 1, 0, 0, 0]
    assert [t.label for t in at.tabs] == [
        "hidden h_t",
        "cell c_t",
        "forget f_t",
        "input i_t",
        "output o_t",
        "candidate g_t",
    ]
    at.selectbox(key="recurrence_feature").set_value("the subject is plural").run()
    no_errors(at)
    at.toggle(key="recurrence_cell").set_value(True).run()
    no_errors(at)
    titles = [c.proto.spec for c in at.get("plotly_chart") if "on your sentence (r = " in c.proto.spec]
    # its r is the table's, over many sentences: said so (it read as this sentence's own r)
    assert titles and re.search(r"on your sentence \(r = -?[0-9.]+ over [0-9]+ sentences\)", titles[0])


def test_unknown_words_and_a_long_sentence():
    at = tiny_training(open_page(app(), "train"), "sentiment", "rnn")
    at = open_page(at, "recurrence")
    at.text_input(key="recurrence_text").input("qqq zzz www").run()
    no_errors(at)
    assert "qqq" in at.warning[0].value
    at.text_input(key="recurrence_text").input("good " * 80).run()
    no_errors(at)
    assert any("Only the first" in w.value for w in at.warning)
    at.text_input(key="recurrence_text").input("").run()
    no_errors(at)
    assert "at least one word" in at.info[0].value.lower()


def test_an_empty_sentence_on_a_next_word_model_shows_the_start_alone():
    """A next-word model reads "<bos>" first, so an empty box still has a step to show (and no loss)."""
    at = tiny_training(open_page(app(), "train"), "next-word", "lstm")
    at = open_page(at, "recurrence")
    for text in ("", "   "):
        at.text_input(key="recurrence_text").input(text).run()
        no_errors(at)


def test_a_step_past_the_sentence_says_which_step_it_shows():
    at = tiny_training(open_page(app(), "train"), "sentiment", "lstm")
    at.session_state["recurrence_step"] = 400  # what a link's step=400 sets, before the page draws
    at = open_page(at, "recurrence")
    no_errors(at)
    count = int(at.slider(key="recurrence_step").max)
    assert at.slider(key="recurrence_step").value == count
    assert any(
        f"Step 400 is past this sentence's last step: showing step {count}." in c.value for c in at.caption
    )
