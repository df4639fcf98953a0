"""Road length and density per 100 km², by technical grade, for the zone and each county.

Conventions (as in 《公路网规划编制办法》 and the provincial statistics): density is the
centre-line length of the public road network inside an area per 100 km² of its area. Each road
segment counts once: a carriageway of a road drawn as two one-way carriageways counts half
(``centerline_factor``). Interchange ramps are not part of the network's length; they are
reported apart (``ramp_km``), clipped to the region like every other length. Areas come from an
equal-area projection centred on the region (:func:`transnet.crs.equal_area_crs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from transnet.grades import GRADES
from transnet.network import RoadNetwork
from transnet.region import Region

__all__ = ["ZoneDensity", "clip_edges_to_counties", "km_by_grade", "zone_density"]


def clip_edges_to_counties(network: RoadNetwork, region: Region) -> gpd.GeoDataFrame:
    """Cut road edges (ramps included) at county boundaries.

    Parameters
    ----------
    network
        The network.
    region
        The counties.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per piece of edge inside a county: ``grade``, ``ramp``, ``code``, ``length_m``
        (centre-line length: a carriageway of a dual carriageway counts half) and ``geometry``,
        in the network's CRS; indexed by the edge's position in ``network.edges``.

    Examples
    --------
    >>> pieces = clip_edges_to_counties(network, region)
    >>> pieces.columns.tolist()
    ['grade', 'ramp', 'code', 'geometry', 'length_m']
    >>> set(pieces["code"]) <= set(region.counties["code"])
    True

    """
    edges = network.edges
    counties = region.counties[["code", "geometry"]].to_crs(network.crs)
    polygons = counties.geometry.values
    lines = edges.geometry.values
    # One spatial query for every (county, edge) pair that meets; only the edges that cross a
    # boundary are cut, the others (most of them) are kept whole.
    county, edge = shapely.STRtree(lines).query(polygons, predicate="intersects")
    shapely.prepare(polygons)
    inside = shapely.contains_properly(polygons[county], lines[edge])
    pieces = lines[edge].copy()
    cut = ~inside
    pieces[cut] = shapely.intersection(lines[edge[cut]], polygons[county[cut]])
    # Only line parts count (a road touching a boundary meets the county in a point).
    pieces[cut] = _line_parts(pieces[cut])
    keep = ~shapely.is_empty(pieces)
    county, edge, pieces = county[keep], edge[keep], pieces[keep]
    factor = edges["centerline_factor"].to_numpy(dtype=float)[edge]
    return gpd.GeoDataFrame(
        {
            "grade": edges["grade"].to_numpy()[edge],
            "ramp": edges["ramp"].to_numpy(dtype=bool)[edge],
            "code": counties["code"].to_numpy()[county],
            "geometry": pieces,
            "length_m": shapely.length(pieces) * factor,
        },
        index=pd.Index(edge, name="edge"),
        geometry="geometry",
        crs=network.crs,
    )


def _line_parts(geometries: np.ndarray) -> np.ndarray:
    """Return the line parts of each geometry (points of a collection dropped), else empty."""
    out = geometries.copy()
    collection = shapely.get_type_id(geometries) == shapely.GeometryType.GEOMETRYCOLLECTION
    for i in np.flatnonzero(collection):
        parts = shapely.get_parts(geometries[i])
        lines = parts[np.isin(shapely.get_type_id(parts), [1, 5])]  # LineString, MultiLineString
        out[i] = shapely.line_merge(shapely.union_all(lines)) if len(lines) else shapely.Point()
    points = np.isin(shapely.get_type_id(out), [0, 4])  # Point, MultiPoint
    out[points] = shapely.LineString()
    return out


def km_by_grade(lengths_m: pd.Series) -> dict[str, float]:
    """Map ``{grade: km}`` for every grade plus ``total``, given metres indexed by grade.

    Examples
    --------
    >>> km_by_grade(pd.Series({"expressway": 1500.0, "2": 500.0}))
    {'expressway': 1.5, '1': 0.0, '2': 0.5, '3': 0.0, '4': 0.0, 'below_4': 0.0, 'total': 2.0}

    """
    km = {grade: float(lengths_m.get(grade, 0.0)) / 1000 for grade in GRADES}
    km["total"] = sum(km.values())
    return km


@dataclass(frozen=True)
class ZoneDensity:
    """Length and density of a network inside a region.

    Attributes
    ----------
    length_km, density_per_100km2
        By technical grade plus ``total`` (ramps left out).
    ramp_km
        Ramps inside the region.
    by_county_grade_m
        Centre-line metres by (county code, grade), ramps left out.

    Examples
    --------
    >>> density = zone_density(network, region)
    >>> round(density.density_per_100km2["expressway"], 1)
    4.2

    """

    length_km: dict[str, float]
    density_per_100km2: dict[str, float]
    ramp_km: float
    by_county_grade_m: pd.Series


def zone_density(
    network: RoadNetwork, region: Region, *, pieces: gpd.GeoDataFrame | None = None
) -> ZoneDensity:
    """Measure length (km) and density (km per 100 km²) by grade inside the region.

    Parameters
    ----------
    network
        The network.
    region
        The counties; the zone's area is theirs.
    pieces
        This network's edges already cut at county boundaries
        (:func:`clip_edges_to_counties`), e.g. kept from a network the scenario differs from
        only in some edges' attributes; cut here when None.

    Returns
    -------
    ZoneDensity

    Examples
    --------
    >>> density = zone_density(network, region)
    >>> list(density.density_per_100km2)
    ['expressway', '1', '2', '3', '4', 'below_4', 'total']

    """
    if pieces is None:
        pieces = clip_edges_to_counties(network, region)
    roads = pieces.loc[~pieces["ramp"]]
    km = km_by_grade(roads.groupby("grade")["length_m"].sum())
    per_100km2 = region.area_km2 / 100
    return ZoneDensity(
        length_km={k: round(v, 3) for k, v in km.items()},
        density_per_100km2={k: round(v / per_100km2, 4) for k, v in km.items()},
        ramp_km=round(float(pieces.loc[pieces["ramp"], "length_m"].sum()) / 1000, 3),
        by_county_grade_m=roads.groupby(["code", "grade"])["length_m"].sum(),
    )
