"""The typed result of one scenario (:class:`ScenarioMetrics`) and its parts.

One unit convention for every record: lengths and network distances in kilometres (``_km``),
the off-network leg from a place to the road it snaps to in metres (``snap_m``), times in
minutes (``_min``), areas in km² and densities in km per 100 km². ``metrics.json`` is written
from these models (:meth:`ScenarioMetrics.to_json`); its JSON Schema is
``transnet/report/metrics.schema.json``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer

__all__ = [
    "RAI",
    "CountyExpresswayCoverage",
    "CountyRecord",
    "GradeCoverage",
    "PlaceRecord",
    "ScenarioMetrics",
    "Share",
]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Share(_Record):
    """How many places of a kind are covered.

    Examples
    --------
    >>> Share.of(3, 4)
    Share(covered=3, total=4, share=0.75)
    >>> Share.of(0, 0).share is None
    True

    """

    covered: int
    total: int
    share: float | None

    @classmethod
    def of(cls, covered: int, total: int) -> Share:
        """Build a share, rounded to 4 decimals; None when there is nothing to cover.

        Examples
        --------
        >>> Share.of(2, 3).share
        0.6667

        """
        return cls(
            covered=int(covered),
            total=int(total),
            share=round(covered / total, 4) if total else None,
        )


class CountyExpresswayCoverage(Share):
    """Counties on an expressway (县县通高速) under the study's rule, and under each criterion.

    Examples
    --------
    >>> coverage = CountyExpresswayCoverage(
    ...     covered=11, total=12, share=0.9167, rule="seat_within_min", within_km=30.0,
    ...     within_min=30.0, by_criterion={"crossed": 10})
    >>> coverage.rule, coverage.share
    ('seat_within_min', 0.9167)

    """

    rule: str
    within_km: float
    within_min: float
    by_criterion: dict[str, int]


class GradeCoverage(Share):
    """Places within ``within_m`` metres or ``within_min`` minutes of a road of ``grade``.

    With ``kinds`` (township targets), only places of those kinds (or of no kind) are counted
    in ``total``; ``left_out`` places of other kinds (街道 …) are not.

    Examples
    --------
    >>> GradeCoverage(covered=1, total=2, share=0.5, grade="2", within_m=1000.0).to_json()
    {'covered': 1, 'total': 2, 'share': 0.5, 'grade': '2', 'within_m': 1000.0}

    """

    grade: str
    within_m: float | None = None
    within_min: float | None = None
    kinds: list[str] | None = None
    left_out: int | None = None
    ordinary_roads_only: Share | None = None

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler: Any) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None or k == "share"}

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-ready dict (criteria that are not set are left out).

        Examples
        --------
        >>> GradeCoverage(covered=0, total=1, share=0.0, grade="1", within_min=15.0).to_json()
        {'covered': 0, 'total': 1, 'share': 0.0, 'grade': '1', 'within_min': 15.0}

        """
        return self.model_dump(mode="json")


class RAI(_Record):
    """Rural Access Index: the share of places within ``within_m`` of a road of ``grade``.

    After the World Bank's definition (Roberts, Shyam and Rastogi, 2006; World Bank, 2016: the
    share of the rural population within 2 km of an all-season road), measured here at township
    seats, both along the network (``network_share``) and as the straight-line buffer peers use
    (``euclidean_share``).

    Examples
    --------
    >>> RAI(grade="3", within_m=2000.0, total=4, network_share=0.5, euclidean_share=0.75).total
    4

    """

    grade: str
    within_m: float
    total: int
    network_share: float | None
    euclidean_share: float | None


class CountyRecord(_Record):
    """One county's figures in one scenario.

    Attributes
    ----------
    code, name, area_km2
        The county.
    length_km, expressway_km, density_per_100km2, expressway_density_per_100km2
        Centre-line length inside the county and its density, all grades and expressways.
    length_km_by_grade, density_per_100km2_by_grade
        The same by technical grade.
    crossed, interchanges, interchange_inside
        Expressway criteria: an expressway crosses the county; access interchanges inside it,
        each physical interchange once, where its entries are (hubs, 枢纽, not counted; see
        :meth:`~transnet.network.RoadNetwork.interchange_points`).
    seat_snap_m, seat_unreachable
        The seat's off-network leg, and whether it is farther than the snap limit.
    seat_to_interchange_km, seat_to_interchange_min
        Network distance and time from the seat to the nearest interchange entry, the merge
        point of an on-ramp, the ramp included (None: unreachable).
    seat_within_km, seat_within_min, covered
        The distance and time criteria, and the study's rule.
    seat_to_grade1_km, seat_to_grade1_min, grade1_covered
        To the nearest road of grade 1 or better (expressways at their interchanges).
    seat_to_grade1_road_km, grade1_road_covered
        The same counting ordinary roads only.

    Examples
    --------
    >>> "seat_to_interchange_min" in CountyRecord.model_fields
    True

    """

    code: str
    name: str
    area_km2: float
    length_km: float
    expressway_km: float
    density_per_100km2: float
    expressway_density_per_100km2: float
    length_km_by_grade: dict[str, float]
    density_per_100km2_by_grade: dict[str, float]
    crossed: bool
    interchanges: int
    interchange_inside: bool
    seat_snap_m: float
    seat_unreachable: bool
    seat_to_interchange_km: float | None
    seat_to_interchange_min: float | None
    seat_within_km: bool
    seat_within_min: bool
    covered: bool
    seat_to_grade1_km: float | None
    seat_to_grade1_min: float | None
    grade1_covered: bool
    seat_to_grade1_road_km: float | None
    grade1_road_covered: bool


class PlaceRecord(_Record):
    """One township seat or point of interest in one scenario.

    Attributes
    ----------
    name
        The place.
    code, kind
        Its administrative code and kind (乡, 民族乡, 镇, 街道, 其他), where the file gives them.
    snap_m, unreachable
        The off-network leg to the nearest ordinary road, and whether it exceeds the limit.
    to_grade_km, to_grade_min
        By grade: network distance and time to the nearest road of that grade or better (None:
        unreachable).
    euclidean_km
        By grade: straight-line distance to the nearest such road.
    road
        By grade: the name (else ref) of that nearest road in a straight line, or of the
        expressway at the nearest interchange; None when unnamed or none exists.
    covered
        By criterion (``township_grade2``, ``poi_grade2`` …): whether the place is covered.
    counted
        By criterion: whether the place counts in the share (a 街道 does not count in the
        township targets by default, see :data:`transnet.options.TOWNSHIP_TARGET_KINDS`).

    Examples
    --------
    >>> record = PlaceRecord(name="大盂镇", snap_m=120.0, unreachable=False,
    ...     to_grade_km={"2": 0.9}, to_grade_min={"2": 1.5}, euclidean_km={"2": 0.7},
    ...     covered={"poi_grade2": True})
    >>> record.to_grade_km["2"]
    0.9

    """

    name: str
    snap_m: float | None
    unreachable: bool
    to_grade_km: dict[str, float | None]
    to_grade_min: dict[str, float | None]
    euclidean_km: dict[str, float | None]
    covered: dict[str, bool]
    code: str | None = None
    kind: str | None = None
    road: dict[str, str | None] = {}
    counted: dict[str, bool] = {}


class ScenarioMetrics(_Record):
    """Every metric of one scenario (from :func:`transnet.metrics.evaluate_scenario`).

    Attributes
    ----------
    length_km, density_per_100km2
        By technical grade plus ``total``: centre-line length inside the region and its
        density per 100 km².
    ramp_km
        Interchange ramps inside the region (not part of the density).
    counties
        One :class:`CountyRecord` per county.
    county_expressway_coverage, county_grade1_coverage
        County coverage.
    township_grade2_coverage, township_grade3_coverage, rai, townships
        With township seats: their coverage, the Rural Access Index and per-township records.
    poi_grade2_coverage, pois
        With points of interest: their coverage and records.

    Examples
    --------
    >>> metrics = study.metrics["after"]
    >>> metrics.value("density_per_100km2.expressway") == metrics.density_per_100km2["expressway"]
    True
    >>> 0 < metrics.value("township_grade2_coverage.share") < 1  # the bundle's township seats
    True

    """

    length_km: dict[str, float]
    ramp_km: float
    density_per_100km2: dict[str, float]
    counties: list[CountyRecord]
    county_expressway_coverage: CountyExpresswayCoverage
    county_grade1_coverage: GradeCoverage
    township_grade2_coverage: GradeCoverage | None = None
    township_grade3_coverage: GradeCoverage | None = None
    rai: RAI | None = None
    townships: list[PlaceRecord] | None = None
    poi_grade2_coverage: GradeCoverage | None = None
    pois: list[PlaceRecord] | None = None

    def value(self, metric: str) -> float | None:
        """Return the number a dotted metric name (``family.key``) names, or None.

        Examples
        --------
        >>> study.metrics["before"].value("county_expressway_coverage.covered")
        12
        >>> study.metrics["before"].value("ramp_km") > 0
        True

        """
        family, _, key = metric.partition(".")
        value: Any = getattr(self, family, None) if family in type(self).model_fields else None
        if key:
            if isinstance(value, dict):
                value = value.get(key)
            elif isinstance(value, BaseModel):
                value = getattr(value, key, None)
            else:
                value = None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return value

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-ready dict of ``metrics.json`` (families not computed are left out).

        Examples
        --------
        >>> sorted(study.metrics["after"].to_json())[:3]
        ['counties', 'county_expressway_coverage', 'county_grade1_coverage']

        """
        return self.model_dump(mode="json", exclude_none=False, exclude=self._absent())

    def _absent(self) -> set[str]:
        return {name for name in type(self).model_fields if getattr(self, name) is None}
