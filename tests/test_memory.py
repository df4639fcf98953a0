"""Freed memory given back between stages (glibc ``malloc_trim``)."""

from __future__ import annotations

import platform
import sys

import numpy as np
import pytest

from transnet._memory import _malloc_trim, release_freed_memory


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)
def test_on_glibc_freed_heap_memory_is_given_back():
    assert _malloc_trim() is not None
    # Many small arrays (below the mmap threshold) freed leave the heap with free pages.
    blocks = [np.ones(1000) for _ in range(20_000)]
    del blocks
    assert release_freed_memory() is True
