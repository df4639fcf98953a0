"""Errors raised by transnet on bad input."""

from __future__ import annotations

from pathlib import Path

__all__ = ["InputError", "TransnetError", "TransnetWarning", "expect_type"]


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
