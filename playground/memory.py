"""Giving memory back to the operating system once a training is over."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import resource
import sys
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # glibc only (musl has none)  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def release_memory() -> None:
    """Free what nothing refers to any more (runs that are gone, a finished training's optimizer
    and activations) and hand glibc's free pages back to the OS.

    PyTorch's CPU tensors live in malloc's heap: after a large training, glibc keeps the freed
    pages for reuse, so the server's resident memory stays at its peak. malloc_trim(0) returns them.
    """
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def resident_mb() -> float:
    """This process's resident memory now (Linux), else its peak, in MB."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
