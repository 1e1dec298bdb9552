"""Reading a learner's own files, with messages that say what to fix."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pandas as pd

# One limit, stated in the uploader's label: Streamlit's uploader (server.maxUploadSize = 10) counts
# 10 MB as 10,000,000 bytes (as 10 MiB only in browsers on Windows), so the library does too and
# refuses anything larger with this message, whatever the browser let through.
MAX_UPLOAD_BYTES = 10_000_000
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
MAX_CLASSES = 50
MAX_CLASS_NAME_CHARS = 100  # a label is a class's name, shown in charts and kept in the model file
MIN_EXAMPLES = 10
MAX_COLUMNS = 200


class UploadError(ValueError):
    """A file the playground cannot use; the message tells the learner what to change."""


@dataclass
class DecodedText:
    """Text decoded from an upload, with notes about how it was read."""

    text: str
    notes: list[str] = field(default_factory=list)


def decode_upload(raw: bytes, name: str = "file") -> DecodedText:
    """Decode uploaded bytes as UTF-8 (or UTF-16 with a BOM, or Latin-1), refusing binary files."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"{name} is {len(raw) / 1e6:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES / 1e6:g} MB. Upload a smaller part of it."
        )
    if not raw.strip():
        raise UploadError(f"{name} is empty. Upload a file with some text in it.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return DecodedText(raw.decode("utf-16"), [f"{name} was read as UTF-16."])
        except UnicodeDecodeError:
            raise UploadError(
                f"{name} starts like UTF-16 but is not valid UTF-16. "
                "Save it as UTF-8 text and upload it again."
            ) from None
    # The whole file, not a sample: binary data after plain text must not be read as Latin-1.
    control = len(raw) - len(raw.translate(None, _CONTROL_BYTES))  # counted in C, ~10 ms for 10 MB
    if b"\x00" in raw or control > len(raw) * 0.01:
        raise UploadError(
            f"{name} looks like a binary file, not text. Upload plain text (.txt or .csv saved as UTF-8)."
        )
    try:
        return DecodedText(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        # Latin-1 reads any bytes; bytes 0x80-0x9F are control characters in it, rare in text written
        # in Latin-1 (or Windows-1252's quotes) and a quarter of random bytes above 0x7F
        text = raw.decode("latin-1")
        if sum(1 for c in text if "\x80" <= c <= "\x9f") > len(text) * 0.05:
            raise UploadError(
                f"{name} looks like a binary file, not text. Upload plain text (.txt or .csv saved as UTF-8)."
            ) from None
        return DecodedText(
            text,
            [
                f"{name} is not UTF-8, so it was read as Latin-1: check that accented "
                "letters look right, or save it as UTF-8."
            ],
        )


def read_text_corpus(raw: bytes, name: str = "file") -> tuple[list[str], list[str]]:
    """The non-empty lines of an uploaded .txt file, and notes on how it was read."""
    decoded = decode_upload(raw, name)
    return text_lines(decoded.text, name), decoded.notes


def text_lines(text: str, name: str = "file") -> list[str]:
    """The non-empty lines of a text, stripped; refuses a text of blank lines only."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise UploadError(f"{name} has no text, only blank lines. Upload a file with sentences.")
    return lines


MIN_LINES = 10  # with fewer, one line per example leaves nothing to hold out


def check_lines_to_split(lines: list[str], name: str = "file") -> None:
    """Refuse a .txt read one example per line that has too few lines to hold any out."""
    if len(lines) < MIN_LINES:
        count = "one line" if len(lines) == 1 else f"{len(lines)} lines"
        raise UploadError(
            f"{name} has {count}. Read one example per line, training, validation and test "
            "would be the same text. Set “Text is” (under Tokens and sequence length) to one "
            f"long text, which holds out the end of the text instead, or upload at least "
            f"{MIN_LINES} lines."
        )


def read_table(raw: bytes, name: str = "file") -> tuple[pd.DataFrame, list[str]]:
    """An uploaded .csv as a table of strings, and notes on how it was read."""
    decoded = decode_upload(raw, name)
    try:
        dialect = csv.Sniffer().sniff(decoded.text[:4096], delimiters=",;\t")
        separator = dialect.delimiter
    except csv.Error:
        separator = ","
    try:
        table = pd.read_csv(
            io.StringIO(decoded.text), sep=separator, dtype=str, keep_default_na=False, on_bad_lines="error"
        )
    except pd.errors.ParserError as error:
        first_line = str(error).splitlines()[0][:200]
        raise UploadError(
            f"{name} is not a well-formed CSV ({first_line}). Make every row have "
            "the same number of columns, and quote text that contains commas."
        ) from None
    except pd.errors.EmptyDataError:
        raise UploadError(
            f"{name} has no columns. The first line should name the columns, e.g. text,label."
        ) from None
    if table.shape[1] > MAX_COLUMNS:
        raise UploadError(f"{name} has {table.shape[1]} columns; at most {MAX_COLUMNS} are allowed.")
    duplicated = [c for c in table.columns if "." in str(c) and str(c).rsplit(".", 1)[0] in table.columns]
    notes = list(decoded.notes)
    if duplicated:
        renamed = ", ".join(map(str, duplicated))
        notes.append(f"{name} repeats column names; the copies were renamed ({renamed}).")
    if table.empty:
        raise UploadError(f"{name} has a header but no rows. Add one row per example below it.")
    if table.shape[1] < 2:
        raise UploadError(
            f"{name} has one column; it needs a text column and a label column. "
            "If the file uses ';' or tabs between columns, that is fine: check the header."
        )
    return table, notes


def labelled_texts(
    table: pd.DataFrame, text_column: str, label_column: str
) -> tuple[list[str], list[str], list[str]]:
    """Texts and their labels from two chosen columns, and notes on dropped rows."""
    if text_column not in table.columns or label_column not in table.columns:
        raise UploadError("Pick a text column and a label column from the file's header.")
    if text_column == label_column:
        raise UploadError("The text column and the label column must be different columns.")
    texts = table[text_column].astype(str).str.strip()
    labels = table[label_column].astype(str).str.strip()
    keep = (texts != "") & (labels != "")
    notes = []
    if (~keep).sum():
        notes.append(f"{int((~keep).sum())} rows with an empty text or label were skipped.")
    texts, labels = texts[keep].tolist(), labels[keep].tolist()
    classes = sorted(set(labels))
    skipped = "".join(f" {note}" for note in notes)  # the reason a class or rows went missing, if so
    if len(texts) < MIN_EXAMPLES:
        raise UploadError(
            f"Only {len(texts)} usable rows; at least {MIN_EXAMPLES} are needed to train and validate."
            + skipped
        )
    if len(classes) < 2:
        raise UploadError(
            f"The label column '{label_column}' has one class only "
            f"({classes[0][:40]!r}); a classifier needs at least two." + skipped
        )
    if long := [c for c in classes if len(c) > MAX_CLASS_NAME_CHARS]:
        raise UploadError(
            f"The label column '{label_column}' has a label of {len(long[0]):,} characters "
            f"({long[0][:40]!r}…); a label names a class, in at most {MAX_CLASS_NAME_CHARS} "
            "characters. Is it the right column?"
        )
    if len(classes) > MAX_CLASSES:
        raise UploadError(
            f"The label column '{label_column}' has {len(classes)} different values; "
            f"at most {MAX_CLASSES} classes are supported. Is it the right column?"
        )
    return texts, labels, notes
