"""China's road classes: technical grades (JTG B01-2014) and administrative classes."""

from __future__ import annotations

__all__ = [
    "ADMIN_CLASSES",
    "GRADES",
    "grade_rank",
    "is_at_least",
    "normalize_grade",
]

#: Technical grades, best first. "expressway" is 高速公路; "1"–"4" are 一级 to 四级.
GRADES: tuple[str, ...] = ("expressway", "1", "2", "3", "4")

#: Administrative classes (行政等级). ``expressway`` is an expressway of unknown level.
ADMIN_CLASSES: tuple[str, ...] = (
    "national_expressway",
    "provincial_expressway",
    "expressway",
    "national",
    "provincial",
    "county",
    "township",
    "village",
    "special",
    "unknown",
)

_GRADE_ALIASES = {
    "expressway": "expressway",
    "motorway": "expressway",
    "高速": "expressway",
    "高速公路": "expressway",
    "1": "1",
    "一级": "1",
    "一级公路": "1",
    "2": "2",
    "二级": "2",
    "二级公路": "2",
    "3": "3",
    "三级": "3",
    "三级公路": "3",
    "4": "4",
    "四级": "4",
    "四级公路": "4",
}


def normalize_grade(value: object) -> str:
    """Return the canonical technical grade for ``value``.

    Parameters
    ----------
    value
        ``"expressway"``, ``1``–``4`` (int or str) or a Chinese name such as ``"一级"``.

    Returns
    -------
    str
        One of :data:`GRADES`.

    Raises
    ------
    ValueError
        If ``value`` is not a known grade.

    Examples
    --------
    >>> normalize_grade(2), normalize_grade("高速公路")
    ('2', 'expressway')

    """
    key = str(value).strip().lower()
    if key.endswith(".0"):
        key = key[:-2]
    try:
        return _GRADE_ALIASES[key]
    except KeyError:
        raise ValueError(f"unknown grade {value!r}; expected one of {', '.join(GRADES)}") from None


def grade_rank(grade: str) -> int:
    """Return 0 for expressway, 1–4 for grades 1–4: lower is better.

    Examples
    --------
    >>> grade_rank("expressway") < grade_rank("2")
    True

    """
    return GRADES.index(normalize_grade(grade))


def is_at_least(grade: str, minimum: str) -> bool:
    """Tell whether ``grade`` is ``minimum`` or technically better.

    Examples
    --------
    >>> is_at_least("1", "2"), is_at_least("3", "2")
    (True, False)

    """
    return grade_rank(grade) <= grade_rank(minimum)
