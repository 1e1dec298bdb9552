"""The escaping functions: text from strangers stays text in Markdown and in Plotly."""

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from playground.text import (
    WORD_JOINER,
    capitalized,
    escape_markdown,
    escape_plotly,
    isolated,
    visible_characters,
)

AUTOLINK = re.compile(r"(?i)www\.|(?:https?|mailto|xmpp):|[\w.+-]@|@[\w-]")  # what GFM links


@given(
    st.lists(
        st.sampled_from(list("aw.:/@ <>*_[]()$`&%{}#!-\\\n") + ["www", "http", "mailto", "material"]),
        max_size=40,
    ).map("".join)
)
def test_escaped_markdown_has_no_live_syntax_and_no_autolink(text):
    escaped = escape_markdown(text)
    # every Markdown/HTML special character is backslash-escaped ...
    assert re.search(r"(?<!\\)[\[\]()<>*_`$&#!{}]", escaped.replace("\\\\", "")) is None
    # ... and with the escapes resolved (as the autolink finder sees the text) no autolink is left
    assert AUTOLINK.search(re.sub(r"\\(.)", r"\1", escaped)) is None
    # nor an icon or emoji shortcode (":material/home:", ":smile:"): Streamlit draws those after the escapes
    assert re.search(r":[\w/]", re.sub(r"\\(.)", r"\1", escaped)) is None
    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "") == text.replace("\n", " ")[:300] + (
        "…" if len(text) > 300 else ""
    )


@given(st.text(max_size=80))
def test_escaped_plotly_text_has_no_tags_templates_or_formulas(text):
    escaped = escape_plotly(text)
    assert not set("<>$%{}") & set(escaped)
    assert re.search(r"&(?!amp;|lt;|gt;|#\d+;)", escaped) is None
    assert html.unescape(escaped) == isolated(visible_characters(text))


@given(st.text(alphabet="abc ,.“”بالعمשלו", max_size=30))
def test_right_to_left_text_is_isolated_so_it_cannot_reorder_what_is_around_it(text):
    """In “بالعالم”, the Arabic took the closing quote into its own run and the line read ”بالعالم“."""
    rtl = any(c in "بالعمשלו" for c in text)
    for escaped in (escape_markdown(text), escape_plotly(text)):
        assert escaped.startswith("\u2068") == escaped.endswith("\u2069") == rtl
        assert escaped.count("\u2068") == escaped.count("\u2069") == int(rtl)  # one isolate, closed


def test_a_continuation_shows_the_prompts_end_and_says_when_the_model_wrote_nothing():
    from ui.sentences import PROMPT_SHOWN, continuation_line

    assert continuation_line(1, "<b>x</b>", "") == "1. \\<b\\>x\\</b\\> *(the model ends the sentence here)*"
    long = "the cat " * 40 + "sees the dog "
    line = continuation_line(2, long, "runs")
    assert line.startswith("2. …") and line.endswith("the dog **runs**")  # what the model continues
    assert len(line) < PROMPT_SHOWN + 40


def test_a_probability_is_never_shown_as_a_false_certainty():
    from playground.text import percent

    assert percent(0.9999) == ">99.9%" and percent(1e-5) == "<0.1%"
    assert percent(1.0) == "100.0%" and percent(0.0) == "0.0%" and percent(0.526) == "52.6%"


def test_icon_shortcodes_are_shown_as_typed():
    """Review 21: ":material/home:" typed on Task shapes was drawn as a house."""
    for typed in (":material/home:", ":smile:", ":red[red]"):
        shown = re.sub(r"\\(.)", r"\1", escape_markdown(typed)).replace(WORD_JOINER, "")
        assert shown == typed and ":" + WORD_JOINER in escape_markdown(typed)


@given(st.text(max_size=40))
def test_capitalized_changes_only_the_first_letter(text):
    """str.capitalize lowercased the learner's words after the first, and found no letter after a
    bidi isolate (review 21: "this translator never saw: הסרט")."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if not letters:
        assert capitalized(text) == text
    else:
        i = letters[0]
        assert capitalized(text) == text[:i] + text[i].upper() + text[i + 1 :]


def test_a_message_about_right_to_left_words_starts_with_a_capital():
    message = escape_markdown("this translator never saw: הסרט, Hello")
    assert capitalized(message) == message.replace("this", "This", 1)  # "Hello" keeps its capital
