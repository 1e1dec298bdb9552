"""A learner's runs: a copy handed on twice (a click stopped the script run that kept it) is kept once."""

from streamlit.testing.v1 import AppTest


def keep_the_same_run_twice():
    import streamlit as st

    from playground.config import default_config
    from playground.data.datasets import build_builtin
    from playground.run import create_run
    from ui.state import add_run, runs

    config = default_config("sentiment", "bow")
    config.data.num_sentences = 200
    run = create_run(config, build_builtin(config.data))
    add_run(run)
    add_run(run)  # as settle_runs does with a copy the stopped script run had already kept
    st.write(f"kept {len(runs())}: {[r.number for r in runs()]}")


def test_a_run_handed_on_twice_is_listed_once():
    app = AppTest.from_function(keep_the_same_run_twice, default_timeout=60).run()
    assert not app.exception
    assert app.markdown[0].value == "kept 1: [1]"
