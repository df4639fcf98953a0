"""Grade tables: how OSM ``highway`` values map to technical grades, and each grade's design speed.

The packaged tables live in ``data/grades/`` (see that folder's ``README.md``); users may pass
their own CSV files in the same formats (:meth:`GradeTable.from_csv`).
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from transnet import options
from transnet._errors import InputError, check_keys, closest, format_number
from transnet._resources import data_root
from transnet.grades.vocabulary import _GRADE_RANK, ADMIN_CLASSES, GRADES, is_ramp, normalize_grade
from transnet.io.text import text_stream

__all__ = ["GradeTable", "Refinement"]

# Key of the ramp row in the design-speed table.
_RAMP_KEY = "ramp"
_GRADES_FOLDER = "grades"
_MIN_SPEED_KMH, _MAX_SPEED_KMH = options.DESIGN_SPEED_RANGE_KMH
#: Largest sane value of each numeric column (lanes both directions, speeds km/h).
_LIMITS = {
    "min_lanes": options.MAX_LANES,
    "max_lanes": options.MAX_LANES,
    "min_maxspeed_kmh": _MAX_SPEED_KMH,
    "design_speed_kmh": _MAX_SPEED_KMH,
}


def _frozen_set_of(values: Iterable[str] | str) -> frozenset[str]:
    if isinstance(values, str):
        values = values.split("|")
    return frozenset(v.strip().lower() for v in values if v.strip())


@dataclass(frozen=True)
class Refinement:
    """One rule that raises the technical grade of a road: "if all conditions hold, at least".

    Empty conditions always hold. Lanes count both directions (a one-way carriageway counts
    double, see :func:`~transnet.grades.technical_grade`); a road with no usable ``lanes``
    (``maxspeed``) fails any lanes (speed) condition.

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
            if bound is not None and not (math.isfinite(bound) and 0 < bound <= _LIMITS[name]):
                raise InputError(
                    f"must be a number above 0 and at most {format_number(_LIMITS[name])}, "
                    f"got {format_number(bound)}",
                    field=name,
                )
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
    >>> from transnet.grades import technical_grade
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
            if not (math.isfinite(value) and _MIN_SPEED_KMH <= value <= _MAX_SPEED_KMH):
                raise InputError(
                    f"design speed must be a number of km/h from {format_number(_MIN_SPEED_KMH)} "
                    f"to {format_number(_MAX_SPEED_KMH)}, got {format_number(speed)}",
                    record=str(key),
                    field="design_speed_kmh",
                )
            speeds[name] = value
        if "4" in speeds:
            speeds.setdefault("below_4", min(speeds["4"], options.BELOW_4_DESIGN_SPEED_KMH))
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
        >>> from transnet.grades import technical_grade
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
        stream = text_stream(path)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=path) from None
    reader = csv.reader(stream)
    header = [name.strip() for name in next(reader, [])]
    known = required + optional
    for name in required:
        if name not in header:
            misspelt = [h for h in header if h not in known and closest(h, [name]) == name]
            hint = f"; rename '{misspelt[0]}' to '{name}'?" if misspelt else ""
            raise InputError(
                f"missing column{hint} (columns found: {', '.join(header) or 'none'})",
                path=path,
                field=name,
            )
    check_keys(dict.fromkeys(header), known, path=path, required=required, what="column")
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
    if not math.isfinite(value):
        raise InputError(
            f"not a finite number, got {format_number(value)}; expected a number",
            path=path,
            record=record,
            field=column,
        )
    low = _MIN_SPEED_KMH if column == "design_speed_kmh" else 0
    if not low < value <= _LIMITS[column] and not (low and value == low):
        raise InputError(
            f"must be {'at least ' + format_number(low) if low else 'above 0'} and at most "
            f"{format_number(_LIMITS[column])}, got {format_number(value)}",
            path=path,
            record=record,
            field=column,
        )
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
    if "4" in speeds:
        speeds.setdefault("below_4", min(speeds["4"], options.BELOW_4_DESIGN_SPEED_KMH))
    missing = [key for key in (*GRADES, _RAMP_KEY) if key not in speeds]
    if missing:
        raise InputError(f"no design speed for {', '.join(missing)}", path=path, field="grade")
    return speeds
