"""Giving freed memory back to the operating system between the long stages of a run.

glibc's allocator keeps freed heap memory for reuse, and after the large, short-lived
arrays of a stage (a network rebuilt, a county clipping) much of it stays with the process
though nothing uses it: the next stage's peak then comes on top. ``malloc_trim`` returns it,
as Dask's workers do (see "Memory not released back to the OS" in the distributed docs).
Elsewhere (macOS, Windows, musl) this is a no-op.

Examples
--------
>>> release_freed_memory() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

__all__ = ["release_freed_memory"]


@cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Return freed heap memory to the operating system (glibc ``malloc_trim(0)``).

    Returns
    -------
    bool
        Whether any memory was returned (False where the C library has no ``malloc_trim``).

    Examples
    --------
    >>> isinstance(release_freed_memory(), bool)
    True

    """
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
