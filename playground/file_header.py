"""The model file's JSON header as a declared schema: types and ranges checked before anything reads it.

pydantic (strict mode, so "12" is not a number and 2.0 is not a whole number) does the checking;
a file that fails is refused with a message naming the first bad field. Files written before the
header carried a status, snapshots and gradient probes still load: those fields are optional.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from playground.data.tokenizer import MAX_TOKEN_CHARS
from playground.data.uploads import MAX_CLASS_NAME_CHARS, MAX_CLASSES

FORMAT = "sequence-playground/1"
MAX_TOKENS = 20_000
MAX_STEPS_IN_FILE = 10_000_000
MAX_HISTORY_ROWS = 10_000
MAX_SNAPSHOTS_IN_FILE = 64
MAX_PROBES_IN_FILE = 64

Finite = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=MAX_STEPS_IN_FILE)]
ShortText = Annotated[str, Field(max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class VocabularyHeader(_Strict):
    tokens: Annotated[
        list[Annotated[str, Field(max_length=MAX_TOKEN_CHARS)]], Field(min_length=1, max_length=MAX_TOKENS)
    ]
    level: Literal["word", "char"] = "word"
    counts: Annotated[
        dict[Annotated[str, Field(max_length=MAX_TOKEN_CHARS)], Count], Field(max_length=MAX_TOKENS)
    ] = {}

    @field_validator("tokens")
    @classmethod
    def _distinct(cls, tokens: list[str]) -> list[str]:
        if len(set(tokens)) != len(tokens):
            raise ValueError("tokens must be distinct")
        return tokens


class Baseline(_Strict):
    loss: NonNegative
    accuracy: Fraction


class HistoryRow(_Strict):
    step: Count
    epoch: NonNegative
    split: Literal["train", "validation"]
    loss: NonNegative | None = None
    accuracy: Fraction | None = None
    grad_norm: NonNegative | None = None
    clipped: Count | None = None
    learning_rate: NonNegative | None = None
    seconds: NonNegative | None = None


class SnapshotHeader(_Strict):
    epoch: Count
    step: Count


class ProbeHeader(_Strict):
    step: Count
    parameter_norms: Annotated[
        dict[Annotated[str, Field(max_length=200)], NonNegative], Field(max_length=100)
    ]


class ModelFileHeader(_Strict):
    """Everything a model file says besides its weights."""

    format: Literal["sequence-playground/1"]
    config: dict
    vocabulary: VocabularyHeader
    class_names: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=MAX_CLASS_NAME_CHARS)]],
        Field(max_length=MAX_CLASSES),
    ] = []
    data_description: Annotated[str, Field(max_length=2000)] = "a model file"
    baseline: Baseline
    metrics: Annotated[dict[Annotated[str, Field(max_length=100)], Finite], Field(max_length=50)] = {}
    examples: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=50)] = []
    history: Annotated[list[HistoryRow], Field(max_length=MAX_HISTORY_ROWS)] = []
    steps: Count = 0
    total_steps: Count = 0
    seconds: NonNegative = 0.0
    device: ShortText = "CPU"
    status: Literal["finished", "stopped", "diverged", "interrupted", "failed", "training", "loaded"] = (
        "loaded"
    )
    message: Annotated[str, Field(max_length=2000)] = ""
    created: Annotated[str, Field(max_length=40)] | None = None
    number: Annotated[int, Field(ge=0, le=1_000_000)] = 0  # the learner's #number for it (run store)
    snapshots: Annotated[list[SnapshotHeader], Field(max_length=MAX_SNAPSHOTS_IN_FILE)] = []
    probes: Annotated[list[ProbeHeader], Field(max_length=MAX_PROBES_IN_FILE)] = []

    @field_validator("metrics")
    @classmethod
    def _possible(cls, metrics: dict[str, float]) -> dict[str, float]:
        """Accuracies, calibration errors and probabilities lie in 0-1, losses are not negative."""
        for name, value in metrics.items():
            share = name.endswith(("accuracy", "_ece")) or "p_positive" in name
            if share and not 0 <= value <= 1:
                raise ValueError(f"{name[:40]} must be between 0 and 1")
            if "loss" in name and value < 0:
                raise ValueError(f"{name[:40]} must not be negative")
        return metrics

    @field_validator("class_names")
    @classmethod
    def _distinct(cls, names: list[str]) -> list[str]:
        if len(set(names)) != len(names):
            raise ValueError("class names must be distinct")
        return names


def parse_header(meta: object) -> ModelFileHeader:
    """The validated header, or ValueError naming the first field that is wrong and how."""
    try:
        return ModelFileHeader.model_validate(meta)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the header"
        raise ValueError(f"its field '{where[:80]}' is invalid ({first['msg'][:120]})") from None
