"""China's road classes: technical grades (JTG B01-2014) and administrative classes.

OSM China tags a road by its administrative class (国道 → ``trunk``, 省道 → ``primary``, 县道 →
``secondary``, 乡道 → ``tertiary``, 村道 → ``unclassified``; expressways → ``motorway``), not by
its technical grade. The grade of an OSM way therefore comes from a configurable
:class:`GradeTable`: a default grade per ``highway`` value, raised by refinement rules on
``lanes``, ``maxspeed`` and the administrative class of its ``ref``. The tables shipped in
``data/grades/`` are described in that folder's ``README.md``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from transnet._errors import InputError
from transnet._resources import data_root

__all__ = [
    "ADMIN_CLASSES",
    "GRADES",
    "GradeTable",
    "Refinement",
    "admin_class_of_ref",
    "admin_class_of_refs",
    "classify_edges",
    "design_speed_kmh",
    "grade_rank",
    "is_at_least",
    "is_ramp",
    "normalize_grade",
    "parse_lanes",
    "parse_maxspeed_kmh",
    "parse_refs",
    "technical_grade",
]

#: Technical grades, best first. "expressway" is 高速公路; "1"–"4" are 一级 to 四级.
GRADES: tuple[str, ...] = ("expressway", "1", "2", "3", "4")

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

#: An OSM tag value as osmnx gives it: a scalar, or a list for an edge merged from several ways.
TagValue: TypeAlias = str | int | float | Sequence[str | int | float] | None

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

_GRADE_RANK = {grade: rank for rank, grade in enumerate(GRADES)}
_ADMIN_RANK = {name: rank for rank, name in enumerate(ADMIN_CLASSES)}
_UNKNOWN_ADMIN_RANK = _ADMIN_RANK["unknown"]
_RAMP_KEY = "ramp"
_GRADES_FOLDER = "grades"


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


# --- tag values ------------------------------------------------------------------------------


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
    numbers (``"东二环"``) are kept: :func:`admin_class_of_ref` classes them ``unknown``.

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


# --- tables ----------------------------------------------------------------------------------


def _frozen_set_of(values: Iterable[str] | str) -> frozenset[str]:
    if isinstance(values, str):
        values = values.split("|")
    return frozenset(v.strip().lower() for v in values if v.strip())


@dataclass(frozen=True)
class Refinement:
    """One rule that raises the technical grade of a road: "if all conditions hold, at least".

    Empty conditions always hold. Lanes count both directions (a one-way carriageway counts
    double, see :func:`technical_grade`); a road with no usable ``lanes`` (``maxspeed``) fails
    any lanes (speed) condition.

    Attributes
    ----------
    grade
        The grade the road gets at least (one of :data:`GRADES`; aliases accepted).
    highways
        OSM ``highway`` values the rule applies to; empty for any. A string is split on ``|``.
    admin_classes
        Administrative classes (from ``ref``) the rule applies to; empty for any.
    min_lanes, max_lanes
        Bounds on the lane count, both directions.
    min_maxspeed_kmh
        Lowest signed speed limit, km/h.
    note
        Why the rule holds.

    Raises
    ------
    InputError
        On an unknown grade or admin class, non-positive bounds, or no condition at all;
        ``field`` names the column.

    Examples
    --------
    >>> rule = Refinement(grade="1", min_lanes=4)
    >>> rule.matches(highway="trunk", admin_class="national", lanes=4, maxspeed_kmh=None)
    True

    """

    grade: str
    highways: frozenset[str] = frozenset()
    admin_classes: frozenset[str] = frozenset()
    min_lanes: int | None = None
    max_lanes: int | None = None
    min_maxspeed_kmh: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "grade", normalize_grade(self.grade))
        except ValueError as exc:
            raise InputError(str(exc), field="grade") from None
        object.__setattr__(self, "highways", _frozen_set_of(self.highways))
        object.__setattr__(self, "admin_classes", _frozen_set_of(self.admin_classes))
        unknown = sorted(self.admin_classes - set(ADMIN_CLASSES))
        if unknown:
            raise InputError(
                f"unknown admin class {', '.join(unknown)}; expected some of "
                f"{', '.join(ADMIN_CLASSES)} separated by '|'",
                field="admin_class",
            )
        for name in ("min_lanes", "max_lanes", "min_maxspeed_kmh"):
            bound = getattr(self, name)
            if bound is not None and not bound > 0:
                raise InputError(f"must be positive, got {bound!r}", field=name)
        if (
            self.min_lanes is not None
            and self.max_lanes is not None
            and self.min_lanes > self.max_lanes
        ):
            raise InputError(
                f"min_lanes {self.min_lanes} exceeds max_lanes {self.max_lanes}", field="max_lanes"
            )
        conditions = (self.min_lanes, self.max_lanes, self.min_maxspeed_kmh)
        if not self.highways and not self.admin_classes and all(c is None for c in conditions):
            raise InputError("a refinement needs at least one condition")

    def matches(
        self,
        *,
        highway: str | None,
        admin_class: str,
        lanes: int | None,
        maxspeed_kmh: float | None,
    ) -> bool:
        """Tell whether every condition of the rule holds for a road.

        Parameters
        ----------
        highway
            The road's OSM ``highway`` value.
        admin_class
            The road's administrative class.
        lanes
            Lanes in both directions, or None if unknown.
        maxspeed_kmh
            Signed speed limit, or None if unknown.

        Returns
        -------
        bool

        Examples
        --------
        >>> rule = Refinement(grade="1", highways="trunk|primary", min_lanes=4)
        >>> rule.matches(highway="primary", admin_class="provincial", lanes=4, maxspeed_kmh=None)
        True
        >>> rule.matches(highway="primary", admin_class="provincial", lanes=None, maxspeed_kmh=80)
        False
        >>> rule.matches(highway="secondary", admin_class="county", lanes=6, maxspeed_kmh=None)
        False

        """
        if self.highways and highway not in self.highways:
            return False
        if self.admin_classes and admin_class not in self.admin_classes:
            return False
        if self.min_lanes is not None and (lanes is None or lanes < self.min_lanes):
            return False
        if self.max_lanes is not None and (lanes is None or lanes > self.max_lanes):
            return False
        return self.min_maxspeed_kmh is None or (
            maxspeed_kmh is not None and maxspeed_kmh >= self.min_maxspeed_kmh
        )


def _default_design_speeds_kmh() -> Mapping[str, float]:
    return GradeTable.default().design_speeds_kmh


@dataclass(frozen=True)
class GradeTable:
    """How OSM tags map to technical grades, and the design speed of each grade.

    Attributes
    ----------
    highway_grades
        Default grade per OSM ``highway`` value; values not listed are not graded roads
        (``residential``, ``service``, ``track``...).
    refinements
        Rules tried in order; the first whose conditions all hold raises the road to at least
        its grade. Refinements never lower a grade.
    design_speeds_kmh
        Design speed per grade plus ``"ramp"``, km/h; defaults to the packaged table.

    Raises
    ------
    InputError
        On an unknown grade, a missing grade or a non-positive speed; ``record`` names the
        ``highway`` value or grade and ``field`` the column.

    Examples
    --------
    >>> table = GradeTable(highway_grades={"trunk": "1", "primary": "2"})
    >>> technical_grade(highway="trunk", table=table)
    '1'

    """

    highway_grades: Mapping[str, str]
    refinements: tuple[Refinement, ...] = ()
    design_speeds_kmh: Mapping[str, float] = field(default_factory=_default_design_speeds_kmh)
    _highway_order: Mapping[str, tuple[int, bool, int]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        grades = {}
        for highway, grade in self.highway_grades.items():
            try:
                grades[str(highway).strip().lower()] = normalize_grade(grade)
            except ValueError as exc:
                raise InputError(str(exc), record=str(highway), field="default_grade") from None
        if not grades:
            raise InputError("no highway values graded", field="highway")
        speeds = {}
        for key, speed in self.design_speeds_kmh.items():
            try:
                name = _RAMP_KEY if str(key).strip().lower() == _RAMP_KEY else normalize_grade(key)
            except ValueError as exc:
                raise InputError(
                    f"{exc} or '{_RAMP_KEY}'", record=str(key), field="grade"
                ) from None
            try:
                value = float(speed)
            except (TypeError, ValueError):
                value = math.nan
            if not (math.isfinite(value) and value > 0):
                raise InputError(
                    f"design speed must be a positive number of km/h, got {speed!r}",
                    record=str(key),
                    field="design_speed_kmh",
                )
            speeds[name] = value
        missing = [key for key in (*GRADES, _RAMP_KEY) if key not in speeds]
        if missing:
            raise InputError(f"no design speed for {', '.join(missing)}", field="grade")
        object.__setattr__(self, "highway_grades", MappingProxyType(grades))
        object.__setattr__(self, "refinements", tuple(self.refinements))
        object.__setattr__(self, "design_speeds_kmh", MappingProxyType(speeds))
        # Ties between equally graded highway values go to the one listed first.
        order = {h: (_GRADE_RANK[g], is_ramp(h), i) for i, (h, g) in enumerate(grades.items())}
        object.__setattr__(self, "_highway_order", MappingProxyType(order))

    @classmethod
    def default(cls) -> GradeTable:
        """Return the packaged tables in ``data/grades/`` (read once, then cached).

        Examples
        --------
        >>> GradeTable.default().highway_grades["motorway"]
        'expressway'

        """
        return _default_table()

    @classmethod
    def from_csv(
        cls,
        path_highway: str | Path,
        path_refinements: str | Path | None = None,
        *,
        path_design_speeds: str | Path | None = None,
    ) -> GradeTable:
        """Read a user's tables, in the formats of ``data/grades/``.

        Files may be UTF-8 (with or without BOM) or GB18030/GBK, as Excel saves them on a
        Chinese Windows.

        Parameters
        ----------
        path_highway
            CSV with columns ``highway``, ``default_grade`` and optionally ``note``.
        path_refinements
            CSV of refinement rules (columns ``grade`` and any of ``highway``, ``admin_class``,
            ``min_lanes``, ``max_lanes``, ``min_maxspeed_kmh``, ``note``). None keeps the
            packaged rules; a file with only the header row turns refinements off.
        path_design_speeds
            CSV with columns ``grade``, ``design_speed_kmh`` and optionally ``note``. None
            keeps the packaged speeds.

        Returns
        -------
        GradeTable

        Raises
        ------
        InputError
            On an unreadable file, a missing or unknown column, an unknown grade or admin
            class, a duplicate row, a non-positive number; names the file, the line and the
            field.

        Examples
        --------
        >>> table = GradeTable.from_csv("my_grades.csv")  # doctest: +SKIP
        >>> technical_grade(highway="trunk", table=table)  # doctest: +SKIP
        '1'

        """
        default = _default_table()
        refinements = (
            default.refinements
            if path_refinements is None
            else _read_refinements(Path(path_refinements))
        )
        speeds = (
            default.design_speeds_kmh
            if path_design_speeds is None
            else _read_design_speeds(Path(path_design_speeds))
        )
        return cls(_read_highway_grades(Path(path_highway)), refinements, speeds)


@functools.cache
def _default_table() -> GradeTable:
    folder = data_root() / _GRADES_FOLDER
    return GradeTable(
        _read_highway_grades(folder / "osm_highway_grades.csv"),
        _read_refinements(folder / "refinements.csv"),
        _read_design_speeds(folder / "design_speeds.csv"),
    )


def _read_csv(
    path: Path, *, required: tuple[str, ...], optional: tuple[str, ...]
) -> list[tuple[str, dict[str, str]]]:
    """Rows of a small CSV as ``(record, {column: stripped text})``; record is ``line N``."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 or GB18030 text", path=path) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    for name in required:
        if name not in header:
            raise InputError(f"missing column; columns found: {header}", path=path, field=name)
    for name in header:
        if name not in required + optional:
            raise InputError(
                f"unknown column; expected {', '.join(required + optional)}",
                path=path,
                field=name,
            )
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        record = f"line {reader.line_num}"
        if len(cells) > len(header):
            raise InputError(
                f"{len(cells)} cells for {len(header)} columns", path=path, record=record
            )
        cells = [cell.strip() for cell in cells] + [""] * (len(header) - len(cells))
        rows.append((record, dict(zip(header, cells, strict=True))))
    return rows


def _number(text: str, *, path: Path, record: str, column: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"not a number: {text!r}", path=path, record=record, field=column
        ) from None
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"must be positive, got {text!r}", path=path, record=record, field=column)
    return value


def _read_highway_grades(path: Path) -> dict[str, str]:
    grades: dict[str, str] = {}
    for record, row in _read_csv(path, required=("highway", "default_grade"), optional=("note",)):
        highway = row["highway"].lower()
        if not highway:
            raise InputError("empty highway value", path=path, record=record, field="highway")
        if highway in grades:
            raise InputError(
                f"duplicate highway {highway!r}", path=path, record=record, field="highway"
            )
        try:
            grades[highway] = normalize_grade(row["default_grade"])
        except ValueError as exc:
            raise InputError(str(exc), path=path, record=record, field="default_grade") from None
    return grades


def _read_refinements(path: Path) -> tuple[Refinement, ...]:
    columns = ("highway", "admin_class", "min_lanes", "max_lanes", "min_maxspeed_kmh", "note")
    rules = []
    for record, row in _read_csv(path, required=("grade",), optional=columns):
        bounds = {
            column: _number(row.get(column, ""), path=path, record=record, column=column)
            for column in ("min_lanes", "max_lanes", "min_maxspeed_kmh")
        }
        for column in ("min_lanes", "max_lanes"):
            if bounds[column] is not None and not float(bounds[column]).is_integer():
                raise InputError(
                    "must be a whole number of lanes", path=path, record=record, field=column
                )
        try:
            rules.append(
                Refinement(
                    grade=row["grade"],
                    highways=row.get("highway", ""),
                    admin_classes=row.get("admin_class", ""),
                    min_lanes=None if bounds["min_lanes"] is None else int(bounds["min_lanes"]),
                    max_lanes=None if bounds["max_lanes"] is None else int(bounds["max_lanes"]),
                    min_maxspeed_kmh=bounds["min_maxspeed_kmh"],
                    note=row.get("note", ""),
                )
            )
        except InputError as exc:
            raise InputError(exc.reason, path=path, record=record, field=exc.field) from None
    return tuple(rules)


def _read_design_speeds(path: Path) -> dict[str, float]:
    speeds: dict[str, float] = {}
    for record, row in _read_csv(path, required=("grade", "design_speed_kmh"), optional=("note",)):
        key = row["grade"].lower()
        try:
            key = _RAMP_KEY if key == _RAMP_KEY else normalize_grade(key)
        except ValueError as exc:
            raise InputError(
                f"{exc} or '{_RAMP_KEY}'", path=path, record=record, field="grade"
            ) from None
        if key in speeds:
            raise InputError(f"duplicate grade {key!r}", path=path, record=record, field="grade")
        speed = _number(
            row["design_speed_kmh"], path=path, record=record, column="design_speed_kmh"
        )
        if speed is None:
            raise InputError("empty", path=path, record=record, field="design_speed_kmh")
        speeds[key] = speed
    missing = [key for key in (*GRADES, _RAMP_KEY) if key not in speeds]
    if missing:
        raise InputError(f"no design speed for {', '.join(missing)}", path=path, field="grade")
    return speeds


# --- classification --------------------------------------------------------------------------


def _best_highway(value: TagValue, table: GradeTable) -> str | None:
    """Pick the graded ``highway`` value in ``value`` with the best grade, main line first."""
    order = table._highway_order
    known = [h for h in (str(v).strip().lower() for v in _scalars(value)) if h in order]
    return min(known, key=order.__getitem__, default=None)


def _lanes_both_directions(lanes: int | None, *, oneway: bool, highway: str | None) -> int | None:
    # A one-way main-line way is one carriageway of a dual carriageway; a ramp is just itself.
    if lanes is not None and oneway and highway is not None and not is_ramp(highway):
        return 2 * lanes
    return lanes


def _grade_of(
    highway: str | None,
    admin_rank: int,
    lanes: int | None,
    maxspeed_kmh: float | None,
    table: GradeTable,
) -> str | None:
    if highway is None:
        return None
    rank = _GRADE_RANK[table.highway_grades[highway]]
    admin_class = ADMIN_CLASSES[admin_rank]
    for rule in table.refinements:
        if rule.matches(
            highway=highway, admin_class=admin_class, lanes=lanes, maxspeed_kmh=maxspeed_kmh
        ):
            rank = min(rank, _GRADE_RANK[rule.grade])
            break
    return GRADES[rank]


def technical_grade(
    *,
    highway: str | Sequence[str],
    ref: TagValue = "",
    lanes: TagValue = None,
    maxspeed: TagValue = None,
    oneway: TagValue = None,
    table: GradeTable | None = None,
) -> str | None:
    """Estimate the technical grade (JTG B01-2014) of a road from its OSM tags.

    The grade starts from the table's default for ``highway`` (OSM China tags by
    administrative class, so this is the usual grade of that class); the first refinement
    rule whose conditions hold raises it to at least the rule's grade. With the packaged
    tables (see ``data/grades/README.md``):

    - ``motorway`` and ``motorway_link`` are ``"expressway"``;
    - ``trunk``, ``primary`` are ``"2"``, ``secondary`` ``"3"``, ``tertiary`` and
      ``unclassified`` ``"4"``; ``*_link`` follow their parent;
    - a ``trunk``/``primary`` with an expressway ref (G5, S50...), ≥ 4 lanes and ≥ 80 km/h is
      an expressway; otherwise ≥ 4 lanes → ``"1"``; ≤ 3 lanes at ≥ 80 km/h → ``"2"``;
      ≥ 80 km/h, lanes unknown → ``"1"``; ≥ 60 km/h → ``"2"``.

    Parameters
    ----------
    highway
        OSM ``highway`` value, or an osmnx list of them: the best-graded one counts.
    ref
        OSM ``ref`` value(s); its highest administrative class feeds the refinements.
    lanes
        OSM ``lanes``: the largest number counts (:func:`parse_lanes`). On a one-way way that
        is not a ramp it is doubled, since such a way is one carriageway of a divided road
        and refinements count both directions.
    maxspeed
        OSM ``maxspeed`` (:func:`parse_maxspeed_kmh`); implicit limits such as ``CN:urban``
        are ignored.
    oneway
        OSM ``oneway`` (``"yes"``, ``"-1"``, True).
    table
        The mapping; :meth:`GradeTable.default` when None.

    Returns
    -------
    str or None
        One of :data:`GRADES`; None when no ``highway`` value is in the table (urban
        ``residential`` streets, ``service`` roads and tracks are not graded 公路).

    Examples
    --------
    >>> technical_grade(highway="trunk"), technical_grade(highway="trunk", lanes=4, maxspeed="80")
    ('2', '1')
    >>> technical_grade(highway=["secondary", "trunk"]), technical_grade(highway="residential")
    ('2', None)

    """
    table = table or GradeTable.default()
    chosen = _best_highway(highway, table)
    lanes_total = _lanes_both_directions(
        parse_lanes(lanes), oneway=_is_oneway(oneway), highway=chosen
    )
    return _grade_of(
        chosen, _admin_rank_of_refs(ref), lanes_total, parse_maxspeed_kmh(maxspeed), table
    )


def _codes(column: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Factorize a column whose cells may be lists; missing cells get code -1."""
    values = column.to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:  # unhashable lists from osmnx
        hashable = np.fromiter(
            (tuple(v) if isinstance(v, list | np.ndarray) else v for v in values),
            dtype=object,
            count=len(values),
        )
        codes, uniques = pd.factorize(hashable)
    return codes, list(uniques)


def _per_row(
    column: pd.Series | None,
    parse: Callable[[object], object],
    missing: object,
    n_rows: int,
    dtype: npt.DTypeLike,
) -> np.ndarray:
    """Parse each distinct value of ``column`` once and spread the results over the rows."""
    if column is None:
        return np.full(n_rows, missing, dtype=dtype)
    codes, uniques = _codes(column)
    # The trailing ``missing`` is what code -1 (a missing cell) picks.
    parsed = np.array([*(parse(u) for u in uniques), missing], dtype=dtype)
    return parsed[codes]


def classify_edges(edges: pd.DataFrame, *, table: GradeTable | None = None) -> pd.DataFrame:
    """Grade, administrative class and ramp flag of every edge, from its OSM tags.

    Each distinct tag value is parsed once and each distinct combination graded once, so a
    frame of a few hundred thousand osmnx edges takes well under a second. Results agree
    with :func:`technical_grade`, :func:`admin_class_of_refs` and :func:`is_ramp` (applied to
    the best-graded ``highway`` value), except that a road graded expressway whose ref gives
    no class (a ``motorway`` without ``ref``) gets admin class ``"expressway"``, an
    expressway of unknown level, instead of ``"unknown"``.

    Parameters
    ----------
    edges
        Column ``highway``, and optionally ``ref``, ``lanes``, ``maxspeed`` and ``oneway``;
        cells may be lists, as osmnx gives for merged ways.
    table
        The mapping; :meth:`GradeTable.default` when None.

    Returns
    -------
    pandas.DataFrame
        Same index as ``edges``; columns ``grade`` (one of :data:`GRADES`, missing for an
        ungraded ``highway`` value), ``admin_class`` (one of :data:`ADMIN_CLASSES`) and
        ``ramp`` (bool). Text columns take pandas' default string dtype.

    Raises
    ------
    InputError
        If ``edges`` has no ``highway`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> edges = pd.DataFrame({"highway": ["motorway", "motorway_link", ["trunk", "primary"]],
    ...                       "ref": ["G5;G55", None, "G108"], "lanes": [4, 1, "4"]})
    >>> classify_edges(edges)
            grade          admin_class   ramp
    0  expressway  national_expressway  False
    1  expressway           expressway   True
    2           1             national  False

    """
    if "highway" not in edges.columns:
        raise InputError("missing column", field="highway")
    table = table or GradeTable.default()
    n_rows = len(edges)
    vocabulary = [*table.highway_grades, None]
    position = {highway: i for i, highway in enumerate(vocabulary)}
    ungraded = len(vocabulary) - 1

    def column(name: str) -> pd.Series | None:
        return edges[name] if name in edges.columns else None

    highway_id = _per_row(
        edges["highway"], lambda v: position[_best_highway(v, table)], ungraded, n_rows, np.int64
    )
    admin_rank = _per_row(column("ref"), _admin_rank_of_refs, _UNKNOWN_ADMIN_RANK, n_rows, np.int64)
    lanes = _per_row(column("lanes"), lambda v: parse_lanes(v) or 0, 0, n_rows, np.int64)
    maxspeed_kmh = _per_row(
        column("maxspeed"), lambda v: parse_maxspeed_kmh(v) or 0.0, 0.0, n_rows, np.float64
    )
    oneway = _per_row(column("oneway"), _is_oneway, False, n_rows, bool)

    ramp_of_id = np.array([h is not None and is_ramp(h) for h in vocabulary], dtype=bool)
    ramp = ramp_of_id[highway_id]
    lanes = np.where(oneway & ~ramp & (highway_id != ungraded), 2 * lanes, lanes)

    keys = np.column_stack([highway_id, admin_rank, lanes, maxspeed_kmh])
    combos, inverse = np.unique(keys, axis=0, return_inverse=True)
    grade_of_combo = np.array(
        [
            _grade_of(
                vocabulary[int(h)], int(a), int(n) if n > 0 else None, s if s > 0 else None, table
            )
            for h, a, n, s in combos
        ]
        + [None],  # keeps the array 1-d and object-typed when the frame is empty
        dtype=object,
    )
    grade = grade_of_combo[inverse.reshape(-1)]

    admin_class = np.array(ADMIN_CLASSES, dtype=object)[admin_rank]
    admin_class[(grade == "expressway") & (admin_rank == _UNKNOWN_ADMIN_RANK)] = "expressway"
    return pd.DataFrame(
        {"grade": grade, "admin_class": admin_class, "ramp": ramp}, index=edges.index
    )


def design_speed_kmh(
    grade: str | int, *, ramp: bool = False, table: GradeTable | None = None
) -> float:
    """Return the design speed of a road grade, km/h, for travel times.

    The packaged values (``data/grades/design_speeds.csv``) are single values picked from the
    JTG B01-2014 ranges: expressway 100, grade 1 80, grade 2 60, grade 3 40, grade 4 30;
    ramps 40.

    Parameters
    ----------
    grade
        A technical grade (see :func:`normalize_grade`).
    ramp
        An interchange ramp: the table's ramp speed, but never more than the grade's own.
    table
        The tables; :meth:`GradeTable.default` when None.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``grade`` is not a grade.

    Examples
    --------
    >>> design_speed_kmh("expressway"), design_speed_kmh("expressway", ramp=True)
    (100.0, 40.0)
    >>> design_speed_kmh("四级", ramp=True)
    30.0

    """
    speeds = (table or GradeTable.default()).design_speeds_kmh
    speed = speeds[normalize_grade(grade)]
    return min(speed, speeds[_RAMP_KEY]) if ramp else speed
