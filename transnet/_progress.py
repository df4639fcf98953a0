"""Progress bars for long steps: tqdm.auto, which draws in Jupyter and in terminals.

Bars stay quiet when :data:`settings.quiet` is set (``--quiet`` on the command line), when
the ``CI`` environment variable is set, as it is on CI services, and when output goes to a
file rather than a terminal (tqdm's own rule).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["progress", "settings"]

T = TypeVar("T")


@dataclass
class _Settings:
    """Module-wide options, set by the CLI or a notebook."""

    quiet: bool = False


#: Set ``settings.quiet = True`` to silence progress bars.
settings = _Settings()


def _silent() -> bool:
    return settings.quiet or bool(os.environ.get("CI"))


def progress(
    iterable: Iterable[T], *, desc: str, total: int | None = None, unit: str = "it"
) -> Iterator[T]:
    """Iterate over ``iterable`` with a progress bar unless progress is silenced.

    The bar appears only once the step has run for a second, so quick steps stay quiet.

    Parameters
    ----------
    iterable
        The items to go through.
    desc
        Label of the bar, e.g. ``"Applying cards"``.
    total
        Number of items, where ``iterable`` has no length.
    unit
        Name of one item, shown in the rate (``"card/s"``).

    Returns
    -------
    Iterator
        A generator of the items of ``iterable``, in order (``close()`` ends it early).

    Examples
    --------
    >>> [card for card in progress(["E1", "E2"], desc="Applying cards", unit="card")]
    ['E1', 'E2']

    """
    if _silent():
        # a generator, like the bar's: callers may close() it
        return (item for item in iterable)
    from tqdm.auto import tqdm  # 0.2 s (asyncio, IPython checks): only when a bar may show

    bar = tqdm(iterable, desc=desc, total=total, unit=unit, leave=False, delay=1.0)
    return iter(bar)
