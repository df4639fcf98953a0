"""Progress bars: quiet or shown, the caller gets a generator it may close early."""

from __future__ import annotations

import itertools

import pytest

from transnet._progress import progress


@pytest.mark.parametrize("ci", ["1", ""])
def test_an_endless_ticker_can_be_closed_quiet_or_not(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    ticker = progress(itertools.repeat(None), desc="Downloading", unit="request")
    assert next(ticker) is None
    ticker.close()
    with pytest.raises(StopIteration):
        next(ticker)
