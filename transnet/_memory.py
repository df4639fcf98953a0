"""Memory over a long run: freed memory given back, the cyclic collector paused in bulk work.

glibc's allocator keeps freed heap memory for reuse, and after the large, short-lived
arrays of a stage (a network rebuilt, a county clipping) much of it stays with the process
though nothing uses it: the next stage's peak then comes on top. ``malloc_trim`` returns it,
as Dask's workers do (see "Memory not released back to the OS" in the distributed docs).
Elsewhere (macOS, Windows, musl) this is a no-op.

Python's cyclic garbage collector runs a full pass over every live object each time enough
new ones have piled up: loading a country's network (millions of geometries and strings) or
applying a plan to it triggers tens of passes, each over all the objects made so far, a cost
that grows faster than the network. Those stages make no reference cycles of their own, so
they run with it paused (:func:`cyclic_gc_paused`); objects freed meanwhile are freed by
reference counting as always.

Examples
--------
>>> release_freed_memory() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

__all__ = ["cyclic_gc_paused", "release_freed_memory"]


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


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (or the decorated function).

    It is enabled again on leaving, if it was enabled on entering, so nested uses keep it off
    until the outermost one ends.

    Examples
    --------
    >>> import gc
    >>> with cyclic_gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True

    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
