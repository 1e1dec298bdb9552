"""Uploads: every bad file gets a message that says what to fix; good ones load."""

import pytest

from playground.data.uploads import (
    MAX_UPLOAD_BYTES,
    UploadError,
    decode_upload,
    labelled_texts,
    read_table,
    read_text_corpus,
)


def test_plain_utf8_text_lines():
    lines, notes = read_text_corpus(b"first line\n\n  second line  \n", "a.txt")
    assert lines == ["first line", "second line"] and notes == []


def test_latin1_and_utf16_are_read_with_a_note():
    text = "café crème"
    decoded = decode_upload(text.encode("latin-1"), "f.txt")
    assert decoded.text == text and "Latin-1" in decoded.notes[0]
    decoded = decode_upload(text.encode("utf-16"), "f.txt")
    assert decoded.text == text and "UTF-16" in decoded.notes[0]


@pytest.mark.parametrize(
    "raw,words",
    [
        (b"", "empty"),
        (b"   \n\n ", "empty"),
        (bytes(range(256)) * 4, "binary"),
        (bytes(range(128, 256)) * 8, "binary"),  # no control byte below 0x20: was read as Latin-1
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "limit"),
    ],
)
def test_unusable_files_are_refused_with_advice(raw, words):
    with pytest.raises(UploadError, match=words):
        read_text_corpus(raw, "f.txt")


def test_csv_with_text_and_labels():
    table, _ = read_table(b"text,label\n" + b"good film,pos\nbad film,neg\n" * 10, "r.csv")
    texts, labels, notes = labelled_texts(table, "text", "label")
    assert len(texts) == 20 and set(labels) == {"pos", "neg"} and notes == []


def test_semicolon_csv_and_skipped_rows():
    raw = b"review;stars\n" + b"nice;5\nawful;1\n" * 6 + b";3\n"
    table, _ = read_table(raw, "r.csv")
    texts, labels, notes = labelled_texts(table, "review", "stars")
    assert len(texts) == 12 and "1 rows" in notes[0]


@pytest.mark.parametrize(
    "raw,words",
    [
        (b"text,label\n", "no rows"),
        (b"text,label\na,b\nc,d,e,f\n", "same number of columns"),
        (b"justonecolumn\nabc\n", "one column"),
    ],
)
def test_malformed_tables(raw, words):
    with pytest.raises(UploadError, match=words):
        read_table(raw, "r.csv")


def test_duplicate_columns_are_renamed_with_a_note():
    table, notes = read_table(b"text,text,label\na,b,c\n", "r.csv")
    assert len(set(table.columns)) == 3 and "repeats" in notes[0]


@pytest.mark.parametrize(
    "rows,words",
    [
        ([("text", "same")] * 20, "one class"),
        ([(f"t{i}", f"c{i}") for i in range(100)], "at most"),
        ([(f"t{i}", f"c{i}") for i in range(100_000)], "100000 different values"),
        ([("a", "x"), ("b", "y")], "at least"),
        ([(f"t{i}", "positive " + "p" * 150 if i % 2 else "neg") for i in range(20)], "159 characters"),
    ],
)
def test_label_problems(rows, words):
    raw = ("text,label\n" + "\n".join(f"{t},{y}" for t, y in rows)).encode()
    table, _ = read_table(raw, "r.csv")
    with pytest.raises(UploadError, match=words):
        labelled_texts(table, "text", "label")


def test_same_column_for_text_and_label():
    table, _ = read_table(b"text,label\na,b\n", "r.csv")
    with pytest.raises(UploadError, match="different"):
        labelled_texts(table, "text", "text")


def test_binary_data_after_the_first_64_kb_is_still_found():
    raw = b"a perfectly normal line of text\n" * 3000 + bytes(range(256)) * 40
    assert len(raw) > 65_536 + 1000
    with pytest.raises(UploadError, match="binary"):
        decode_upload(raw, "f.txt")


def test_one_upload_limit_stated_in_decimal_megabytes():
    assert MAX_UPLOAD_BYTES == 10_000_000  # what Streamlit's uploader calls 10 MB
    with pytest.raises(UploadError, match="is 10.0 MB; the limit is 10 MB"):
        decode_upload(b"x" * (MAX_UPLOAD_BYTES + 1), "f.txt")
    assert len(decode_upload(b"x" * MAX_UPLOAD_BYTES, "f.txt").text) == MAX_UPLOAD_BYTES


def test_too_few_lines_to_hold_any_out_are_refused_with_the_way_out():
    from playground.data.uploads import MIN_LINES, check_lines_to_split

    with pytest.raises(UploadError, match="two.txt has 2 lines.*one long text"):
        check_lines_to_split(["the cat sat", "on the mat"], "two.txt")
    check_lines_to_split(["a line"] * MIN_LINES, "ten.txt")


def test_a_class_lost_to_empty_labels_is_explained_in_the_refusal():
    rows = b"".join(b"good film,pos\nbad film,\n" for _ in range(10))
    table, _ = read_table(b"text,label\n" + rows, "r.csv")
    with pytest.raises(UploadError, match="one class only.*10 rows with an empty text or label were skipped"):
        labelled_texts(table, "text", "label")


@pytest.mark.parametrize("task", ["sentiment", "next-word"])
def test_a_model_trained_on_any_upload_it_accepts_saves_and_loads_back(task, tmp_path):
    """Whatever an upload holds, the app's own model file of it loads back: a word of 250 letters
    was kept as a token the file's schema refuses, so the run crashed after training and was lost."""
    from playground.api import load_model, save_model, train_model
    from playground.config import default_config

    long_word = "x" * 250
    if task == "sentiment":
        path = tmp_path / "reviews.csv"
        rows = [f"the {long_word} film {i} was good,{'pos' if i % 2 else 'neg'}" for i in range(40)]
        path.write_text("text,label\n" + "\n".join(rows))
    else:
        path = tmp_path / "lines.txt"
        path.write_text("\n".join(f"the {long_word} cat sat {i}" for i in range(200)))
    config = default_config(task, "bow")
    config.data.source, config.train.epochs = "upload", 1
    run = train_model(config, data=path, device="cpu")
    assert long_word not in run.vocab and ("cat" in run.vocab or "film" in run.vocab)
    loaded = load_model(save_model(run, tmp_path / "m.safetensors"))
    assert loaded.vocab.tokens == run.vocab.tokens


def test_words_too_long_to_be_words_read_as_unknown_with_a_note(tmp_path):
    from playground.api import load_data
    from playground.config import default_config

    path = tmp_path / "lines.txt"
    path.write_text("\n".join(f"see {'ab' * 150} or {'cd' * 101} now" for _ in range(50)))
    config = default_config("next-word", "bow")
    config.data.source = "upload"
    data, notes = load_data(config, path)
    assert data.vocab.too_long == 2 and "see" in data.vocab
    assert any("2 tokens are longer than 200 characters" in n and "<unk>" in n for n in notes)
