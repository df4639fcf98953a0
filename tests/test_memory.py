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
    above = np.ones(1000)  # the freed blocks lie below it: free() alone cannot trim them
    del blocks
    assert release_freed_memory() is True
    del above


def test_the_cyclic_collector_is_paused_while_a_plan_is_applied_and_enabled_after(monkeypatch):
    import gc

    from conftest import lines_frame
    from test_plan import _card, _plan

    import transnet.plan.apply as apply_module
    from transnet.network import network_from_lines

    network = network_from_lines(
        lines_frame([{"id": "r", "name": "S1", "grade": "2", "coords": [(0, 0), (10_000, 0)]}])
    )
    plan = _plan([(_card(id="N1", action="new", length_km=3), [(5000, 3300), (5000, 300)])])
    states = []
    apply_cards = apply_module._apply_cards
    monkeypatch.setattr(
        apply_module,
        "_apply_cards",
        lambda *args, **kwargs: states.append(gc.isenabled()) or apply_cards(*args, **kwargs),
    )
    assert gc.isenabled()
    result = apply_module.apply_plan(network, plan)
    assert states == [False] and gc.isenabled()
    assert result.log["outcome"].tolist() == ["added"]
