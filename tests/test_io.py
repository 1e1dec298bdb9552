"""Model files: save -> load gives identical logits; every malformed file is refused, none unpickled."""

import copy
import io
import json
import os
import pickle
import struct

import pytest
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from playground.io import ModelFileError, load_run, save_run
from playground.run import create_run
from playground.train import train_run
from tests.conftest import with_training


@pytest.fixture(scope="module")
def saved(small_sentiment):
    config, data = small_sentiment
    run = train_run(create_run(with_training(config, epochs=1), data), data)
    return run, save_run(run)


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "bow"])
def test_save_then_load_gives_identical_logits(small_next_word, arch):
    config, data = small_next_word
    config = with_training(config, max_steps=3)
    config.model.arch = arch
    run = train_run(create_run(config, data), data)
    loaded = load_run(save_run(run))
    tokens = torch.tensor([[2, 5, 6, 7, 8]])
    with torch.no_grad():
        assert torch.equal(run.model(tokens).logits, loaded.model(tokens).logits)
    assert loaded.vocab.tokens == run.vocab.tokens and loaded.config == run.config
    assert loaded.history["loss"].tolist() == run.history["loss"].tolist()


def header_of(raw: bytes) -> dict:
    (size,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + size])


def with_header(raw: bytes, header: dict) -> bytes:
    (size,) = struct.unpack("<Q", raw[:8])
    body = json.dumps(header).encode()
    return struct.pack("<Q", len(body)) + body + raw[8 + size :]


class WritesAFile:
    def __reduce__(self):
        return (open, ("/tmp/playground-pickle-ran", "w"))


def test_a_pickle_is_refused_and_never_run(tmp_path):
    marker = "/tmp/playground-pickle-ran"
    if os.path.exists(marker):
        os.remove(marker)
    for raw in (pickle.dumps(WritesAFile()), _torch_save(WritesAFile())):
        with pytest.raises(ModelFileError, match="pickle"):
            load_run(raw)
    assert not os.path.exists(marker)


def _torch_save(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save({"weights": torch.zeros(1), "trap": obj}, buffer)  # a .pt file (zip of pickles)
    return buffer.getvalue()


def test_malformed_files_are_refused_with_a_reason(saved):
    run, raw = saved
    header = header_of(raw)
    meta = json.loads(header["__metadata__"]["playground"])
    cases = {
        "short": (b"abc", "too short"),
        "renamed text": (b"hello, this is just some text in a file that was renamed", "header"),
        # review 19: these two gave "The file's header says it is 17,249,189,135,439,520,099 bytes long"
        "latin-1 text": (
            "Café crème, très bien. Ça va? Señor Müller aß Käse.\n".encode("latin-1") * 4,
            "text file",
        ),
        "random bytes": (bytes(range(256)) * 64, "not a .safetensors model file"),
        "truncated": (raw[: len(raw) // 2], "truncated"),
        "header bigger than the file": (struct.pack("<Q", len(raw) * 2) + raw[8:], "truncated"),
        "not ours": (save_tensors({"w": torch.zeros(2)}), "not saved by Sequence Playground"),
    }
    huge = meta["vocabulary"]["tokens"] + ["x"] * 30_000
    bad = dict(meta, vocabulary=dict(meta["vocabulary"], tokens=huge))
    cases["huge vocabulary"] = (
        with_header(raw, dict(header, __metadata__={"playground": json.dumps(bad)})),
        "tokens",
    )
    bounds = dict(meta, config=dict(meta["config"], model=dict(meta["config"]["model"], hidden_dim=10**9)))
    cases["out of bounds"] = (
        with_header(raw, dict(header, __metadata__={"playground": json.dumps(bounds)})),
        "out of bounds",
    )
    for metric, value in (("test_accuracy", 1e300), ("val_accuracy", -5.0), ("val_loss", -1.0)):
        impossible = dict(meta, metrics=dict(meta["metrics"], **{metric: value}))
        cases[f"{metric} {value}"] = (
            with_header(raw, dict(header, __metadata__={"playground": json.dumps(impossible)})),
            metric,
        )
    name = next(n for n in header if n.endswith("weight_hh_l0"))
    shapes = dict(header, **{name: dict(header[name], shape=[3, 3])})
    cases["wrong shape"] = (with_header(raw, shapes), "wrong shape")
    shorter = dict(meta, vocabulary=dict(meta["vocabulary"], tokens=meta["vocabulary"]["tokens"][:-3]))
    cases["vocabulary edited"] = (  # names the vocabulary, not only an internal tensor
        with_header(raw, dict(header, __metadata__={"playground": json.dumps(shorter)})),
        f"its vocabulary of {len(meta['vocabulary']['tokens']) - 3:,} tokens",
    )
    snapshot = next(n for n in header if n.startswith("__snapshot__."))
    cases["snapshot edited"] = (  # review 20: named as the internal "__snapshot__.0"
        with_header(raw, dict(header, **{snapshot: dict(header[snapshot], shape=[2, 2])})),
        "The tensor 'embedding snapshot 1' has the wrong shape",
    )
    for file, words in cases.values():
        with pytest.raises(ModelFileError, match=words):
            load_run(file)
    with pytest.raises(ModelFileError) as refused:
        load_run(cases["out of bounds"][0])
    assert str(refused.value).endswith(
        "Hidden size must be at most 1024."
    )  # not "; using the default 64": refused


def test_nan_weights_are_refused(saved):
    run, raw = saved
    tensors = load_tensors(raw)  # the weights, snapshots and gradient probes
    tensors[next(iter(run.model.state_dict()))][0] = float("nan")
    header = header_of(raw)
    raw = save_tensors(tensors, metadata=header["__metadata__"])
    with pytest.raises(ModelFileError, match="NaN"):
        load_run(raw)


def test_a_header_length_that_starts_like_a_pickle_still_loads(saved):
    run = copy.copy(saved[0])
    for padding in range(256):  # find a header whose length's first byte is 0x80, a pickle's first byte
        run.data_description = "x" * padding
        raw = save_run(run)
        if raw[:1] == b"\x80":
            break
    assert raw[:1] == b"\x80"
    assert load_run(raw).data_description == ("x" * padding)[:200]  # descriptions are cut to 200


def test_a_zip_file_and_a_configuration_that_is_not_an_object_get_their_own_messages(saved):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ModelFileError, match="zip archive, not a model file"):
        load_run(buffer.getvalue())
    run, raw = saved
    header = header_of(raw)
    meta = json.loads(header["__metadata__"]["playground"])
    for config in ([1, 2], "model", dict(meta["config"], model=[3])):
        bad = dict(meta, config=config)
        with pytest.raises(ModelFileError, match="configuration is missing or not a JSON object"):
            load_run(with_header(raw, dict(header, __metadata__={"playground": json.dumps(bad)})))


def test_the_largest_model_file_the_app_writes_is_one_its_uploaders_take(tmp_path):
    """A model at the parameter limit, its embedding nearly all of it, with the two embedding
    snapshots every run keeps: its file is within the loader's limit, the Runs page's uploader
    takes files that size, and the server lets them through (an 11.7 MB file hit a 10 MB limit)."""
    import tomllib
    from pathlib import Path

    from playground.api import load_data
    from playground.config import default_config
    from playground.io import MAX_FILE_BYTES
    from playground.run import MAX_PARAMETERS, EmbeddingSnapshot, count_model_parameters

    words = [f"w{i}" for i in range(13_000)]  # about 10,400 in the training split: embedding 480
    path = tmp_path / "many.csv"
    path.write_text("text,label\n" + "\n".join(f"{w},{'ab'[i % 2]}" for i, w in enumerate(words)))
    config = default_config("sentiment", "bow")
    config.data.source, config.data.max_vocab, config.data.min_count = "upload", 20_000, 1
    data, _ = load_data(config, path)
    config.model.embedding_dim = MAX_PARAMETERS // len(data.vocab) - 1
    assert 0.99 * MAX_PARAMETERS < count_model_parameters(config, data) <= MAX_PARAMETERS
    run = create_run(config, data)
    run.status = "finished"
    weights = run.model.embedding.weight.detach()
    run.snapshots = [EmbeddingSnapshot(0, 0, weights.clone()), EmbeddingSnapshot(1, 9, weights.clone())]
    raw = save_run(run)
    assert len(raw) <= MAX_FILE_BYTES
    assert load_run(raw).num_parameters == run.num_parameters

    root = Path(__file__).resolve().parents[1]
    server = tomllib.loads((root / ".streamlit" / "config.toml").read_text())["server"]
    assert server["maxUploadSize"] * 2**20 >= MAX_FILE_BYTES  # Streamlit's server counts MiB
    runs_page = (root / "app_pages" / "runs.py").read_text()
    assert "max_upload_size=MAX_FILE_BYTES // 2**20" in runs_page
