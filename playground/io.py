"""Model files: weights in safetensors, config and vocabulary in its JSON header; never a pickle."""

from __future__ import annotations

import contextlib
import json
import math
import struct
from datetime import datetime

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from playground.config import ExperimentConfig
from playground.data.tokenizer import SPECIAL_TOKENS, Vocabulary
from playground.file_header import FORMAT, ModelFileHeader, parse_header
from playground.models import build_model
from playground.run import MAX_PARAMETERS, EmbeddingSnapshot, GradientProbe, Run

MAX_FILE_BYTES = 64 * 2**20
MAX_HEADER_BYTES = 4 * 2**20
MAX_VOCABULARY = 20_000
DTYPES = {"F32": torch.float32}
SNAPSHOT_PREFIX, PROBE_PREFIX = "__snapshot__.", "__probe__."  # tensors besides the model's weights


class ModelFileError(ValueError):
    """A model file the playground will not load; the message says why and what to do."""


def save_run(run: Run) -> bytes:
    """The run as a .safetensors file: weights, embedding snapshots and gradient probes, plus
    everything needed to rebuild, use and restore it in the JSON header."""
    header = {
        "format": FORMAT,
        "config": run.config.to_dict(),
        "vocabulary": run.vocab.to_dict(),
        "class_names": run.class_names,
        "data_description": run.data_description,
        "baseline": run.baseline,
        "metrics": run.metrics,
        "examples": run.examples,
        "history": run.history_rows,
        "steps": run.steps,
        "total_steps": run.total_steps,
        "seconds": run.seconds,
        "device": run.device,
        "status": run.status,
        "message": run.message,
        "created": run.created.isoformat(),
        "number": run.number,
        "snapshots": [{"epoch": s.epoch, "step": s.step} for s in run.snapshots],
        "probes": [{"step": p.step, "parameter_norms": p.parameter_norms} for p in run.gradient_probes],
    }
    tensors = {name: value.detach().to("cpu").contiguous() for name, value in run.model.state_dict().items()}
    for i, snapshot in enumerate(run.snapshots):
        tensors[f"{SNAPSHOT_PREFIX}{i}"] = snapshot.weights.detach().to("cpu", torch.float32).contiguous()
    for i, probe in enumerate(run.gradient_probes):
        tensors[f"{PROBE_PREFIX}{i}"] = torch.as_tensor(probe.time_norms, dtype=torch.float32).contiguous()
    return save_tensors(tensors, metadata={"playground": json.dumps(header)})


def _header(raw: bytes) -> dict:
    """The safetensors JSON header, checked for size and shape before anything else is read."""
    looks_safetensors = raw[8:9] == b"{"  # an 8-byte header length, then the JSON header
    if not looks_safetensors and raw[:2] == b"PK":
        raise ModelFileError(
            "This is a zip archive, not a model file (PyTorch's .pt/.pth files are zip "
            "archives holding a pickle, which can run any code when loaded). Only "
            ".safetensors files saved by the playground are accepted."
        )
    if not looks_safetensors and raw[:1] == b"\x80":
        raise ModelFileError(
            "This looks like a PyTorch pickle (.pt/.pth). Loading a pickle can run any "
            "code, so only .safetensors files saved by the playground are accepted."
        )
    if len(raw) < 8:
        raise ModelFileError("This file is too short to be a model file. Download one from the Runs page.")
    (size,) = struct.unpack("<Q", raw[:8])
    if (size > MAX_HEADER_BYTES or size > len(raw) - 8) and _is_text(raw[:64]):
        raise ModelFileError(
            "This is a text file, not a .safetensors model file (one starts with its header's "
            "length in binary). Download a model file from the Runs page."
        )
    if size > MAX_HEADER_BYTES:  # no header is that long: these bytes are something else
        raise ModelFileError(
            "This is not a .safetensors model file: one starts with its header's length, and this file's "
            "first bytes are not one. Download a model file from the Runs page."
        )
    if size > len(raw) - 8:
        raise ModelFileError(
            f"The file's header says it is {size:,} bytes long, more than the file holds: the file is "
            "truncated."
        )
    try:
        header = json.loads(raw[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError("This is not a .safetensors model file (its header is not JSON).") from None
    if not isinstance(header, dict):
        raise ModelFileError("This is not a .safetensors model file (its header is not a JSON object).")
    return header


def _tensor_name(name: str) -> str:
    """A tensor's name as a learner reads it: "__snapshot__.0" is the embedding kept after training's
    first snapshot, not a weight of the model."""
    for prefix, what in ((SNAPSHOT_PREFIX, "embedding snapshot"), (PROBE_PREFIX, "gradient recording")):
        if name.startswith(prefix) and (number := name[len(prefix) :]).isdigit():
            return f"{what} {int(number) + 1}"
    return name


def _is_text(start: bytes) -> bool:
    """Whether a file's first bytes are text (a JSON, CSV or Latin-1 file given as a model): printable
    UTF-8, or bytes none of which is a control character, as in any 8-bit encoding. A model file's
    header length has zero bytes; 64 random bytes avoid every control byte once in 7,000."""
    for cut in range(4):  # the 64 bytes may end inside a character of up to 4 bytes
        try:
            text = start[: len(start) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return bool(text) and all(c.isprintable() or c in "\n\r\t" for c in text)
    return bool(start) and all(b >= 0x20 and b != 0x7F or b in b"\n\r\t" for b in start)


def _metadata(header: dict) -> ModelFileHeader:
    """The playground's own part of the header, validated against its schema."""
    metadata = header.get("__metadata__")
    text = metadata.get("playground") if isinstance(metadata, dict) else None
    if not isinstance(text, str):
        raise ModelFileError(
            "This .safetensors file was not saved by Sequence Playground (no playground header)."
        )
    try:
        meta = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ModelFileError("This .safetensors file's playground header is not valid JSON.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(
            "This .safetensors file was not saved by Sequence Playground, or by a version it cannot read."
        )
    sections = meta.get("config")  # not objects: every setting would fall back to its default
    if not isinstance(sections, dict) or not all(
        isinstance(sections.get(k), dict) for k in ("data", "model", "train")
    ):
        raise ModelFileError("The file's configuration is missing or not a JSON object.")
    try:
        return parse_header(meta)
    except ValueError as error:
        raise ModelFileError(f"The file's header is malformed: {error}.") from None


def _expected_shapes(meta: ModelFileHeader, config: ExperimentConfig, outputs: int) -> dict[str, tuple]:
    """Every tensor the file must hold, with its shape: the model's weights, then snapshots and probes."""
    tokens = len(meta.vocabulary.tokens)
    with torch.device("meta"):  # the expected shapes, without allocating a model yet
        expected = build_model(config.model, tokens, outputs, config.data.task, config.data.max_length)
    shapes = {name: tuple(value.shape) for name, value in expected.state_dict().items()}
    if sum(math.prod(s) for s in shapes.values()) > MAX_PARAMETERS:
        raise ModelFileError("The model in this file is larger than this server allows.")
    for i in range(len(meta.snapshots)):
        shapes[f"{SNAPSHOT_PREFIX}{i}"] = (tokens, config.model.embedding_dim)
    return shapes


def load_run(raw: bytes, restore: bool = False) -> Run:
    """Rebuild a run from a model file, refusing anything malformed before a model is built.

    `restore` keeps the status the file was saved with (the run store's files); an upload is "loaded".
    """
    if len(raw) > MAX_FILE_BYTES:
        raise ModelFileError(
            f"The file is {len(raw) / 2**20:.0f} MB; model files are at most {MAX_FILE_BYTES // 2**20} MB."
        )
    header = _header(raw)
    meta = _metadata(header)
    config, warnings = ExperimentConfig.from_dict(meta.config)
    if warnings:  # the parser's "; using the default …" is for links: a file out of bounds is refused
        reasons = [warning.split("; using the default")[0].rstrip(".") + "." for warning in warnings]
        raise ModelFileError("The file's configuration is out of bounds: " + " ".join(reasons))
    tokens = meta.vocabulary.tokens
    if tokens[: len(SPECIAL_TOKENS)] != list(SPECIAL_TOKENS):
        raise ModelFileError(
            f"The file's vocabulary does not start with the special tokens {', '.join(SPECIAL_TOKENS)}."
        )
    if meta.vocabulary.level != config.data.tokenizer:
        raise ModelFileError(
            f"The file's vocabulary is of {meta.vocabulary.level}s but its configuration "
            f"reads {config.data.tokenizer}s."
        )
    if len(tokens) > min(config.data.max_vocab, MAX_VOCABULARY):
        raise ModelFileError(
            f"The file declares {len(tokens):,} tokens, more than its configuration allows "
            f"({config.data.max_vocab:,})."
        )
    sentiment = config.data.task == "sentiment"
    if sentiment and len(meta.class_names) < 2:
        raise ModelFileError("The file's class names are missing: a sentiment model needs at least two.")
    outputs = len(meta.class_names) if sentiment else len(tokens)
    shapes = _expected_shapes(meta, config, outputs)
    declared = {name: entry for name, entry in header.items() if name != "__metadata__"}
    probe_names = {name for name in declared if name.startswith(PROBE_PREFIX)}
    if set(declared) - probe_names != set(shapes) or probe_names != {
        f"{PROBE_PREFIX}{i}" for i in range(len(meta.probes))
    }:
        raise ModelFileError("The file's weights do not match its configuration (different tensors).")
    for name, entry in declared.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        wanted = shapes.get(name)
        fits = (
            isinstance(shape, list)
            and all(isinstance(n, int) for n in shape)
            and (
                tuple(shape) == wanted
                if wanted is not None
                else len(shape) == 1 and shape[0] <= config.data.max_length + 1
            )
        )
        if not fits or entry.get("dtype") not in DTYPES:
            raise ModelFileError(
                f"The tensor '{_tensor_name(name)[:60]}' has the wrong shape or type for this file's "
                "configuration and "
                f"its vocabulary of {len(tokens):,} tokens (it is {str(shape)[:40]} in the file, where they "
                f"give {list(wanted) if wanted is not None else 'a short vector'}): the file was edited or "
                "is damaged."
            )
    try:
        tensors = load_tensors(raw)
    except Exception:  # safetensors raises its own error types for broken offsets
        raise ModelFileError("The file's weights could not be read: it is truncated or corrupted.") from None
    if not all(torch.isfinite(t).all() for t in tensors.values()):
        raise ModelFileError("The file's weights contain NaN or infinite values.")
    model = build_model(config.model, len(tokens), outputs, config.data.task, config.data.max_length)
    model.load_state_dict({name: tensors[name] for name in model.state_dict()}, strict=True)
    model.eval()
    vocab = Vocabulary(list(tokens), meta.vocabulary.level, dict(meta.vocabulary.counts))
    run = Run(
        config=config,
        vocab=vocab,
        model=model,
        class_names=list(meta.class_names) if sentiment else [],
        data_description=meta.data_description[:200],
        baseline=meta.baseline.model_dump(),
        examples=[e[:200] for e in meta.examples][:6],
    )
    run.metrics = dict(meta.metrics)
    run.history_rows = [row.model_dump(exclude_unset=True) for row in meta.history]
    run.steps, run.total_steps = meta.steps, meta.total_steps
    run.seconds, run.device = meta.seconds, meta.device
    run.snapshots = [
        EmbeddingSnapshot(s.epoch, s.step, tensors[f"{SNAPSHOT_PREFIX}{i}"])
        for i, s in enumerate(meta.snapshots)
    ]
    run.gradient_probes = [
        GradientProbe(p.step, tensors[f"{PROBE_PREFIX}{i}"].numpy(), dict(p.parameter_norms))
        for i, p in enumerate(meta.probes)
    ]
    run.status, run.message = "loaded", "Loaded from a model file."
    if restore:
        run.status, run.message = meta.status, meta.message
        run.number = meta.number  # the store gives a learner's runs back under their own numbers
        if meta.status == "training":
            run.status = "interrupted"
            run.message = (
                f"The server stopped while this run was training; it keeps the weights of step "
                f"{run.steps:,} of {run.total_steps:,}, the last checked before then."
            )
    with contextlib.suppress(ValueError, TypeError):
        run.created = datetime.fromisoformat(meta.created or "")
    return run
