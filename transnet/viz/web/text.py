"""Text on the HTML maps: numbers formatted for a reader, escaped for HTML and JavaScript.

folium places some of the text inside JavaScript template literals (tooltips), so escaping also
covers the backtick, ``$`` and the backslash.

Examples
--------
>>> escape("Ring <b>road</b> `${x}`")
'Ring &lt;b&gt;road&lt;/b&gt; &#96;&#36;{x}&#96;'
>>> escape(None), escape(12.3456), escape(4.0)
('—', '12.35', '4')
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from transnet.viz.style import format_number

__all__ = ["MISSING", "escape", "format_value", "is_missing"]

#: Shown for a missing value.
MISSING = "—"


def is_missing(value: Any) -> bool:
    """Whether ``value`` is None or a missing scalar (NaN, NA).

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(0), is_missing([1])
    (True, False, False)

    """
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def format_value(value: Any) -> str:
    """Format a value for a reader: integers plain, floats to at most 2 decimals, missing "—".

    Examples
    --------
    >>> format_value(True), format_value(3), format_value(2.50), format_value("  ")
    ('True', '3', '2.5', '—')

    """
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else format_number(float(value))
    return str(value)


def escape(value: Any) -> str:
    """Format (see :func:`format_value`) and escape for HTML inside JavaScript template literals.

    Examples
    --------
    >>> escape("A & B")
    'A &amp; B'

    """
    text = html.escape(format_value(value))
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")
