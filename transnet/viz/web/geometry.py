"""Map coordinates: WGS-84 (or GCJ-02 for Gaode tiles), rounded to 5 decimals, lines merged.

Every coordinate written to the HTML is rounded to :data:`COORDINATE_DECIMALS` (about 1 m).
Large networks are simplified before drawing (:data:`SIMPLIFY_M`).

Examples
--------
>>> from shapely.geometry import LineString
>>> latlon_lines(rounded(LineString([(112.1234567, 38.1), (112.2, 38.2)])))
[[[38.1, 112.12346], [38.2, 112.2]]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from transnet.crs import GEOGRAPHIC_CRS
from transnet.grades import GRADES

if TYPE_CHECKING:
    from transnet.network import RoadNetwork

__all__ = [
    "COORDINATE_DECIMALS",
    "MINOR_GRADES",
    "SIMPLIFY_M",
    "center",
    "interchange_frame",
    "latlon_lines",
    "road_frame",
    "round_latlon",
    "rounded",
    "to_geographic",
    "wgs84_to_gcj02",
]

#: Decimals kept in WGS-84 coordinates: 1e-5° is about 1 m.
COORDINATE_DECIMALS = 5
#: Large networks: simplification tolerance in metres by grade.
SIMPLIFY_M: dict[str, float] = {
    "expressway": 10.0,
    "1": 10.0,
    "2": 10.0,
    "3": 30.0,
    "4": 30.0,
    "below_4": 30.0,
}
#: Large networks: the grades drawn only when zoomed in, merged without names.
MINOR_GRADES: tuple[str, ...] = ("3", "4", "below_4")


def wgs84_to_gcj02(geometries: np.ndarray) -> np.ndarray:
    """Convert geometries from WGS-84 to GCJ-02 (Gaode), all coordinates in one pass.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> point = wgs84_to_gcj02(np.array([Point(112.5, 38.0)]))[0]
    >>> round(point.x - 112.5, 4), round(point.y - 38.0, 4)
    (0.0065, 0.0006)

    """
    from fast_geocn import wgs84_to_gcj02 as convert_point

    def convert(xy: np.ndarray) -> np.ndarray:
        if len(xy) == 0:
            return xy
        return np.array([convert_point(float(x), float(y)) for x, y in xy], dtype=float)

    return shapely.transform(geometries, convert)


def to_geographic(
    frame: gpd.GeoDataFrame, what: str, *, required: tuple[str, ...], gcj02: bool = False
) -> gpd.GeoDataFrame:
    """Return a WGS-84 (or GCJ-02) copy of ``frame`` after checking its CRS and columns.

    Raises
    ------
    ValueError
        If ``frame`` has no CRS or lacks a ``required`` column (naming ``what``).

    Examples
    --------
    >>> to_geographic(region.seats, "seats", required=("code", "name")).crs.to_epsg()
    4326

    """
    if frame.crs is None:
        raise ValueError(f"{what} has no CRS; expected WGS-84 ({GEOGRAPHIC_CRS}) or a known CRS")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, frame.columns))}"
        )
    frame = frame.to_crs(GEOGRAPHIC_CRS)
    if gcj02:
        frame = frame.set_geometry(
            gpd.GeoSeries(wgs84_to_gcj02(frame.geometry.to_numpy()), index=frame.index)
        )
    return frame


def round_latlon(lat: float, lon: float) -> list[float]:
    """``[lat, lon]`` rounded to :data:`COORDINATE_DECIMALS`.

    Examples
    --------
    >>> round_latlon(38.123456789, 112.5)
    [38.12346, 112.5]

    """
    return [round(float(lat), COORDINATE_DECIMALS), round(float(lon), COORDINATE_DECIMALS)]


def center(bounds: list[list[float]]) -> list[float]:
    """Centre ``[lat, lon]`` of ``[[south, west], [north, east]]``.

    Examples
    --------
    >>> center([[37.0, 112.0], [39.0, 113.0]])
    [38.0, 112.5]

    """
    (south, west), (north, east) = bounds
    return round_latlon((south + north) / 2, (west + east) / 2)


def _round_all(geometries: np.ndarray) -> np.ndarray:
    return shapely.transform(geometries, lambda xy: np.round(xy, COORDINATE_DECIMALS))


def merged_lines(parts: np.ndarray) -> BaseGeometry:
    """One (multi)line of the non-degenerate ``parts``, merged where they meet end to end."""
    parts = shapely.remove_repeated_points(parts[shapely.length(parts) > 0])
    if len(parts) == 1:
        return parts[0]
    return shapely.line_merge(shapely.multilinestrings(parts))


def rounded(geometry: BaseGeometry) -> BaseGeometry:
    """Round coordinates to :data:`COORDINATE_DECIMALS`, dropping line parts that collapse.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> rounded(Point(112.1234567, 38.0)).x
    112.12346

    """
    geometry = _round_all(geometry)
    if geometry.geom_type not in ("LineString", "MultiLineString"):
        return geometry
    return merged_lines(shapely.get_parts(geometry))


def latlon_lines(geometry: BaseGeometry) -> list[list[list[float]]]:
    """Return the ``[[lat, lon], ...]`` vertex lists of a (multi)line, as folium wants them.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> latlon_lines(LineString([(112.0, 38.0), (113.0, 39.0)]))
    [[[38.0, 112.0], [39.0, 113.0]]]

    """
    return [np.asarray(part.coords)[:, 1::-1].tolist() for part in shapely.get_parts(geometry)]


def road_frame(network: RoadNetwork, *, large: bool, gcj02: bool) -> gpd.GeoDataFrame:
    """Edges for drawing: simplified if large, in WGS-84 (or GCJ-02), rounded, no empty lines.

    Raises
    ------
    ValueError
        If the network has a grade that is not one of :data:`transnet.grades.GRADES`.

    Examples
    --------
    >>> frame = road_frame(network, large=False, gcj02=False)
    >>> frame.columns.tolist(), frame.crs.to_epsg()
    (['grade', 'name', 'ref', 'lanes', 'ramp', 'geometry'], 4326)

    """
    unknown = sorted(set(network.edges["grade"].astype(str)) - set(GRADES))
    if unknown:
        raise ValueError(
            f"network has unknown grade(s) {', '.join(unknown)}; expected {', '.join(GRADES)}"
        )
    edges = network.edges[["grade", "name", "ref", "lanes", "ramp", "geometry"]]
    grade = edges["grade"].astype(str)
    geometry = edges.geometry
    if large:
        if geometry.crs is not None and geometry.crs.is_geographic:
            geometry = geometry.to_crs(geometry.estimate_utm_crs())
        tolerance = grade.map(SIMPLIFY_M).to_numpy(dtype=float)
        geometry = gpd.GeoSeries(
            shapely.simplify(geometry.to_numpy(), tolerance, preserve_topology=False),
            index=edges.index,
            crs=geometry.crs,
        )
    lines = geometry.to_crs(GEOGRAPHIC_CRS).to_numpy()
    if gcj02:
        lines = wgs84_to_gcj02(lines)
    lines = _round_all(lines)
    keep = ~shapely.is_empty(lines) & (shapely.length(lines) > 0)
    frame = gpd.GeoDataFrame(
        {
            "grade": grade.to_numpy(),
            "name": edges["name"].fillna("").astype(str).to_numpy(),
            "ref": edges["ref"].fillna("").astype(str).to_numpy(),
            "lanes": edges["lanes"].to_numpy(),
            "ramp": edges["ramp"].fillna(False).astype(bool).to_numpy(),
        },
        geometry=lines,  # repeated points go when lines are merged (RoadFeatures)
        crs=GEOGRAPHIC_CRS,
    )
    if large:
        # Minor roads merge into one feature per grade: their names would outweigh the map.
        minor = frame["grade"].isin(MINOR_GRADES).to_numpy()
        frame.loc[minor, ["name", "ref"]] = ""
        frame.loc[minor, "lanes"] = None
    return frame[keep]


def interchange_frame(network: RoadNetwork, *, gcj02: bool) -> gpd.GeoDataFrame:
    """Return one point per access interchange (``interchange_name``) in map coordinates.

    A physical interchange is one marker however many junction nodes and ramps it has; hubs
    (枢纽), which are no way onto the expressway, are left out.

    Examples
    --------
    >>> interchange_frame(network, gcj02=False).columns.tolist()
    ['interchange_name', 'geometry']

    """
    points = network.interchange_points()
    points = points.loc[~points["hub"].to_numpy(dtype=bool), ["interchange_name", "geometry"]]
    return to_geographic(points, "network interchanges", required=(), gcj02=gcj02)
