"""OSM road-attribute values: ``ref``, ``lanes``, ``maxspeed`` and ``oneway`` as mappers write them.

The parsers accept what osmnx and pyosmium give: a string, a number, None/NaN, or a list of them
(an osmnx edge merged from several ways). OSM input, plan cards and the access model read tags
through these functions, so a value means the same everywhere.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd

__all__ = ["TagValue", "parse_lanes", "parse_maxspeed_kmh", "parse_refs"]

#: An OSM tag value as osmnx gives it: a scalar, or a list for an edge merged from several ways.
TagValue: TypeAlias = str | int | float | Sequence[str | int | float] | None


def _is_missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def _scalars(value: object) -> list[object]:
    """Flatten an osmnx list (or nested lists) into its non-missing scalar values."""
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        out: list[object] = []
        for item in value:
            out.extend(_scalars(item))
        return out
    return [] if _is_missing(value) else [value]


_REF_SEPARATORS = re.compile(r"[;,/、\s]+")
_PREFIX_SPACE = re.compile(r"(?<![A-Z])([A-Z])\s+(?=\d)")


@functools.lru_cache(maxsize=65_536)
def _refs_of_text(text: str) -> tuple[str, ...]:
    # NFKC turns full-width "；，／Ｇ１０８" and the ideographic space into ASCII.
    text = _PREFIX_SPACE.sub(r"\1", unicodedata.normalize("NFKC", text).upper())
    return tuple(dict.fromkeys(token for token in _REF_SEPARATORS.split(text) if token))


def parse_refs(value: TagValue) -> list[str]:
    """Split an OSM ``ref`` value into single route numbers.

    Separators are ``;`` ``,`` ``/`` ``、``, whitespace and the full-width ``；`` ``，`` ``／``.
    A space between the route letter and its digits is dropped (``"G 108"`` is ``G108``), so
    ``"G 108 S 318"`` gives two refs. Refs are upper-cased, full-width letters and digits
    become ASCII, and duplicates are dropped keeping the first. Tokens that are not route
    numbers (``"东二环"``) are kept: :func:`~transnet.grades.admin_class_of_ref` classes them
    ``unknown``.

    Parameters
    ----------
    value
        A ``ref`` string, a list of them (osmnx merged ways), or None/NaN.

    Returns
    -------
    list of str
        The refs in order of appearance; empty for a missing or blank value.

    Examples
    --------
    >>> parse_refs("G208；G108")
    ['G208', 'G108']
    >>> parse_refs(["g5", "G 55"])
    ['G5', 'G55']
    >>> parse_refs(None)
    []

    """
    if isinstance(value, str):
        return list(_refs_of_text(value))
    refs: dict[str, None] = {}
    for item in _scalars(value):
        refs.update(dict.fromkeys(_refs_of_text(str(item))))
    return list(refs)


# GB/T 917-2017 route numbers. National expressways: G + 1–2 digits (main lines), G + 4 digits


@functools.lru_cache(maxsize=4096)
def _lanes_of_text(text: str) -> int | None:
    counts = []
    for token in re.split(r"[;|,]", text):
        try:
            number = float(token.strip())
        except ValueError:
            continue
        if number > 0 and number.is_integer():
            counts.append(int(number))
    return max(counts, default=None)


def _lanes_of_scalar(value: object) -> int | None:
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, str):
        return _lanes_of_text(value)
    if isinstance(value, int | np.integer):
        return int(value) if value > 0 else None
    if isinstance(value, float | np.floating):
        return int(value) if value > 0 and float(value).is_integer() else None
    return None


def parse_lanes(value: TagValue) -> int | None:
    """Read an OSM ``lanes`` value: the largest positive whole number in it.

    Parameters
    ----------
    value
        ``4``, ``"4"``, ``"2;3"`` or an osmnx list such as ``["2", "4"]``.

    Returns
    -------
    int or None
        None when no part of the value is a positive whole number.

    Examples
    --------
    >>> parse_lanes("2;3"), parse_lanes(["2", "4"]), parse_lanes("wide")
    (3, 4, None)

    """
    counts = [n for n in map(_lanes_of_scalar, _scalars(value)) if n is not None]
    return max(counts, default=None)


_SPEED = re.compile(r"(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?")
_KMH_PER_UNIT = {None: 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}


@functools.lru_cache(maxsize=4096)
def _maxspeed_of_text(text: str) -> float | None:
    speeds = []
    for token in text.split(";"):
        match = _SPEED.fullmatch(token.strip().lower())
        if match is not None:
            speeds.append(float(match.group(1)) * _KMH_PER_UNIT[match.group(2)])
    return max((s for s in speeds if s > 0), default=None)


def _maxspeed_of_scalar(value: object) -> float | None:
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, str):
        return _maxspeed_of_text(value)
    if isinstance(value, int | float | np.integer | np.floating):
        speed_kmh = float(value)
        return speed_kmh if math.isfinite(speed_kmh) and speed_kmh > 0 else None
    return None


def parse_maxspeed_kmh(value: TagValue) -> float | None:
    """Read an OSM ``maxspeed`` value in km/h: the highest signed limit in it.

    Implicit limits (``"CN:urban"``, ``"CN:rural"``, ``"CN:motorway"``), ``"none"`` and
    ``"signals"`` give None: a legal default says nothing about how the road was built, and
    grade refinements must not rest on it (China's default of 70 km/h on a two-lane rural road
    applies to every grade).

    Parameters
    ----------
    value
        ``80``, ``"80"``, ``"80 km/h"``, ``"50 mph"``, ``"80;60"`` or an osmnx list.

    Returns
    -------
    float or None
        The limit in km/h (mph and knots converted), None when no part is a signed limit.

    Examples
    --------
    >>> parse_maxspeed_kmh("80;60"), parse_maxspeed_kmh("CN:urban")
    (80.0, None)
    >>> round(parse_maxspeed_kmh("50 mph"), 1)
    80.5

    """
    speeds = [s for s in map(_maxspeed_of_scalar, _scalars(value)) if s is not None]
    return max(speeds, default=None)


def _is_oneway(value: TagValue) -> bool:
    for item in _scalars(value):
        if isinstance(item, bool | np.bool_) and item:
            return True
        if isinstance(item, str) and item.strip().lower() in ("yes", "true", "1", "-1"):
            return True
    return False
