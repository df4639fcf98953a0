"""Errors raised by transnet on bad input."""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "InputError",
    "TransnetError",
    "TransnetWarning",
    "check_keys",
    "closest",
    "expect_type",
    "format_number",
    "from_validation_error",
    "not_bool",
    "suggest",
]


class TransnetError(Exception):
    """Base class of every error transnet raises on purpose.

    Catch it to tell transnet's own errors (bad input, failed downloads) from bugs.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> try:
    ...     load_bundle("atlantis")
    ... except TransnetError as exc:
    ...     print(type(exc).__name__)
    InputError

    """


class TransnetWarning(UserWarning):
    """Input that transnet accepts but the user should know about.

    A card partly outside the region, an upgrade that matches no road: the CLI prints each as
    ``warning: ...`` on stderr; in Python it is an ordinary warning.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("card N7 matches no road", TransnetWarning, stacklevel=1)
    >>> caught[0].category.__name__, str(caught[0].message)
    ('TransnetWarning', 'card N7 matches no road')

    """


class InputError(TransnetError, ValueError):
    """Bad input: names the file, the record (card or feature id) and the field.

    Parameters
    ----------
    message
        What is wrong and, where possible, what was expected.
    path
        The file the bad input came from.
    record
        The id of the card, feature or row.
    field
        The field (property, column) at fault.

    Examples
    --------
    >>> error = InputError("not a number", path="counties.csv", record="156140122",
    ...                    field="seat_lon")
    >>> str(error)
    "counties.csv, record '156140122', field 'seat_lon': not a number"
    >>> error.field, error.reason, isinstance(error, ValueError)
    ('seat_lon', 'not a number', True)

    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.record = record
        self.field = field
        self.reason = message
        where = []
        if self.path:
            where.append(self.path)
        if record is not None:
            where.append(f"record '{record}'")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ": ".join([", ".join(where)]) + ": " if where else ""
        super().__init__(prefix + message)


def expect_type(value: object, expected: type | tuple[type, ...], name: str) -> None:
    """Raise a ``TypeError`` naming the argument and the expected type.

    Examples
    --------
    >>> expect_type("taixin", str, "bundle")
    >>> expect_type(3, str, "bundle")
    Traceback (most recent call last):
    ...
    TypeError: bundle: expected str, got int (3)
    """
    if isinstance(value, expected):
        return
    names = " or ".join(
        t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,))
    )
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    raise TypeError(f"{name}: expected {names}, got {type(value).__name__} ({shown})")


def format_number(value: object) -> str:
    """Show a number as a person writes it: ``nan``, ``inf``, ``1,000``, ``4.9``.

    Never ``np.float64(...)``.

    Anything that is not a number is shown by its ``repr``, shortened past 40 characters.

    Examples
    --------
    >>> import numpy as np
    >>> format_number(np.float64("nan")), format_number(1000.0), format_number(4.9)
    ('nan', '1,000', '4.9')
    >>> format_number(float("-inf")), format_number(True), format_number("fast")
    ('-inf', 'True', "'fast'")

    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        shown = repr(value)
        return shown if len(shown) <= 40 else shown[:37] + "..."
    number = float(value)
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.6g}"


def closest(name: str, known: Iterable[str], *, required: Iterable[str] = ()) -> str | None:
    """Return the known name a misspelt ``name`` most likely meant, or None.

    Ranked by similarity (:class:`difflib.SequenceMatcher`), then by a shared stem (one name
    a prefix of the other, the same first word before ``_``, or ``name`` one of the other's
    words: ``speed`` means ``design_speed_kmh``), then by being ``required``:
    ``investment`` means the required ``investment_100m_cny`` rather than the optional
    ``investment_basis``.

    Examples
    --------
    >>> fields = ["investment_100m_cny", "investment_basis", "length_km", "length_basis"]
    >>> closest("investment", fields, required=["investment_100m_cny", "length_km"])
    'investment_100m_cny'
    >>> closest("within_mins", ["within_km", "within_m", "within_min", "rule"])
    'within_min'
    >>> closest("colour", ["id", "name"]) is None
    True

    """
    key = str(name).strip().lower()
    needed = {str(k).lower() for k in required}
    best: tuple[float, str] | None = None
    for candidate in known:
        other = str(candidate).lower()
        ratio = difflib.SequenceMatcher(None, key, other).ratio()
        stem = bool(key) and (
            other.startswith(key)
            or key.startswith(other)
            or key.split("_")[0] == other.split("_")[0]
            or key in other.split("_")
        )
        if ratio < 0.6 and not (stem and len(key) >= 3):
            continue
        score = ratio + 0.3 * stem + 0.1 * (other in needed)
        if best is None or score > best[0]:
            best = (score, str(candidate))
    return None if best is None else best[1]


def suggest(name: str, known: Iterable[str], *, required: Iterable[str] = ()) -> str:
    """Return the "did you mean" hint for a misspelt ``name`` (see :func:`closest`), or "".

    Examples
    --------
    >>> suggest("investment", ["investment_basis", "investment_100m_cny"],
    ...         required=["investment_100m_cny"])
    "did you mean 'investment_100m_cny'?"
    >>> suggest("colour", ["id", "name"])
    ''

    """
    match = closest(name, known, required=required)
    return "" if match is None else f"did you mean '{match}'?"


def check_keys(
    mapping: Mapping[str, Any],
    known: Iterable[str],
    *,
    path: str | Path | None = None,
    record: str | None = None,
    required: Iterable[str] = (),
    prefix: str = "",
    what: str = "key",
    check_missing: bool = True,
) -> None:
    """Refuse a key of ``mapping`` that is not ``known``, with a "did you mean" hint.

    Parameters
    ----------
    mapping
        A mapping read from an input file (a YAML section, a card's properties).
    known
        Every key allowed at this level.
    path, record
        The file and the record, for the error.
    required
        The keys that must be present, preferred by the hint and reported when missing.
    prefix
        Dotted location of ``mapping`` in its file (``"params"``), put before the key in
        the error's field.
    what
        What the keys are called in the message: ``"key"``, ``"field"``, ``"column"``.
    check_missing
        Report a missing ``required`` key; False leaves that to the schema (``required``
        then only ranks the hints).

    Raises
    ------
    InputError
        Naming the unknown (or missing) key as the field.

    Examples
    --------
    >>> check_keys({"within_mins": 30}, ["rule", "within_km", "within_m", "within_min"],
    ...            path="targets.yaml", record="county_expressway", prefix="params")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: targets.yaml, ... 'params.within_mins': unknown key; did you ...

    """
    known = list(known)
    required = list(required)
    for name in mapping:
        if name not in known:
            hint = suggest(str(name), known, required=required)
            raise InputError(
                f"unknown {what}{'; ' + hint if hint else ''} (known {what}s: {', '.join(known)})",
                path=path,
                record=record,
                field=f"{prefix}.{name}" if prefix else str(name),
            )
    for name in required if check_missing else ():
        if name not in mapping:
            raise InputError(
                f"missing required {what}",
                path=path,
                record=record,
                field=f"{prefix}.{name}" if prefix else name,
            )


def not_bool(value: object) -> object:
    """Refuse a boolean where a number is expected (YAML reads ``yes`` as True, not 1).

    For pydantic ``field_validator(..., mode="before")``; other values pass unchanged.

    Examples
    --------
    >>> not_bool(4.9)
    4.9
    >>> not_bool(True)
    Traceback (most recent call last):
    ...
    ValueError: a yes/no value (True) is not a number; expected a number

    """
    if isinstance(value, bool):
        raise ValueError(f"a yes/no value ({value}) is not a number; expected a number")
    return value


#: Units shown after bounds in messages, by the ending of a field's name.
_UNITS = (
    ("_100m_cny", " (100 million CNY)"),
    ("_kmh", " km/h"),
    ("_km2", " km²"),
    ("_km", " km"),
    ("_min", " min"),
    ("_m", " m"),
)

_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def from_validation_error(
    exc: Exception, *, path: str | Path | None = None, record: str | None = None
) -> InputError:
    """Turn a pydantic ``ValidationError``'s first error into an :class:`InputError`.

    The field is the error's dotted location; numbers are shown plainly with the field's unit
    (``must be at most 160 km/h, got 1,000``); a NaN or infinity is "not a finite number", a
    missing required field is "missing value"; a misspelt choice gets the "did you mean" hint.

    Examples
    --------
    >>> from pydantic import BaseModel, ConfigDict, Field
    >>> class Card(BaseModel):
    ...     model_config = ConfigDict(allow_inf_nan=False)
    ...     design_speed_kmh: float = Field(le=160)
    >>> try:
    ...     Card(design_speed_kmh=1000)
    ... except Exception as exc:
    ...     print(from_validation_error(exc, path="plan.geojson", record="E1"))
    plan.geojson, record 'E1', field 'design_speed_kmh': must be at most 160 km/h, got 1,000
    >>> try:
    ...     Card(design_speed_kmh=float("nan"))
    ... except Exception as exc:
    ...     print(from_validation_error(exc).reason)
    not a finite number, got nan; expected a number
    """
    error = exc.errors()[0]  # type: ignore[attr-defined]
    loc = [str(p) for p in error.get("loc", ())]
    field = ".".join(loc) or None
    kind = error.get("type", "")
    value = error.get("input")
    context = error.get("ctx") or {}
    unit = next((text for part in loc[::-1] for end, text in _UNITS if part.endswith(end)), "")
    if kind == "missing":
        message = "missing value"
    elif kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "finite_number":
        message = f"not a finite number, got {format_number(value)}; expected a number"
    elif kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        message = f"must be {words} {format_number(context.get(key))}{unit}, got " + (
            format_number(value)
        )
    elif kind == "literal_error" and isinstance(value, str):
        choices = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        # Operators (``=>``) are too short for similarity to mean anything.
        hint = suggest(value, choices) if any(c.isalpha() for c in value) else ""
        message = f"{error.get('msg', 'invalid value')}, got {value!r}" + (
            f"; {hint}" if hint else ""
        )
    elif kind == "value_error":
        message = str(error.get("msg", "")).removeprefix("Value error, ")
    else:
        message = f"{error.get('msg', 'invalid value')}, got {format_number(value)}"
    return InputError(message, path=path, record=record, field=field)
