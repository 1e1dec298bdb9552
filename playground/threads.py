"""How many threads one training may use, so trainings running at once do not oversubscribe the CPU.

PyTorch's CPU kernels here run on OpenMP, whose thread count is a per-thread setting: a call to
`torch.set_num_threads(n)` holds for the thread that makes it and for threads started after it,
never for threads that already ran a parallel kernel. A server therefore sets it twice: once for
the process when it decides how many trainings may run at once (new script threads inherit it),
and again at the start of every training and heavy analysis, in the thread that runs it.
The command line and the benchmarks never call this and keep PyTorch's default: all cores.
"""

from __future__ import annotations

import os

import torch


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads_per_training(trainings: int, cores: int | None = None) -> int:
    """max(1, cores // trainings): the share of the cores one of `trainings` concurrent trainings gets."""
    cores = available_cores() if cores is None else cores
    return max(1, cores // max(1, trainings))


def use_threads(threads: int) -> int:
    """Make the calling thread (and threads started after it) run PyTorch kernels on `threads` threads."""
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads
