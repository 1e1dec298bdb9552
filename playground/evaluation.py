"""Loss and accuracy of a model on a dataset, and the checks every finished run gets."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.nn import functional as F

from playground.analysis.calibration import (
    expected_calibration_error,
    no_evidence_probabilities,
    predicted_probabilities,
)
from playground.data.datasets import NO_EVIDENCE_TARGET, SequenceSet, TaskData
from playground.data.tokenizer import PAD_ID, Vocabulary
from playground.models import SequenceModel


def mean_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, per_step: bool) -> torch.Tensor:
    """L = −(1/N) Σ log p(target): over every non-padding step (next-word) or every example (classes).

    A class target of NO_EVIDENCE_TARGET stands for the uniform distribution: −(1/C) Σ_c log p(c).
    """
    if per_step:  # (B, T, V) against (B, T)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=PAD_ID)
    log_p = F.log_softmax(logits, dim=-1)  # (B, C)
    picked = log_p.gather(1, targets.clamp(min=0)[:, None])[:, 0]  # no branch on the data: no device sync
    return -torch.where(targets == NO_EVIDENCE_TARGET, log_p.mean(-1), picked).mean()


def step_loss(
    model: SequenceModel, inputs: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean cross-entropy, number of correct predictions, number of predictions (no sync)."""
    logits = model(inputs, lengths).logits
    loss = mean_cross_entropy(logits, targets, model.per_step)
    if model.per_step:
        flat_logits = logits.reshape(-1, logits.shape[-1])  # (B*T, V)
        flat_targets = targets.reshape(-1)  # (B*T,)
        counted = flat_targets != PAD_ID
        correct = ((flat_logits.argmax(-1) == flat_targets) & counted).sum()
        return loss, correct, counted.sum()
    labelled = targets != NO_EVIDENCE_TARGET  # rows taught "no verdict" have no right answer to count
    return loss, ((logits.argmax(-1) == targets) & labelled).sum(), labelled.sum()


@torch.no_grad()
def evaluate(
    model: SequenceModel,
    dataset: SequenceSet,
    device: torch.device | str = "cpu",
    batch_size: int = 512,
    check: Callable[[], None] | None = None,
) -> dict[str, float]:
    """Loss and accuracy of `model` on a whole dataset (per predicted token for next-word).

    `check` runs before each batch and may raise to stop a long evaluation part-way.
    """
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), device=device)
    correct = torch.zeros((), device=device)
    count = torch.zeros((), device=device)
    order = torch.argsort(dataset.lengths, stable=True)  # batches of like length: little padding
    for start in range(0, len(dataset), batch_size):
        if check is not None:
            check()
        index = order[start : start + batch_size]
        inputs, lengths, targets = (t.to(device) for t in dataset.batch(index))
        loss, batch_correct, batch_count = step_loss(model, inputs, lengths, targets)
        total_loss += loss * batch_count
        correct += batch_correct
        count += batch_count
    model.train(was_training)
    n = max(count.item(), 1)
    return {"loss": total_loss.item() / n, "accuracy": correct.item() / n}


EVAL_BATCH = 512
EVAL_TOKENS = 16_384  # positions per evaluation batch at most, unless a training batch has more


def evaluation_batch(batch_size: int, length: int) -> int:
    """Examples per evaluation batch: up to 512, fewer for long sequences, so that evaluating never
    needs much more memory than a training step (512 × 256 positions of a wide Transformer is GBs)."""
    return max(batch_size, min(EVAL_BATCH, EVAL_TOKENS // max(length, 1)))


def classifier_checks(
    model: SequenceModel, data: TaskData, vocab: Vocabulary, class_names: list[str]
) -> dict[str, float]:
    """Expected calibration error on the test split, and P(positive) for inputs with no known word."""
    checks = {
        "test_ece": expected_calibration_error(predicted_probabilities(model, data.test), data.test.targets)
    }
    if "positive" in class_names:
        positive = no_evidence_probabilities(model, vocab)[:, class_names.index("positive")]
        if len(positive):
            checks |= {
                "unknown_p_positive_min": float(positive.min()),
                "unknown_p_positive_max": float(positive.max()),
            }
    return checks


def final_metrics(
    model: SequenceModel,
    data: TaskData,
    vocab: Vocabulary,
    class_names: list[str],
    device: torch.device | str = "cpu",
    batch_size: int = EVAL_BATCH,
    check: Callable[[], None] | None = None,
) -> dict[str, float]:
    """Test loss and accuracy, the order-sensitive subset, every probe set, and a classifier's checks."""
    test = evaluate(model, data.test, device, batch_size, check=check)
    metrics = {"test_loss": test["loss"], "test_accuracy": test["accuracy"]}
    if data.order_test is not None and len(data.order_test):
        metrics["order_subset_accuracy"] = evaluate(model, data.order_test, device, batch_size, check=check)[
            "accuracy"
        ]
    for name, probe in data.probes.items():
        if len(probe):
            metrics[f"{name}_accuracy"] = evaluate(model, probe, device, batch_size, check=check)["accuracy"]
    if not model.per_step:
        metrics.update(classifier_checks(model, data, vocab, class_names))
    return metrics
