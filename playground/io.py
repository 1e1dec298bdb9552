"""Model files: weights in safetensors, config and vocabulary in its JSON header; never a pickle."""

from __future__ import annotations

import json
import math
import struct

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from playground.config import ExperimentConfig
from playground.data.tokenizer import SPECIAL_TOKENS, Vocabulary
from playground.models import build_model
from playground.train import MAX_PARAMETERS, Run

FORMAT = "sequence-playground/1"
MAX_FILE_BYTES = 64 * 2**20
MAX_HEADER_BYTES = 4 * 2**20
MAX_CLASSES = 50
DTYPES = {"F32": torch.float32}


class ModelFileError(ValueError):
    """A model file the playground will not load; the message says why and what to do."""


def save_run(run: Run) -> bytes:
    """The run as a .safetensors file: weights, plus everything needed to rebuild and use it."""
    header = {
        "format": FORMAT, "config": run.config.to_dict(), "vocabulary": run.vocab.to_dict(),
        "class_names": run.class_names, "data_description": run.data_description,
        "baseline": run.baseline, "metrics": run.metrics, "examples": run.examples,
        "history": run.history_rows, "steps": run.steps, "seconds": run.seconds, "device": run.device,
    }
    tensors = {name: value.detach().to("cpu").contiguous() for name, value in run.model.state_dict().items()}
    return save_tensors(tensors, metadata={"playground": json.dumps(header)})


def _header(raw: bytes) -> dict:
    """The safetensors JSON header, checked for size and shape before anything else is read."""
    looks_safetensors = raw[8:9] == b"{"  # an 8-byte header length, then the JSON header
    if not looks_safetensors and raw[:2] == b"PK":
        raise ModelFileError("This is a zip archive, not a model file (PyTorch's .pt/.pth files are zip "
                             "archives holding a pickle, which can run any code when loaded). Only "
                             ".safetensors files saved by the playground are accepted.")
    if not looks_safetensors and raw[:1] == b"\x80":
        raise ModelFileError("This looks like a PyTorch pickle (.pt/.pth). Loading a pickle can run any "
                             "code, so only .safetensors files saved by the playground are accepted.")
    if len(raw) < 8:
        raise ModelFileError("This file is too short to be a model file. Download one from the Runs page.")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > MAX_HEADER_BYTES or size > len(raw) - 8:
        raise ModelFileError(f"The file's header says it is {size:,} bytes long, more than the file holds "
                             "or allows: the file is truncated or not a model file.")
    try:
        header = json.loads(raw[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError("This is not a .safetensors model file (its header is not JSON).") from None
    if not isinstance(header, dict):
        raise ModelFileError("This is not a .safetensors model file (its header is not a JSON object).")
    return header


def load_run(raw: bytes) -> Run:
    """Rebuild a run from a model file, refusing anything malformed before a model is built."""
    if len(raw) > MAX_FILE_BYTES:
        raise ModelFileError(f"The file is {len(raw) / 2**20:.0f} MB; model files are at most "
                             f"{MAX_FILE_BYTES // 2**20} MB.")
    header = _header(raw)
    try:
        meta = json.loads(header.get("__metadata__", {}).get("playground", ""))
    except (AttributeError, json.JSONDecodeError):
        raise ModelFileError("This .safetensors file was not saved by Sequence Playground "
                             "(no playground header).") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError("This .safetensors file was not saved by Sequence Playground, or by a version "
                             "it cannot read.")
    sections = meta.get("config")  # not objects: every setting would fall back to its default
    if not isinstance(sections, dict) or not all(isinstance(sections.get(k), dict) for k in ("data", "model",
                                                                                            "train")):
        raise ModelFileError("The file's configuration is missing or not a JSON object.")
    config, warnings = ExperimentConfig.from_dict(meta.get("config", {}))
    if warnings:
        raise ModelFileError("The file's configuration is out of bounds: " + " ".join(warnings))
    vocab_data = meta.get("vocabulary", {})
    tokens = vocab_data.get("tokens") if isinstance(vocab_data, dict) else None
    if (not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens)
            or tokens[:len(SPECIAL_TOKENS)] != list(SPECIAL_TOKENS)):
        raise ModelFileError("The file's vocabulary is missing or malformed.")
    if len(tokens) > config.data.max_vocab or len(tokens) > 20_000:
        raise ModelFileError(f"The file declares {len(tokens):,} tokens, more than its configuration allows "
                             f"({config.data.max_vocab:,}).")
    class_names = meta.get("class_names", [])
    if config.data.task == "sentiment" and not (isinstance(class_names, list) and 2 <= len(class_names)
                                                <= MAX_CLASSES):
        raise ModelFileError("The file's class names are missing or malformed.")
    outputs = len(tokens) if config.data.task == "next-word" else len(class_names)
    with torch.device("meta"):  # the expected shapes, without allocating a model yet
        expected = build_model(config.model, len(tokens), outputs, config.data.task, config.data.max_length)
    shapes = {name: tuple(value.shape) for name, value in expected.state_dict().items()}
    if sum(math.prod(s) for s in shapes.values()) > MAX_PARAMETERS:
        raise ModelFileError("The model in this file is larger than this server allows.")
    declared = {name: entry for name, entry in header.items() if name != "__metadata__"}
    if set(declared) != set(shapes):
        raise ModelFileError("The file's weights do not match its configuration (different tensors).")
    for name, entry in declared.items():
        if (not isinstance(entry, dict) or entry.get("dtype") not in DTYPES
                or tuple(entry.get("shape", ())) != shapes[name]):
            raise ModelFileError(f"The weight '{name[:60]}' has the wrong shape or type for this "
                                 "configuration.")
    try:
        tensors = load_tensors(raw)
    except Exception:  # safetensors raises its own error types for broken offsets
        raise ModelFileError("The file's weights could not be read: it is truncated or corrupted.") from None
    if not all(torch.isfinite(t).all() for t in tensors.values()):
        raise ModelFileError("The file's weights contain NaN or infinite values.")
    model = build_model(config.model, len(tokens), outputs, config.data.task, config.data.max_length)
    model.load_state_dict(tensors, strict=True)
    model.eval()
    vocab = Vocabulary(tokens, vocab_data.get("level", "word"), {k: int(v) for k, v in vocab_data.get(
        "counts", {}).items() if isinstance(v, int | float)})
    run = Run(config=config, vocab=vocab, model=model,
              class_names=list(class_names) if config.data.task == "sentiment" else [],
              data_description=str(meta.get("data_description", "a model file"))[:200],
              baseline={k: float(v) for k, v in meta.get("baseline", {}).items()},
              examples=[str(e)[:200] for e in meta.get("examples", [])][:6])
    run.metrics = {k: float(v) for k, v in meta.get("metrics", {}).items() if isinstance(v, int | float)}
    run.history_rows = [r for r in meta.get("history", []) if isinstance(r, dict)][:10_000]
    run.steps = int(meta.get("steps", 0))
    run.status, run.message = "loaded", "Loaded from a model file."
    return run
