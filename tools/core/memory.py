"""Memory a step has freed, handed back to the system before the next step allocates its own."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; None where the C library has none (macOS, Windows, musl)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


def give_back() -> None:
    """Arrow's unused buffers and the C heap's free pages back to the system. Each thread that allocates (pandas'
    parallel CSV reader, the cleaning workers, Arrow's writers) frees into a heap of its own, which a later step on
    another thread does not reuse: a million prospects left 0.3 GB of such free pages behind after loading."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
