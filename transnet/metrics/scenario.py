"""Network metrics of one scenario: density, county expressway coverage, grade coverage, RAI.

Density counts the centre-line length of each road once (each carriageway of a road drawn as
two one-way carriageways counts half); ramps are reported apart (``ramp_km``) and not counted
in density, as they are not part of the road network's length.

Coverage is measured along the network with the engine of :mod:`transnet.access`: the access
leg from the place to its snapped point plus the shortest path, in metres and in minutes. Only
the Rural Access Index figure is also given as a straight-line (Euclidean) buffer, beside the
network figure, because that is what peer tools report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from transnet import options
from transnet._errors import InputError, expect_type
from transnet.access import (
    AccessGraph,
    cost_from_points,
)
from transnet.grades import GRADES, grade_rank
from transnet.network import RoadNetwork
from transnet.region import Region

__all__ = [
    "COVERAGE_RULES",
    "METRICS",
    "CoverageRule",
    "GradeCriterion",
    "MetricSettings",
    "clip_edges_to_counties",
    "evaluate_scenario",
    "grade_access",
    "zone_density",
]

#: Ways to read 县县通高速 ("every county on an expressway").
COVERAGE_RULES = ("crossed", "interchange_inside", "seat_within_km", "seat_within_min")
CoverageRule = Literal["crossed", "interchange_inside", "seat_within_km", "seat_within_min"]


_SHARES = ("share", "covered", "total")
#: Every metric a target may name, as ``family.key``; optional families need extra data.
METRICS: dict[str, tuple[str, ...]] = {
    "length_km": (*GRADES, "total"),
    "density_per_100km2": (*GRADES, "total"),
    "ramp_km": (),
    "county_expressway_coverage": _SHARES,
    "county_grade1_coverage": _SHARES,
    "township_grade2_coverage": _SHARES,
    "township_grade3_coverage": _SHARES,
    "poi_grade2_coverage": _SHARES,
    "rai": ("network_share", "euclidean_share"),
    "village_2lane_share": (),
}


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
        If both or neither of ``within_m`` and ``within_min`` are set.

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
        On an unknown ``county_rule`` (see :data:`COVERAGE_RULES`).

    Examples
    --------
    >>> settings = MetricSettings(county_rule="crossed", speeds_kmh={"2": 70})
    >>> settings.county_rule, settings.seat_within_min, settings.county_grade1.within_m
    ('crossed', 30.0, 5000.0)
    >>> MetricSettings(county_rule="nearby")
    Traceback (most recent call last):
    ...
    ValueError: unknown coverage rule 'nearby'; expected one of ('crossed', ...)

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


def clip_edges_to_counties(network: RoadNetwork, region: Region) -> gpd.GeoDataFrame:
    """Cut road edges at county boundaries.

    Parameters
    ----------
    network
        The network; ramps are left out.
    region
        The counties.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per piece of edge inside a county: ``code``, ``grade``, ``length_m``
        (centre-line length: a carriageway of a dual carriageway counts half) and ``geometry``,
        in the network's CRS.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.region import region_from_bundle
    >>> from transnet.study import load_bundle_network
    >>> bundle = load_bundle("taixin")
    >>> region = region_from_bundle(bundle)
    >>> pieces = clip_edges_to_counties(load_bundle_network(bundle), region)
    >>> pieces.columns.tolist()
    ['grade', 'code', 'geometry', 'length_m']
    >>> set(pieces["code"]) <= set(region.counties["code"])
    True

    """
    roads = network.edges.loc[~network.edges["ramp"], ["grade", "centerline_factor", "geometry"]]
    counties = region.counties[["code", "geometry"]].to_crs(network.crs)
    pieces = gpd.overlay(roads, counties, how="intersection", keep_geom_type=True)
    pieces["length_m"] = pieces.length * pieces["centerline_factor"]
    return pieces.drop(columns="centerline_factor")


def zone_density(network: RoadNetwork, region: Region) -> dict[str, dict[str, float]]:
    """Length (km) and density (km per 100 km²) by grade plus ``total``, inside the region.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.region import region_from_bundle
    >>> from transnet.study import load_bundle_network
    >>> bundle = load_bundle("taixin")
    >>> network, region = load_bundle_network(bundle), region_from_bundle(bundle)
    >>> density = zone_density(network, region)["density_per_100km2"]
    >>> list(density), round(density["expressway"], 1)
    (['expressway', '1', '2', '3', '4', 'total'], 4.2)

    """
    pieces = clip_edges_to_counties(network, region)
    km = _by_grade(pieces.groupby("grade")["length_m"].sum())
    return {
        "length_km": {k: round(v, 3) for k, v in km.items()},
        "density_per_100km2": {k: round(v / (region.area_km2 / 100), 4) for k, v in km.items()},
    }


def _by_grade(lengths_m: pd.Series) -> dict[str, float]:
    """Map ``{grade: km}`` for every grade plus ``total``, given metres indexed by grade."""
    km = {grade: float(lengths_m.get(grade, 0.0)) / 1000 for grade in GRADES}
    km["total"] = sum(km.values())
    return km


def _grade_targets(
    graph: AccessGraph, grade: str, *, interchanges: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Target nodes and edges for "a road of ``grade`` or better".

    Ordinary roads of the grade count along their whole length; expressways only at their
    interchanges, where they can be entered (unless ``interchanges`` is False).
    """
    network = graph.network
    edges = network.edges
    good = (edges["grade"].map(grade_rank) <= grade_rank(grade)).to_numpy()
    target_edges = good & ~network.mainline.to_numpy() & ~edges["ramp"].to_numpy()
    nodes = graph.nodes_of(target_edges)
    if interchanges:
        nodes = np.union1d(nodes, network.interchange_ids)
    return nodes, target_edges


def grade_access(
    graph: AccessGraph,
    places: gpd.GeoSeries,
    grade: str,
    *,
    settings: MetricSettings,
    interchanges: bool = True,
) -> pd.DataFrame:
    """Network distance and time from each place to a road of ``grade`` or better.

    Expressways count at their interchanges; with ``interchanges=False`` only ordinary roads
    of the grade count.

    Parameters
    ----------
    graph
        The network's matrices (:class:`~transnet.access.AccessGraph`).
    places
        Points in any declared CRS.
    grade
        The worst technical grade that counts.
    settings
        Access speed and largest snap distance.
    interchanges
        Count expressways at their interchanges.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``places``: ``m`` and ``min`` (access leg included), ``euclidean_m``
        (straight line to the nearest such road), ``snap_m`` (the access leg: distance from the
        place to the network) and ``unreachable``.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.region import region_from_bundle
    >>> from transnet.study import load_bundle_network
    >>> bundle = load_bundle("taixin")
    >>> graph = AccessGraph.from_network(load_bundle_network(bundle))
    >>> seats = region_from_bundle(bundle).seats.set_index("name").geometry
    >>> access = grade_access(graph, seats, "1", settings=MetricSettings())
    >>> access.columns.tolist(), access.index[0]
    (['m', 'min', 'euclidean_m', 'snap_m', 'unreachable'], '尖草坪区')

    """
    nodes, target_edges = _grade_targets(graph, grade, interchanges=interchanges)
    common = {
        "target_nodes": nodes,
        "target_edges": target_edges,
        "access_speed_kmh": settings.access_speed_kmh,
        "max_snap_m": settings.max_snap_m,
        "empty_ok": True,
    }
    metres = cost_from_points(graph, places, weight="length_m", **common)
    seconds = cost_from_points(graph, places, weight="time_s", **common)
    network = graph.network
    entries = network.nodes["interchange"] & interchanges
    candidates = pd.concat(
        [network.edges.geometry[target_edges], network.nodes.geometry[entries]],
        ignore_index=True,
    )
    projected = places.to_crs(network.crs)
    euclidean = np.full(len(projected), np.inf)
    if not candidates.empty:
        index, hit = candidates.sindex.nearest(projected.values, return_all=False)
        euclidean[index] = projected.values[index].distance(candidates.values[hit])
    return pd.DataFrame(
        {
            "m": metres["total"].to_numpy(),
            "min": seconds["total"].to_numpy() / 60,
            "euclidean_m": euclidean,
            "snap_m": metres["snap_m"].to_numpy(),
            "unreachable": metres["unreachable"].to_numpy(),
        },
        index=places.index,
    )


def _covered(access: pd.DataFrame, criterion: GradeCriterion) -> pd.Series:
    if criterion.within_m is not None:
        return access["m"] <= criterion.within_m
    return access["min"] <= criterion.within_min


def _share(covered: pd.Series, **extra: Any) -> dict[str, Any]:
    total = len(covered)
    count = int(covered.sum())
    return {
        **extra,
        "covered": count,
        "total": total,
        "share": round(count / total, 4) if total else None,
    }


def _finite(value: float, digits: int = 3) -> float | None:
    """Round a finite number; None for an unreachable (infinite) cost."""
    return round(float(value), digits) if np.isfinite(value) else None


def _place_records(
    graph: AccessGraph,
    places: gpd.GeoDataFrame,
    criteria: dict[str, GradeCriterion],
    settings: MetricSettings,
    *,
    rai: bool,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-place records and coverage summaries for a set of places (townships or POIs)."""
    table = pd.DataFrame({"name": places["name"].to_numpy()}, index=places.index)
    summaries: dict[str, Any] = {}
    grades = {c.grade for c in criteria.values()} | ({settings.rai_grade} if rai else set())
    access = {g: grade_access(graph, places.geometry, g, settings=settings) for g in grades}
    for grade in sorted(grades, key=grade_rank):
        table[f"grade{grade}_m"] = access[grade]["m"].round(1)
        table[f"grade{grade}_min"] = access[grade]["min"].round(2)
        table[f"grade{grade}_euclidean_m"] = access[grade]["euclidean_m"].round(1)
    first = access[next(iter(grades))]
    table["snap_m"] = first["snap_m"].round(1)
    table["unreachable"] = first["unreachable"]
    for key, criterion in criteria.items():
        covered = _covered(access[criterion.grade], criterion)
        table[f"{key}_covered"] = covered
        summaries[f"{key}_coverage"] = _share(covered, **criterion.as_record())
    if rai:
        near = access[settings.rai_grade]
        summaries["rai"] = {
            "grade": settings.rai_grade,
            "within_m": settings.rai_within_m,
            "total": len(near),
            "network_share": _share(near["m"] <= settings.rai_within_m)["share"],
            "euclidean_share": _share(near["euclidean_m"] <= settings.rai_within_m)["share"],
        }
    table = table.replace([np.inf, -np.inf], np.nan).astype(object)
    records = table.where(table.notna(), None).to_dict("records")
    return records, summaries


def _check_interchanges(network: RoadNetwork) -> None:
    """Expressways without a single interchange are a data error, not a measurement."""
    if network.mainline.any() and not network.nodes["interchange"].any():
        raise InputError(
            "the network has expressways but no interchanges, so the county-expressway rule "
            "cannot be measured (target set empty); add interchange points, or OSM "
            "motorway_junction nodes or motorway_link ramps",
            path=network.metadata.get("source"),
            field="interchanges",
        )


def evaluate_scenario(
    network: RoadNetwork,
    region: Region,
    *,
    settings: MetricSettings | None = None,
    townships: gpd.GeoDataFrame | None = None,
    pois: gpd.GeoDataFrame | None = None,
    graph: AccessGraph | None = None,
) -> dict[str, Any]:
    """Compute every metric of one scenario.

    Parameters
    ----------
    network
        The scenario's network.
    region
        The counties and their seats.
    settings
        Coverage rules, thresholds and speeds (defaults: :class:`MetricSettings`).
    townships
        Township seats (``name``, points); adds township coverage, the RAI figures and
        ``townships`` records.
    pois
        Points of interest (scenic spots, development zones); adds ``poi_grade2_coverage`` and
        ``pois`` records.
    graph
        The network's matrices, if already built.

    Returns
    -------
    dict
        ``length_km`` and ``density_per_100km2`` (by grade plus ``total``), ``ramp_km``,
        ``counties`` (per-county records), ``county_expressway_coverage`` (with the count of
        counties meeting each criterion), ``county_grade1_coverage``; with townships
        ``township_grade2_coverage``, ``township_grade3_coverage``, ``rai`` and ``townships``;
        with POIs ``poi_grade2_coverage`` and ``pois``.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.region import region_from_bundle
    >>> from transnet.study import load_bundle_network
    >>> bundle = load_bundle("taixin")
    >>> network, region = load_bundle_network(bundle), region_from_bundle(bundle)
    >>> metrics = evaluate_scenario(network, region, settings=MetricSettings(county_rule="crossed"))
    >>> round(metrics["density_per_100km2"]["expressway"], 1)
    4.2
    >>> metrics["county_expressway_coverage"]["rule"], len(metrics["counties"])
    ('crossed', 12)

    """
    expect_type(network, RoadNetwork, "network")
    expect_type(region, Region, "region")
    for name, places in (("townships", townships), ("pois", pois)):
        if places is not None:
            expect_type(places, gpd.GeoDataFrame, name)
            if "name" not in places.columns:
                raise InputError(
                    f"{name}: expected a GeoDataFrame with a 'name' column and point geometry",
                    field="name",
                )
    settings = settings or MetricSettings()
    graph = graph or AccessGraph.from_network(network, speeds_kmh=settings.speeds_kmh)
    pieces = clip_edges_to_counties(network, region)
    zone_km = _by_grade(pieces.groupby("grade")["length_m"].sum())
    by_county_grade = pieces.groupby(["code", "grade"])["length_m"].sum()

    counties = region.counties.to_crs(network.crs).set_index("code")
    seats = region.seats.set_index("code").loc[counties.index].geometry
    interchanges = network.nodes.loc[network.nodes["interchange"]]
    interchange_county = gpd.sjoin(
        interchanges[["geometry"]], counties[["geometry"]], predicate="within"
    )["code"]
    _check_interchanges(network)
    to_interchange = {
        weight: cost_from_points(
            graph,
            seats,
            target_nodes=network.interchange_ids,
            weight=weight,
            access_speed_kmh=settings.access_speed_kmh,
            max_snap_m=settings.max_snap_m,
            empty_ok=True,
        )
        for weight in ("length_m", "time_s")
    }
    grade1 = grade_access(graph, seats, settings.county_grade1.grade, settings=settings)
    grade1_covered = _covered(grade1, settings.county_grade1)
    # The same without expressway interchanges: shows the ordinary-road upgrades on their own.
    grade1_roads = grade_access(
        graph, seats, settings.county_grade1.grade, settings=settings, interchanges=False
    )
    grade1_roads_covered = _covered(grade1_roads, settings.county_grade1)

    records = []
    for code, county in counties.iterrows():
        km = _by_grade(by_county_grade.get(code, pd.Series(dtype=float)))
        seat_km = to_interchange["length_m"].at[code, "total"] / 1000
        seat_min = to_interchange["time_s"].at[code, "total"] / 60
        criteria = {
            "crossed": km["expressway"] > 0,
            "interchange_inside": bool((interchange_county == code).any()),
            "seat_within_km": bool(seat_km <= settings.seat_within_km),
            "seat_within_min": bool(seat_min <= settings.seat_within_min),
        }
        per_100km2 = county["area_km2"] / 100
        records.append(
            {
                "code": code,
                "name": county["name"],
                "area_km2": round(float(county["area_km2"]), 3),
                "length_km": round(km["total"], 3),
                "expressway_km": round(km["expressway"], 3),
                "density_per_100km2": round(km["total"] / per_100km2, 3),
                "expressway_density_per_100km2": round(km["expressway"] / per_100km2, 3),
                "length_km_by_grade": {g: round(km[g], 3) for g in GRADES},
                "density_per_100km2_by_grade": {g: round(km[g] / per_100km2, 3) for g in GRADES},
                "crossed": criteria["crossed"],
                "interchanges": int((interchange_county == code).sum()),
                "interchange_inside": criteria["interchange_inside"],
                "seat_snap_m": round(float(to_interchange["length_m"].at[code, "snap_m"]), 1),
                "seat_unreachable": bool(to_interchange["length_m"].at[code, "unreachable"]),
                "seat_to_interchange_km": _finite(seat_km),
                "seat_to_interchange_min": _finite(seat_min, 2),
                "seat_within_km": criteria["seat_within_km"],
                "seat_within_min": criteria["seat_within_min"],
                "covered": criteria[settings.county_rule],
                "seat_to_grade1_km": _finite(grade1.at[code, "m"] / 1000),
                "seat_to_grade1_min": _finite(grade1.at[code, "min"], 2),
                "grade1_covered": bool(grade1_covered.at[code]),
                "seat_to_grade1_road_km": _finite(grade1_roads.at[code, "m"] / 1000),
                "grade1_road_covered": bool(grade1_roads_covered.at[code]),
            }
        )
    table = pd.DataFrame(records)
    result: dict[str, Any] = {
        "length_km": {k: round(v, 3) for k, v in zone_km.items()},
        "ramp_km": round(
            float(network.edges.loc[network.edges["ramp"], "length_m"].sum()) / 1000, 3
        ),
        "density_per_100km2": {
            k: round(v / (region.area_km2 / 100), 4) for k, v in zone_km.items()
        },
        "counties": records,
        "county_expressway_coverage": {
            **_share(
                table["covered"],
                rule=settings.county_rule,
                within_km=settings.seat_within_km,
                within_min=settings.seat_within_min,
            ),
            "by_criterion": {name: int(table[name].sum()) for name in COVERAGE_RULES},
        },
        "county_grade1_coverage": {
            **_share(table["grade1_covered"], **settings.county_grade1.as_record()),
            "ordinary_roads_only": _share(table["grade1_road_covered"]),
        },
    }
    if townships is not None:
        criteria = {
            "township_grade2": settings.township_grade2,
            "township_grade3": settings.township_grade3,
        }
        records, summaries = _place_records(graph, townships, criteria, settings, rai=True)
        result.update(summaries, townships=records)
    if pois is not None:
        criteria = {"poi_grade2": settings.poi_grade2}
        records, summaries = _place_records(graph, pois, criteria, settings, rai=False)
        result.update(summaries, pois=records)
    return result


def coverage_share(scenario: dict[str, Any], metric: str, params: dict[str, Any]) -> float | None:
    """Recompute a coverage share from per-place records under a target's own ``params``.

    Two targets may read the same coverage with different rules (``crossed`` and
    ``seat_within_km``, say); each gets its own value. Returns None when the records needed are
    absent (no townships, say) or ``metric`` is not a coverage share.

    Examples
    --------
    >>> metric = "county_expressway_coverage.share"
    >>> coverage_share(metrics, metric, {"rule": "crossed"})  # doctest: +SKIP
    """
    family, _, key = metric.partition(".")
    if key != "share":
        return None
    if family == "county_expressway_coverage":
        records = scenario["counties"]
        rule = params.get("rule", scenario[family]["rule"])
        if rule == "seat_within_km":
            limit = float(params.get("within_km", scenario[family]["within_km"]))
            covered = [_le(r["seat_to_interchange_km"], limit) for r in records]
        elif rule == "seat_within_min":
            limit = float(params.get("within_min", scenario[family]["within_min"]))
            covered = [_le(r["seat_to_interchange_min"], limit) for r in records]
        else:
            covered = [bool(r[rule]) for r in records]
        return _share(pd.Series(covered, dtype=bool))["share"]
    places = {
        "county_grade1_coverage": ("counties", "seat_to_grade1_km", "seat_to_grade1_min", 1000),
        "township_grade2_coverage": ("townships", "grade2_m", "grade2_min", 1),
        "township_grade3_coverage": ("townships", "grade3_m", "grade3_min", 1),
        "poi_grade2_coverage": ("pois", "grade2_m", "grade2_min", 1),
    }
    if family not in places or places[family][0] not in scenario:
        return None
    kind, distance_key, minutes_key, metres_per_unit = places[family]
    records = scenario[kind]
    if "within_min" in params:
        covered = [_le(r[minutes_key], float(params["within_min"])) for r in records]
    else:
        limit_m = float(params["within_km"]) * 1000 if "within_km" in params else None
        limit_m = float(params["within_m"]) if "within_m" in params else limit_m
        if limit_m is None:
            return scenario[family]["share"]
        covered = [_le(r[distance_key], limit_m / metres_per_unit) for r in records]
    return _share(pd.Series(covered, dtype=bool))["share"]


def _le(value: float | None, limit: float) -> bool:
    """``value <= limit``, where None means unreachable."""
    return value is not None and value <= limit
