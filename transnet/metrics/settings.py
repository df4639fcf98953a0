"""The choices behind the metrics: coverage rules, grade criteria, speeds and snap limits.

Defaults come from :mod:`transnet.options`; a targets file sets them through
:func:`transnet.targets.settings_from_targets`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from transnet import options
from transnet._errors import format_number

__all__ = ["COVERAGE_RULES", "CoverageRule", "GradeCriterion", "MetricSettings"]

#: Ways to read 县县通高速 ("every county on an expressway").
COVERAGE_RULES = ("crossed", "interchange_inside", "seat_within_km", "seat_within_min")
CoverageRule = Literal["crossed", "interchange_inside", "seat_within_km", "seat_within_min"]


def _positive(name: str, value: float | None) -> None:
    """Refuse a setting that is set but is not a finite number above 0 (or is a yes/no)."""
    if value is None:
        return
    if isinstance(value, bool) or not (
        isinstance(value, numbers.Real) and math.isfinite(value) and value > 0
    ):
        raise ValueError(f"{name} must be a finite number above 0, got {format_number(value)}")


@dataclass(frozen=True)
class GradeCriterion:
    """A place is covered by a road of ``grade`` or better within ``within_m`` or ``within_min``.

    Exactly one of ``within_m`` and ``within_min`` is set. ``kinds`` limits the places counted
    (township targets count 乡, 民族乡 and 镇 by default, not 街道).

    Attributes
    ----------
    grade
        The worst technical grade that counts (``"expressway"``, ``"1"`` … ``"4"``).
    within_m
        Largest network distance from the place, metres (access leg included).
    within_min
        Largest travel time from the place, minutes (access leg included).
    kinds
        The place kinds counted in the share (see :data:`transnet.options.TOWNSHIP_KINDS`);
        None: every place. A place without a kind always counts.

    Raises
    ------
    ValueError
        If both or neither of ``within_m`` and ``within_min`` are set, or the one set is not a
        finite number above 0.

    Examples
    --------
    >>> GradeCriterion("1", within_m=5000.0)
    GradeCriterion(grade='1', within_m=5000.0, within_min=None, kinds=None)
    >>> GradeCriterion("2", within_m=1000.0, kinds=("镇",)).counts(["镇", "街道", None])
    [True, False, True]
    >>> GradeCriterion("2")
    Traceback (most recent call last):
    ...
    ValueError: set exactly one of within_m and within_min

    """

    grade: str
    within_m: float | None = None
    within_min: float | None = None
    kinds: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if (self.within_m is None) == (self.within_min is None):
            raise ValueError("set exactly one of within_m and within_min")
        for name in ("within_m", "within_min"):
            _positive(name, getattr(self, name))
        if self.kinds is not None:
            object.__setattr__(self, "kinds", tuple(self.kinds))
            unknown = [k for k in self.kinds if k not in options.TOWNSHIP_KINDS]
            if unknown or not self.kinds:
                raise ValueError(
                    f"kinds must be some of {', '.join(options.TOWNSHIP_KINDS)}, "
                    f"got {list(self.kinds)}"
                )

    def counts(self, kinds: Iterable[str | None]) -> list[bool]:
        """Whether each place, by its kind, counts in the share (no kind: it counts).

        Examples
        --------
        >>> GradeCriterion("3", within_m=1000.0).counts(["街道"])
        [True]

        """
        return [self.kinds is None or kind is None or kind in self.kinds for kind in kinds]

    def as_record(self) -> dict[str, Any]:
        """Describe the criterion for reports.

        Returns
        -------
        dict
            ``grade``, whichever of ``within_m`` and ``within_min`` is set, and ``kinds`` if
            set.

        Examples
        --------
        >>> GradeCriterion("2", within_min=15).as_record()
        {'grade': '2', 'within_min': 15}

        """
        record: dict[str, Any] = {"grade": self.grade}
        if self.within_m is not None:
            record["within_m"] = self.within_m
        else:
            record["within_min"] = self.within_min
        if self.kinds is not None:
            record["kinds"] = list(self.kinds)
        return record


@dataclass(frozen=True)
class MetricSettings:
    """Every choice behind the metrics; the targets file can set each (``params``, ``travel``).

    Attributes
    ----------
    county_rule
        Which criterion makes a county "on an expressway" (县县通高速). Default: the seat
        within 30 minutes of an interchange (「30分钟上高速」).
    seat_within_km, seat_within_min
        Thresholds of the ``seat_within_km`` and ``seat_within_min`` criteria.
    county_grade1, township_grade2, township_grade3, poi_grade2
        Grade coverage criteria; the township ones count the kinds of
        :data:`transnet.options.TOWNSHIP_TARGET_KINDS` (乡, 民族乡, 镇; not 街道).
    rai_within_m, rai_grade
        Rural Access Index: places within this distance of a road of this grade or better.
    speeds_kmh
        Design-speed overrides by grade (and ``"ramp"``).
    access_speed_kmh
        Speed of the off-network leg from a place to the network.
    max_snap_m
        Places farther than this from the network are unreachable.

    Raises
    ------
    ValueError
        On an unknown ``county_rule`` (see :data:`COVERAGE_RULES`), or a threshold, speed or
        distance that is not a finite number above 0.

    Examples
    --------
    >>> settings = MetricSettings(county_rule="crossed", speeds_kmh={"2": 70})
    >>> settings.county_rule, settings.seat_within_min, settings.county_grade1.within_m
    ('crossed', 30.0, 5000.0)
    >>> MetricSettings(county_rule="nearby")
    Traceback (most recent call last):
    ...
    ValueError: unknown coverage rule 'nearby'; expected one of ('crossed', ...)
    >>> MetricSettings(seat_within_min=float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: seat_within_min must be a finite number above 0, got nan

    """

    county_rule: CoverageRule = options.COUNTY_RULE
    seat_within_km: float = options.SEAT_WITHIN_KM
    seat_within_min: float = options.SEAT_WITHIN_MIN
    county_grade1: GradeCriterion = GradeCriterion("1", within_m=options.GRADE1_COUNTY_WITHIN_M)
    township_grade2: GradeCriterion = GradeCriterion(
        "2", within_m=options.PLACE_GRADE_WITHIN_M, kinds=options.TOWNSHIP_TARGET_KINDS
    )
    township_grade3: GradeCriterion = GradeCriterion(
        "3", within_m=options.PLACE_GRADE_WITHIN_M, kinds=options.TOWNSHIP_TARGET_KINDS
    )
    poi_grade2: GradeCriterion = GradeCriterion("2", within_m=options.PLACE_GRADE_WITHIN_M)
    rai_within_m: float = options.RAI_WITHIN_M
    rai_grade: str = options.RAI_GRADE
    speeds_kmh: Mapping[str, float] = field(default_factory=dict)
    access_speed_kmh: float = options.ACCESS_SPEED_KMH
    max_snap_m: float = options.MAX_SNAP_M

    def __post_init__(self) -> None:
        if self.county_rule not in COVERAGE_RULES:
            raise ValueError(
                f"unknown coverage rule {self.county_rule!r}; expected one of {COVERAGE_RULES}"
            )
        for name in (
            "seat_within_km",
            "seat_within_min",
            "rai_within_m",
            "access_speed_kmh",
            "max_snap_m",
        ):
            _positive(name, getattr(self, name))
        for grade, speed in self.speeds_kmh.items():
            _positive(f"speeds_kmh[{grade!r}]", speed)
