"""GPU against CPU on the same machine, and whether the CLI picks the GPU without being told.

Runs only where CUDA (or Apple MPS) is available; elsewhere it returns no rows and says why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch

from playground.device import pick_device
from playground.speed.scaling import step_ms
from playground.speed.timing import row

ROOT = Path(__file__).resolve().parents[2]
CASES = (
    ("rnn", 64, 256),
    ("lstm", 64, 256),
    ("lstm", 256, 512),
    ("transformer", 64, 256),
    ("transformer", 256, 512),
)


def accelerator() -> torch.device | None:
    """The device `--device auto` picks, if it is not the CPU."""
    chosen = pick_device("auto")
    return None if chosen.type == "cpu" else chosen


def cli_device(timeout: float = 600) -> str:
    """The device a default `python -m playground train` reports, with no --device given."""
    result = subprocess.run(
        [sys.executable, "-m", "playground", "train", "--task", "sentiment", "--json"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])["device"]


def gpu_benchmark(device: torch.device | None = None, repeats: int = 5, quick: bool = False) -> list[dict]:
    """ms per training step on the accelerator and on the CPU (the reference), and the CLI's own choice."""
    device = device or accelerator()
    if device is None or device.type == "cpu":
        print("gpu: skipped, this machine has no CUDA or MPS device", file=sys.stderr)
        return []
    rows = []
    for arch, length, hidden in CASES[:2] if quick else CASES:
        gpu, cpu = (step_ms(arch, length, hidden, d, repeats) for d in (device, torch.device("cpu")))
        rows.append(
            row(
                "GPU",
                f"{arch}, length {length}, hidden {hidden}",
                gpu,
                "ms/step",
                reference=cpu,
                target="ratio < 1",
                note=f"reference: the same step on the CPU; the GPU is {cpu / gpu:.1f}x faster",
            )
        )
    chosen = cli_device()
    rows.append(
        row(
            "GPU",
            "the CLI trains on the GPU unasked",
            float(chosen.startswith("GPU")),
            "1 = yes",
            target="1",
            note=f"python -m playground train reported: {chosen}",
        )
    )
    return rows
