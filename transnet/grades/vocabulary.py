"""China's road-class vocabulary: technical grades (JTG B01-2014) and administrative classes.

Technical grades (技术等级) say how a road was built; administrative classes (行政等级) who
runs it, read from its route number (``ref``, GB/T 917-2017). :func:`normalize_grade` accepts
the spellings users write (``2``, ``"二级"``, ``"motorway"``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from transnet.grades.tag_values import TagValue, parse_refs

__all__ = [
    "ADMIN_CLASSES",
    "GRADES",
    "admin_class_of_ref",
    "admin_class_of_refs",
    "grade_rank",
    "is_at_least",
    "is_ramp",
    "normalize_grade",
]

#: Technical grades, best first. "expressway" is 高速公路; "1"–"4" are 一级 to 四级;
#: "below_4" is 等外公路, a road built below grade 4 (as road databases hold them): it counts in
#: the total length and density, and apart by grade, but never as grade 4 or better.
GRADES: tuple[str, ...] = ("expressway", "1", "2", "3", "4", "below_4")

#: Administrative classes (行政等级), highest first. ``expressway`` is an expressway of
#: unknown level (a ``motorway`` without a usable ``ref``).
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
    "below_4": "below_4",
    "等外": "below_4",
    "等外公路": "below_4",
    "等外路": "below_4",
}

_GRADE_RANK = {grade: rank for rank, grade in enumerate(GRADES)}
_ADMIN_RANK = {name: rank for rank, name in enumerate(ADMIN_CLASSES)}
_UNKNOWN_ADMIN_RANK = _ADMIN_RANK["unknown"]


def normalize_grade(value: object) -> str:
    """Return the canonical technical grade for ``value``.

    Parameters
    ----------
    value
        ``"expressway"``, ``1``–``4`` (int or str), ``"below_4"`` or a Chinese name such as
        ``"一级"`` or ``"等外"``.

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
    >>> normalize_grade(2), normalize_grade("高速公路"), normalize_grade("等外")
    ('2', 'expressway', 'below_4')

    """
    key = str(value).strip().lower()
    if key.endswith(".0"):
        key = key[:-2]
    try:
        return _GRADE_ALIASES[key]
    except KeyError:
        raise ValueError(f"unknown grade {value!r}; expected one of {', '.join(GRADES)}") from None


def grade_rank(grade: str) -> int:
    """Return 0 for expressway, 1–4 for grades 1–4, 5 below grade 4: lower is better.

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


# (rings, links and parallels: G2003, G1812) and the older suffixed parallels (G4W, G4W2).
_ADMIN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"G\d{1,2}(?:[NEWS]\d?)?|G\d{4}"), "national_expressway"),
    (re.compile(r"S\d{1,2}|S\d{4}"), "provincial_expressway"),
    (re.compile(r"G\d{3}"), "national"),
    (re.compile(r"S\d{3}"), "provincial"),
    (re.compile(r"X\d+"), "county"),
    (re.compile(r"Y\d+"), "township"),
    (re.compile(r"C\d+"), "village"),
    (re.compile(r"Z\d+"), "special"),
)


@functools.lru_cache(maxsize=65_536)
def admin_class_of_ref(ref: str) -> str:
    """Return the administrative class of one route number.

    ======================  ===============================  ====================
    pattern                 example                          class
    ======================  ===============================  ====================
    G + 1, 2 or 4 digits    G5, G55, G2003, G1812 (and G4W)  national_expressway
    S + 1, 2 or 4 digits    S50, S6001                       provincial_expressway
    G + 3 digits            G108, G208                       national
    S + 3 digits            S318                             provincial
    X / Y / C + digits      X123, Y005, C001                 county / township / village
    Z + digits              Z001                             special
    anything else           东二环, G12345, ""                unknown
    ======================  ===============================  ====================

    ``S`` + 4 digits follows GB/T 917-2017, which numbers provincial expressway rings and links
    like national ones (``G`` + 4 digits).

    Parameters
    ----------
    ref
        A single route number; case, surrounding and inner spaces and full-width characters do
        not matter. Use :func:`admin_class_of_refs` for a value holding several.

    Returns
    -------
    str
        One of :data:`ADMIN_CLASSES` (never ``"expressway"``).

    Examples
    --------
    >>> admin_class_of_ref("G2003"), admin_class_of_ref("g 108"), admin_class_of_ref("X123")
    ('national_expressway', 'national', 'county')

    """
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(ref))).upper()
    for pattern, admin_class in _ADMIN_PATTERNS:
        if pattern.fullmatch(key):
            return admin_class
    return "unknown"


def admin_class_of_refs(value: TagValue) -> str:
    """Return the highest administrative class among the refs in ``value``.

    A road carrying ``"G108;S318"`` is a national road that also serves as a provincial one, so
    it is ``national``. Classes rank as in :data:`ADMIN_CLASSES`.

    Parameters
    ----------
    value
        An OSM ``ref`` value, possibly holding several refs (see :func:`parse_refs`), or a list
        of them.

    Returns
    -------
    str
        One of :data:`ADMIN_CLASSES`; ``"unknown"`` when no ref is a route number.

    Examples
    --------
    >>> admin_class_of_refs("G108;S318"), admin_class_of_refs("S50、S318")
    ('national', 'provincial_expressway')
    >>> admin_class_of_refs("")
    'unknown'

    """
    return ADMIN_CLASSES[_admin_rank_of_refs(value)]


def _admin_rank_of_refs(value: TagValue) -> int:
    ranks = [_ADMIN_RANK[admin_class_of_ref(ref)] for ref in parse_refs(value)]
    return min(ranks, default=_UNKNOWN_ADMIN_RANK)


def is_ramp(highway: str) -> bool:
    """Tell whether an OSM ``highway`` value is an interchange ramp (``*_link``).

    ``motorway_link`` is an expressway ramp (匝道); like the other ``*_link`` values it is
    reported apart from the main line. This is the rule :mod:`transnet.network` uses.

    Parameters
    ----------
    highway
        An OSM ``highway`` value.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_ramp("motorway_link"), is_ramp("motorway")
    (True, False)

    """
    return str(highway).strip().lower().endswith("_link")
