"""Network metrics per scenario: density, county expressway coverage, grade-1 coverage.

Density counts the centre-line length of each road once (each carriageway of a road drawn as
two one-way carriageways counts half); ramps are reported apart
(``ramp_km``) and not counted in density, as they are not part of the road network's length.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from transnet.access import network_distance_to_targets_m
from transnet.grades import GRADES, grade_rank
from transnet.network import RoadNetwork
from transnet.region import Region

__all__ = [
    "COVERAGE_RULES",
    "CoverageRule",
    "clip_edges_to_counties",
    "distance_to_grade_m",
    "evaluate_scenario",
    "place_coverage",
]

#: Ways to read 县县通高速 ("every county on an expressway").
COVERAGE_RULES = ("crossed", "interchange_inside", "seat_within_km")
CoverageRule = Literal["crossed", "interchange_inside", "seat_within_km"]


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

    """
    roads = network.edges.loc[~network.edges["ramp"], ["grade", "centerline_factor", "geometry"]]
    counties = region.counties[["code", "geometry"]].to_crs(network.crs)
    pieces = gpd.overlay(roads, counties, how="intersection", keep_geom_type=True)
    pieces["length_m"] = pieces.length * pieces["centerline_factor"]
    return pieces.drop(columns="centerline_factor")


def _by_grade(lengths_m: pd.Series) -> dict[str, float]:
    """Map ``{grade: km}`` for every grade plus ``total``, given metres indexed by grade."""
    km = {grade: float(lengths_m.get(grade, 0.0)) / 1000 for grade in GRADES}
    km["total"] = sum(km.values())
    return km


def evaluate_scenario(
    network: RoadNetwork,
    region: Region,
    *,
    coverage_rule: CoverageRule = "seat_within_km",
    seat_within_km: float = 30.0,
    grade1_within_km: float = 5.0,
    townships: gpd.GeoDataFrame | None = None,
    township_within_m: float = 1000.0,
) -> dict[str, Any]:
    """Compute every metric of one scenario.

    Parameters
    ----------
    network
        The scenario's network.
    region
        The counties and their seats.
    coverage_rule
        Which criterion decides that a county is "on an expressway" (县县通高速): ``crossed`` (an
        expressway main line crosses it), ``interchange_inside`` (an interchange lies in it) or
        ``seat_within_km`` (its seat is within ``seat_within_km`` of an interchange along the
        network, access leg included).
    seat_within_km
        Network distance for the ``seat_within_km`` rule.
    grade1_within_km
        Straight-line distance from a seat to a road of grade 1 or better for grade-1 coverage.
        Expressways count only at their interchanges, where they can be entered.
    townships
        Township seats (``name``, points); when given, township coverage by grade-2 and
        grade-3 roads is computed.
    township_within_m
        Straight-line distance from a township seat to the road, for township coverage.

    Returns
    -------
    dict
        ``length_km`` and ``density_per_100km2`` (by grade plus ``total``), ``ramp_km``,
        ``counties`` (per-county records), ``county_expressway_coverage`` and
        ``county_grade1_coverage``; with townships also ``township_grade2_coverage``,
        ``township_grade3_coverage`` and ``townships`` (per-township records).

    """
    if coverage_rule not in COVERAGE_RULES:
        raise ValueError(
            f"unknown coverage rule {coverage_rule!r}; expected one of {COVERAGE_RULES}"
        )
    pieces = clip_edges_to_counties(network, region)
    zone_km = _by_grade(pieces.groupby("grade")["length_m"].sum())
    area_100km2 = region.area_km2 / 100
    by_county_grade = pieces.groupby(["code", "grade"])["length_m"].sum()

    counties = region.counties.to_crs(network.crs).set_index("code")
    seats = region.seats.set_index("code").loc[counties.index]
    interchanges = network.nodes.loc[network.nodes["interchange"]]
    interchange_county = gpd.sjoin(
        interchanges[["geometry"]], counties[["geometry"]], predicate="within"
    )["code"]
    seat_distance = network_distance_to_targets_m(network, seats.geometry, network.interchange_ids)
    grade1_distance_m = distance_to_grade_m(network, seats.geometry, "1")

    records = []
    for code, county in counties.iterrows():
        lengths = by_county_grade.get(code, pd.Series(dtype=float))
        km = _by_grade(lengths)
        crossed = km["expressway"] > 0
        n_interchanges = int((interchange_county == code).sum())
        to_interchange_km = float(seat_distance.at[code, "total_m"]) / 1000
        criteria = {
            "crossed": crossed,
            "interchange_inside": n_interchanges > 0,
            "seat_within_km": bool(to_interchange_km <= seat_within_km),
        }
        records.append(
            {
                "code": code,
                "name": county["name"],
                "area_km2": round(float(county["area_km2"]), 3),
                "length_km": round(km["total"], 3),
                "expressway_km": round(km["expressway"], 3),
                "density_per_100km2": round(km["total"] / (county["area_km2"] / 100), 3),
                "expressway_density_per_100km2": round(
                    km["expressway"] / (county["area_km2"] / 100), 3
                ),
                "crossed": crossed,
                "interchanges": n_interchanges,
                "seat_snap_m": round(float(seat_distance.at[code, "snap_m"]), 1),
                "seat_to_interchange_km": _finite(to_interchange_km),
                "seat_within_km": criteria["seat_within_km"],
                "covered": criteria[coverage_rule],
                "seat_to_grade1_km": _finite(grade1_distance_m[code] / 1000),
                "grade1_covered": bool(grade1_distance_m[code] / 1000 <= grade1_within_km),
            }
        )
    covered = pd.Series([r["covered"] for r in records], dtype=bool)
    grade1 = pd.Series([r["grade1_covered"] for r in records], dtype=bool)
    result = {
        "length_km": {k: round(v, 3) for k, v in zone_km.items()},
        "ramp_km": round(
            float(network.edges.loc[network.edges["ramp"], "length_m"].sum()) / 1000, 3
        ),
        "density_per_100km2": {k: round(v / area_100km2, 4) for k, v in zone_km.items()},
        "counties": records,
        "county_expressway_coverage": _share(covered, rule=coverage_rule, within_km=seat_within_km),
        "county_grade1_coverage": _share(grade1, within_km=grade1_within_km),
    }
    if townships is not None:
        table = place_coverage(network, townships, within_m=township_within_m)
        for grade in ("2", "3"):
            result[f"township_grade{grade}_coverage"] = _share(
                table[f"grade{grade}_covered"], within_m=township_within_m
            )
        result["townships"] = table.to_dict("records")
    return result


def distance_to_grade_m(network: RoadNetwork, points: gpd.GeoSeries, grade: str) -> pd.Series:
    """Straight-line distance from each point to a road of ``grade`` or better.

    Expressway main lines count only at their interchanges, where they can be entered.

    Parameters
    ----------
    network
        The network.
    points
        Points in any CRS.
    grade
        The lowest acceptable grade, e.g. ``"2"``.

    Returns
    -------
    pandas.Series
        Metres, indexed like ``points``; ``inf`` where the network has no such road.

    Examples
    --------
    >>> distance_to_grade_m(network, region.seats.geometry, "1")  # doctest: +SKIP
    """
    projected = points.to_crs(network.crs)
    edges = network.edges
    good = edges["grade"].map(grade_rank) <= grade_rank(grade)
    roads = edges.loc[good & ~network.mainline & ~edges["ramp"]]
    interchanges = network.nodes.loc[network.nodes["interchange"]]
    candidates = pd.concat([roads.geometry, interchanges.geometry], ignore_index=True)
    distance = np.full(len(projected), np.inf)
    if not candidates.empty:
        point_index, hit = candidates.sindex.nearest(projected.values, return_all=False)
        distance[point_index] = projected.values[point_index].distance(candidates.values[hit])
    return pd.Series(distance, index=points.index)


def place_coverage(
    network: RoadNetwork,
    places: gpd.GeoDataFrame,
    *,
    grades: tuple[str, ...] = ("2", "3"),
    within_m: float = 1000.0,
) -> pd.DataFrame:
    """Per place, the distance to a road of each grade and whether it is within ``within_m``.

    Returns
    -------
    pandas.DataFrame
        ``name``, then ``grade<G>_m`` and ``grade<G>_covered`` for each grade ``G``.
    """
    table = pd.DataFrame({"name": places["name"].to_numpy()}, index=places.index)
    for grade in grades:
        distance = distance_to_grade_m(network, places.geometry, grade)
        table[f"grade{grade}_m"] = distance.round(1)
        table[f"grade{grade}_covered"] = distance <= within_m
    return table


def _share(covered: pd.Series, **extra: Any) -> dict[str, Any]:
    total = len(covered)
    count = int(covered.sum())
    return {
        **extra,
        "covered": count,
        "total": total,
        "share": round(count / total, 4) if total else None,
    }


def _finite(value: float) -> float | None:
    """Round a finite number to 3 decimals; None for an unreachable (infinite) distance."""
    return round(value, 3) if np.isfinite(value) else None
