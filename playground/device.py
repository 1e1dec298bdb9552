"""Choosing where tensors live: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(preference: str = "auto") -> torch.device:
    """The requested device, or the fastest available one for 'auto'; raise if it is missing."""
    if preference == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if preference == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("CUDA was requested but no CUDA GPU is available; use --device auto or cpu")
    if preference == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError("MPS was requested but this machine has no Apple GPU; use --device auto or cpu")
    if preference not in DEVICE_CHOICES:
        raise ValueError(f"unknown device {preference!r}: use one of {', '.join(DEVICE_CHOICES)}")
    return torch.device(preference)


def describe_device(device: torch.device) -> str:
    """A short human name for a device, e.g. 'GPU (NVIDIA H100)' or 'CPU (2 threads)'."""
    if device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "GPU (Apple MPS)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'' if threads == 1 else 's'})"
