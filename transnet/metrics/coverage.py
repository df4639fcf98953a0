"""Coverage of county seats, townships and points of interest by roads of a grade.

A place is covered by a road of grade ≥ G when the network distance (or time) from it to the
nearest such road is within the criterion: ordinary roads count along their whole length,
expressways only at the entries of their access interchanges (where an on-ramp merges into a
carriageway, reached along the ramp; hubs between expressways are no entry, see
:func:`transnet.network.model.interchange_table`). Distances include the
off-network leg from the place to the ordinary road it snaps to (:mod:`transnet.access`).

The county rule for 县县通高速 ("every county on an expressway") is read in four ways
(:data:`~transnet.metrics.settings.COVERAGE_RULES`); the plan gives no definition, and
「30分钟上高速」 (the seat within 30 minutes of an interchange) is the default.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd

from transnet._errors import InputError
from transnet.access import AccessGraph, SnappedPoints, cost_from_points
from transnet.grades import GRADES, grade_rank
from transnet.metrics.density import ZoneDensity, km_by_grade
from transnet.metrics.records import (
    CountyExpresswayCoverage,
    CountyRecord,
    GradeCoverage,
    PlaceRecord,
    Share,
)
from transnet.metrics.settings import COVERAGE_RULES, GradeCriterion, MetricSettings
from transnet.nearest import nearest
from transnet.network import RoadNetwork
from transnet.region import Region

__all__ = ["county_coverage", "covered_by", "grade_access", "place_coverage"]


def _grade_targets(
    graph: AccessGraph, grade: str, *, interchanges: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Target nodes and edges for "a road of ``grade`` or better"."""
    network = graph.network
    edges = network.edges
    # Ranked once per distinct grade, not edge by edge.
    values = edges["grade"].dropna().unique()
    good = edges["grade"].isin([g for g in values if grade_rank(g) <= grade_rank(grade)])
    target_edges = good.to_numpy() & ~network.mainline.to_numpy() & ~edges["ramp"].to_numpy()
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
    snapped: SnappedPoints | None = None,
) -> pd.DataFrame:
    """Network distance and time from each place to a road of ``grade`` or better.

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
        Count expressways at their interchanges (else only ordinary roads of the grade count).
    snapped
        ``places`` already snapped to the network (:func:`~transnet.access.snap_points` with
        ``settings.max_snap_m``); default: snapped here, once for both distance and time.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``places``: ``m`` and ``min`` (access leg included), ``euclidean_m``
        (straight line to the nearest such road or interchange), ``snap_m`` (the access leg),
        ``unreachable`` and ``road`` (that nearest road's name, else ref, or the interchange's
        name; None if unnamed or none).

    Examples
    --------
    >>> graph = AccessGraph.from_network(network)
    >>> seats = region.seats.set_index("name").geometry
    >>> access = grade_access(graph, seats, "1", settings=MetricSettings())
    >>> access.columns.tolist(), access.index[0]
    (['m', 'min', 'euclidean_m', 'snap_m', 'unreachable', 'road'], '尖草坪区')

    """
    nodes, target_edges = _grade_targets(graph, grade, interchanges=interchanges)
    if snapped is None:
        snapped = graph.snap(places, max_snap_m=settings.max_snap_m)
    common = {
        "snapped": snapped,
        "target_nodes": nodes,
        "target_edges": target_edges,
        "access_speed_kmh": settings.access_speed_kmh,
        "max_snap_m": settings.max_snap_m,
        "empty_ok": True,
    }
    metres = cost_from_points(graph, places, weight="length_m", **common)
    seconds = cost_from_points(graph, places, weight="time_s", **common)
    network = graph.network
    entries = network.interchange_ids if interchanges else network.interchange_ids[:0]
    queries = places.to_crs(network.crs).values
    edge, edge_m = graph.nearest_edge(queries, target_edges)
    entry, entry_m = nearest(queries, network.nodes.geometry.loc[entries]).per_query(len(queries))
    # The nearest road or interchange; a tie goes to the road.
    at_entry = entry_m < edge_m
    return pd.DataFrame(
        {
            "m": metres["total"].to_numpy(),
            "min": seconds["total"].to_numpy() / 60,
            "euclidean_m": np.where(at_entry, entry_m, edge_m),
            "snap_m": metres["snap_m"].to_numpy(),
            "unreachable": metres["unreachable"].to_numpy(),
            # object, not pandas' string dtype, so a place without a named road keeps None
            "road": pd.Series(
                _road_labels(network, edge, entries, entry, at_entry),
                index=places.index,
                dtype=object,
            ),
        },
        index=places.index,
    )


def _label(value: object) -> str | None:
    return str(value).strip() if isinstance(value, str) and value.strip() else None


def _road_labels(
    network: RoadNetwork,
    edge: np.ndarray,
    entries: np.ndarray,
    entry: np.ndarray,
    at_entry: np.ndarray,
) -> list[str | None]:
    """Name each place's nearest road (its name, else its ref) or interchange (its name)."""
    names = network.edges["name"].to_numpy(dtype=object)
    refs = network.edges["ref"].to_numpy(dtype=object)
    nodes = network.nodes
    if "interchange_name" in nodes.columns:
        entry_names = nodes["interchange_name"].reindex(entries).to_numpy(dtype=object)
    else:
        entry_names = np.full(len(entries), None, dtype=object)
    labels: list[str | None] = []
    for row, node, is_entry in zip(edge.tolist(), entry.tolist(), at_entry.tolist(), strict=True):
        if is_entry:
            labels.append(_label(entry_names[node]) or "expressway interchange")
        elif row >= 0:
            labels.append(_label(names[row]) or _label(refs[row]))
        else:
            labels.append(None)
    return labels


def covered_by(access: pd.DataFrame, criterion: GradeCriterion) -> pd.Series:
    """Whether each place of a :func:`grade_access` table meets ``criterion``.

    Examples
    --------
    >>> access = pd.DataFrame({"m": [800.0, np.inf], "min": [2.0, np.inf]})
    >>> covered_by(access, GradeCriterion("2", within_m=1000.0)).tolist()
    [True, False]

    """
    if criterion.within_m is not None:
        return access["m"] <= criterion.within_m
    return access["min"] <= criterion.within_min


def _finite(value: float, digits: int = 3) -> float | None:
    """Round a finite number; None for an unreachable (infinite) cost."""
    return round(float(value), digits) if np.isfinite(value) else None


def _finite_values(values: pd.Series, digits: int = 3) -> list[float | None]:
    """:func:`_finite` of each value, as a list."""
    return [
        round(value, digits) if math.isfinite(value) else None
        for value in values.to_numpy(dtype=float).tolist()
    ]


def _check_interchanges(network: RoadNetwork) -> None:
    """Expressways without a single interchange are a data error, not a measurement.

    Interchanges that exist but cannot be entered (an OSM extract holding only exit ramps, or
    only hubs) are a measurement: every seat is then unreachable, and the network's build
    warnings say why.
    """
    marked = network.nodes["interchange"].fillna(False).to_numpy(dtype=bool)
    if not marked.any() and network.mainline.any() and network.interchanges.empty:
        raise InputError(
            "the network has expressways but no interchanges, so the county-expressway rule "
            "cannot be measured (target set empty); add interchange points, or OSM "
            "motorway_junction nodes or motorway_link ramps",
            path=network.metadata.get("source"),
            field="interchanges",
        )


def county_coverage(
    graph: AccessGraph,
    region: Region,
    density: ZoneDensity,
    *,
    settings: MetricSettings,
) -> tuple[list[CountyRecord], CountyExpresswayCoverage, GradeCoverage]:
    """Per-county records, county-expressway coverage and grade-1 coverage of county seats.

    Parameters
    ----------
    graph
        The network's matrices.
    region
        The counties and their seats.
    density
        The network's length by county and grade (:func:`~transnet.metrics.density.zone_density`).
    settings
        The county rule, its thresholds and the grade-1 criterion.

    Returns
    -------
    tuple
        The county records, the expressway coverage and the grade-1 coverage.

    Examples
    --------
    >>> from transnet.metrics.density import zone_density
    >>> graph = AccessGraph.from_network(network)
    >>> records, expressway, grade1 = county_coverage(
    ...     graph, region, zone_density(network, region), settings=MetricSettings())
    >>> len(records), expressway.rule, grade1.grade
    (12, 'seat_within_min', '1')

    """
    network = graph.network
    _check_interchanges(network)
    counties = region.counties.to_crs(network.crs).set_index("code")
    seats = region.seats.set_index("code").loc[counties.index].geometry
    # Each physical access interchange counts once, where its entries are (hubs not at all).
    points = network.interchange_points()
    access_points = points.loc[~points["hub"].to_numpy(dtype=bool), ["geometry"]]
    interchange_county = gpd.sjoin(access_points, counties[["geometry"]], predicate="within")[
        "code"
    ]
    snapped = graph.snap(seats, max_snap_m=settings.max_snap_m)
    to_interchange = {
        weight: cost_from_points(
            graph,
            seats,
            target_nodes=network.interchange_ids,
            weight=weight,
            access_speed_kmh=settings.access_speed_kmh,
            max_snap_m=settings.max_snap_m,
            empty_ok=True,
            snapped=snapped,
        )
        for weight in ("length_m", "time_s")
    }
    criterion = settings.county_grade1
    grade1 = grade_access(graph, seats, criterion.grade, settings=settings, snapped=snapped)
    grade1_covered = covered_by(grade1, criterion)
    # The same without expressway interchanges: shows the ordinary-road upgrades on their own.
    grade1_roads = grade_access(
        graph, seats, criterion.grade, settings=settings, interchanges=False, snapped=snapped
    )
    grade1_roads_covered = covered_by(grade1_roads, criterion)
    by_county_grade = {
        code: metres.droplevel(0)
        for code, metres in density.by_county_grade_m.groupby(level=0, sort=False)
    }
    interchanges_in = interchange_county.value_counts()

    records = []
    for code, county in counties.iterrows():
        km = km_by_grade(by_county_grade.get(code, pd.Series(dtype=float)))
        seat_km = to_interchange["length_m"].at[code, "total"] / 1000
        seat_min = to_interchange["time_s"].at[code, "total"] / 60
        criteria = {
            "crossed": km["expressway"] > 0,
            "interchange_inside": bool(interchanges_in.get(code, 0) > 0),
            "seat_within_km": bool(seat_km <= settings.seat_within_km),
            "seat_within_min": bool(seat_min <= settings.seat_within_min),
        }
        per_100km2 = county["area_km2"] / 100
        records.append(
            CountyRecord(
                code=code,
                name=county["name"],
                area_km2=round(float(county["area_km2"]), 3),
                length_km=round(km["total"], 3),
                expressway_km=round(km["expressway"], 3),
                density_per_100km2=round(km["total"] / per_100km2, 3),
                expressway_density_per_100km2=round(km["expressway"] / per_100km2, 3),
                length_km_by_grade={g: round(km[g], 3) for g in GRADES},
                density_per_100km2_by_grade={g: round(km[g] / per_100km2, 3) for g in GRADES},
                crossed=criteria["crossed"],
                interchanges=int(interchanges_in.get(code, 0)),
                interchange_inside=criteria["interchange_inside"],
                seat_snap_m=round(float(to_interchange["length_m"].at[code, "snap_m"]), 1),
                seat_unreachable=bool(to_interchange["length_m"].at[code, "unreachable"]),
                seat_to_interchange_km=_finite(seat_km),
                seat_to_interchange_min=_finite(seat_min, 2),
                seat_within_km=criteria["seat_within_km"],
                seat_within_min=criteria["seat_within_min"],
                covered=criteria[settings.county_rule],
                seat_to_grade1_km=_finite(grade1.at[code, "m"] / 1000),
                seat_to_grade1_min=_finite(grade1.at[code, "min"], 2),
                grade1_covered=bool(grade1_covered.at[code]),
                seat_to_grade1_road_km=_finite(grade1_roads.at[code, "m"] / 1000),
                grade1_road_covered=bool(grade1_roads_covered.at[code]),
            )
        )
    expressway = CountyExpresswayCoverage(
        **Share.of(sum(r.covered for r in records), len(records)).model_dump(),
        rule=settings.county_rule,
        within_km=settings.seat_within_km,
        within_min=settings.seat_within_min,
        by_criterion={name: sum(getattr(r, name) for r in records) for name in COVERAGE_RULES},
    )
    grade1_coverage = GradeCoverage(
        **Share.of(int(grade1_covered.sum()), len(records)).model_dump(),
        **criterion.as_record(),
        ordinary_roads_only=Share.of(int(grade1_roads_covered.sum()), len(records)),
    )
    return records, expressway, grade1_coverage


def place_coverage(
    graph: AccessGraph,
    places: gpd.GeoDataFrame,
    criteria: dict[str, GradeCriterion],
    *,
    settings: MetricSettings,
    extra_grades: tuple[str, ...] = (),
) -> tuple[list[PlaceRecord], dict[str, GradeCoverage], dict[str, pd.DataFrame]]:
    """Per-place records and coverage by criterion for townships or points of interest.

    Parameters
    ----------
    graph
        The network's matrices.
    places
        Points with a ``name`` column, and optionally ``code`` and ``kind`` (乡, 民族乡, 镇,
        街道, 其他): a criterion with ``kinds`` counts only places of those kinds (or of no
        kind) in its share; every place keeps its record.
    criteria
        Coverage criteria by name (``township_grade2`` …).
    settings
        Access speed and snap limit.
    extra_grades
        Further grades to measure (for the Rural Access Index).

    Returns
    -------
    tuple
        The records, the coverage by ``<name>_coverage``, and the :func:`grade_access` table
        by grade.

    Examples
    --------
    >>> graph = AccessGraph.from_network(network)
    >>> records, coverage, _ = place_coverage(
    ...     graph, pois, {"poi_grade2": GradeCriterion("2", within_m=5000.0)},
    ...     settings=MetricSettings())
    >>> list(coverage), records[0].covered
    (['poi_grade2_coverage'], {'poi_grade2': True})

    """
    grades = sorted({c.grade for c in criteria.values()} | set(extra_grades), key=grade_rank)
    points = places.geometry
    # Snapped once for every grade (and for both distance and time).
    snapped = graph.snap(points, max_snap_m=settings.max_snap_m)
    access = {g: grade_access(graph, points, g, settings=settings, snapped=snapped) for g in grades}
    covered = {name: covered_by(access[c.grade], c) for name, c in criteria.items()}
    kinds = _column(places, "kind")
    codes = _column(places, "code")
    counted = {name: np.array(c.counts(kinds), dtype=bool) for name, c in criteria.items()}
    first = access[grades[0]]
    # Columns read once as Python lists: a record per place must not index pandas per value.
    snap_m = _finite_values(first["snap_m"], 1)
    unreachable = first["unreachable"].to_numpy(dtype=bool).tolist()
    km = {g: _finite_values(access[g]["m"] / 1000) for g in grades}
    minutes = {g: _finite_values(access[g]["min"], 2) for g in grades}
    euclidean_km = {g: _finite_values(access[g]["euclidean_m"] / 1000) for g in grades}
    road = {g: access[g]["road"].tolist() for g in grades}
    covered_values = {k: v.to_numpy(dtype=bool).tolist() for k, v in covered.items()}
    counted_values = {k: v.tolist() for k, v in counted.items()}
    records = [
        PlaceRecord(
            name=str(name),
            code=codes[i],
            kind=kinds[i],
            snap_m=snap_m[i],
            unreachable=unreachable[i],
            to_grade_km={g: km[g][i] for g in grades},
            to_grade_min={g: minutes[g][i] for g in grades},
            euclidean_km={g: euclidean_km[g][i] for g in grades},
            road={g: road[g][i] for g in grades},
            covered={k: v[i] for k, v in covered_values.items()},
            counted={k: v[i] for k, v in counted_values.items()},
        )
        for i, name in enumerate(places["name"])
    ]
    coverage = {}
    for name, criterion in criteria.items():
        mask = counted[name]
        share = Share.of(int(covered[name].to_numpy()[mask].sum()), int(mask.sum()))
        left_out = {"left_out": int((~mask).sum())} if criterion.kinds is not None else {}
        coverage[f"{name}_coverage"] = GradeCoverage(
            **share.model_dump(), **criterion.as_record(), **left_out
        )
    return records, coverage, access


def _column(places: gpd.GeoDataFrame, column: str) -> list[str | None]:
    """Return a text column of the places (``kind``, ``code``), None where absent or empty."""
    if column not in places.columns:
        return [None] * len(places)
    return [None if pd.isna(value) else _label(str(value)) for value in places[column]]
