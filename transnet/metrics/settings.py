"""The choices behind the metrics: coverage rules, grade criteria, speeds and snap limits.

Defaults come from :mod:`transnet.options`; a targets file sets them through
:func:`transnet.targets.settings_from_targets`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
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

    Exactly one of ``within_m`` and ``within_min`` is set.

    Attributes
    ----------
    grade
        The worst technical grade that counts (``"expressway"``, ``"1"`` … ``"4"``).
    within_m
        Largest network distance from the place, metres (access leg included).
    within_min
        Largest travel time from the place, minutes (access leg included).

    Raises
    ------
    ValueError
        If both or neither of ``within_m`` and ``within_min`` are set, or the one set is not a
        finite number above 0.

    Examples
    --------
    >>> GradeCriterion("1", within_m=5000.0)
    GradeCriterion(grade='1', within_m=5000.0, within_min=None)
    >>> GradeCriterion("2")
    Traceback (most recent call last):
    ...
    ValueError: set exactly one of within_m and within_min

    """

    grade: str
    within_m: float | None = None
    within_min: float | None = None

    def __post_init__(self) -> None:
        if (self.within_m is None) == (self.within_min is None):
            raise ValueError("set exactly one of within_m and within_min")
        for name in ("within_m", "within_min"):
            _positive(name, getattr(self, name))

    def as_record(self) -> dict[str, Any]:
        """Describe the criterion for reports.

        Returns
        -------
        dict
            ``grade`` and whichever of ``within_m`` and ``within_min`` is set.

        Examples
        --------
        >>> GradeCriterion("2", within_min=15).as_record()
        {'grade': '2', 'within_min': 15}

        """
        if self.within_m is not None:
            return {"grade": self.grade, "within_m": self.within_m}
        return {"grade": self.grade, "within_min": self.within_min}


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
        Grade coverage criteria.
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
    township_grade2: GradeCriterion = GradeCriterion("2", within_m=options.PLACE_GRADE_WITHIN_M)
    township_grade3: GradeCriterion = GradeCriterion("3", within_m=options.PLACE_GRADE_WITHIN_M)
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
