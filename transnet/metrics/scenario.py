"""Every metric of one scenario, as one typed :class:`~transnet.metrics.records.ScenarioMetrics`.

Density counts the centre-line length of each road once (:mod:`transnet.metrics.density`);
coverage is measured along the network with the engine of :mod:`transnet.access`
(:mod:`transnet.metrics.coverage`); the Rural Access Index is also given as a straight-line
buffer, beside the network figure, because that is what peer tools report
(:mod:`transnet.metrics.rai`).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from transnet import options
from transnet._errors import InputError, expect_type, suggest
from transnet.access import AccessGraph, access_graph
from transnet.grades import GRADES
from transnet.metrics.coverage import county_coverage, place_coverage
from transnet.metrics.density import zone_density
from transnet.metrics.rai import rural_access_index
from transnet.metrics.records import ScenarioMetrics
from transnet.metrics.settings import MetricSettings
from transnet.network import RoadNetwork
from transnet.region import Region

__all__ = ["METRICS", "evaluate_scenario"]

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


def _check_places(places: gpd.GeoDataFrame | None, name: str) -> None:
    if places is None:
        return
    expect_type(places, gpd.GeoDataFrame, name)
    if "name" not in places.columns:
        raise InputError(
            f"{name}: expected a GeoDataFrame with a 'name' column and point geometry",
            field="name",
        )
    if name == "townships" and "kind" in places.columns:
        for place, kind in zip(places["name"], places["kind"], strict=True):
            if not pd.isna(kind) and kind not in options.TOWNSHIP_KINDS:
                hint = suggest(str(kind), options.TOWNSHIP_KINDS)
                raise InputError(
                    f"unknown kind {kind!r}{'; ' + hint if hint else ''} (expected one of "
                    f"{', '.join(options.TOWNSHIP_KINDS)}, or empty)",
                    path=places.attrs.get("source"),
                    record=str(place),
                    field="kind",
                )


def evaluate_scenario(
    network: RoadNetwork,
    region: Region,
    *,
    settings: MetricSettings | None = None,
    townships: gpd.GeoDataFrame | None = None,
    pois: gpd.GeoDataFrame | None = None,
    graph: AccessGraph | None = None,
    pieces: gpd.GeoDataFrame | None = None,
) -> ScenarioMetrics:
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
        Township seats (``name``, points; ``code`` and ``kind`` optional); adds township
        coverage, the RAI (over the seats of the kinds the township grade-2 criterion counts:
        rural, not 街道) and township records.
    pois
        Points of interest (scenic spots, development zones); adds their coverage and records.
    graph
        The network's matrices; default: :func:`~transnet.access.access_graph`'s, built once
        per network.
    pieces
        The network's edges cut at county boundaries, if already cut
        (:func:`~transnet.metrics.density.clip_edges_to_counties`).

    Returns
    -------
    ScenarioMetrics

    Examples
    --------
    >>> metrics = evaluate_scenario(network, region, settings=MetricSettings(county_rule="crossed"))
    >>> round(metrics.density_per_100km2["expressway"], 1)
    4.2
    >>> metrics.county_expressway_coverage.rule, len(metrics.counties)
    ('crossed', 12)

    """
    expect_type(network, RoadNetwork, "network")
    expect_type(region, Region, "region")
    _check_places(townships, "townships")
    _check_places(pois, "pois")
    settings = settings or MetricSettings()
    graph = graph or access_graph(network, speeds_kmh=settings.speeds_kmh)
    density = zone_density(network, region, pieces=pieces)
    counties, expressway, grade1 = county_coverage(graph, region, density, settings=settings)
    extra: dict = {}
    if townships is not None:
        criteria = {
            "township_grade2": settings.township_grade2,
            "township_grade3": settings.township_grade3,
        }
        records, coverage, access = place_coverage(
            graph, townships, criteria, settings=settings, extra_grades=(settings.rai_grade,)
        )
        # Rural: the seats the township targets count (not 街道, urban sub-districts).
        rural = settings.township_grade2.counts(r.kind for r in records)
        rai = rural_access_index(
            access[settings.rai_grade].loc[rural],
            grade=settings.rai_grade,
            within_m=settings.rai_within_m,
        )
        extra.update(coverage, townships=records, rai=rai)
    if pois is not None:
        records, coverage, _ = place_coverage(
            graph, pois, {"poi_grade2": settings.poi_grade2}, settings=settings
        )
        extra.update(coverage, pois=records)
    return ScenarioMetrics(
        length_km=density.length_km,
        ramp_km=density.ramp_km,
        density_per_100km2=density.density_per_100km2,
        counties=counties,
        county_expressway_coverage=expressway,
        county_grade1_coverage=grade1,
        **extra,
    )
