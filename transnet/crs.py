"""Coordinate reference systems: the projected CRS for lengths, equal-area CRS for areas, checks."""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
from pyproj import CRS
from pyproj.database import query_utm_crs_info

from transnet._errors import InputError

__all__ = ["GEOGRAPHIC_CRS", "PROJECTED_CRS", "check_crs", "equal_area_crs", "utm_crs"]

#: Longitude/latitude CRS of every input and output file (OSM, GeoJSON, Folium).
GEOGRAPHIC_CRS = "EPSG:4326"
#: Default CRS for lengths: UTM zone 49N covers 108–114° E, which holds the Taixin zone.
PROJECTED_CRS = "EPSG:32649"


def equal_area_crs(bounds: tuple[float, float, float, float]) -> CRS:
    """Return an Albers equal-area CRS centred on lon/lat ``bounds``.

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` in degrees.

    Returns
    -------
    pyproj.CRS
        Albers conic equal-area CRS, standard parallels at 1/6 and 5/6 of the latitude span.

    Examples
    --------
    >>> equal_area_crs((111.7, 37.7, 114.0, 39.4)).is_projected
    True

    """
    min_lon, min_lat, max_lon, max_lat = bounds
    span = max_lat - min_lat
    lat_1 = min_lat + span / 6
    lat_2 = max_lat - span / 6
    return CRS.from_proj4(
        f"+proj=aea +lat_1={lat_1:.4f} +lat_2={lat_2:.4f} +lat_0={(min_lat + max_lat) / 2:.4f} "
        f"+lon_0={(min_lon + max_lon) / 2:.4f} +datum=WGS84 +units=m +no_defs"
    )


def utm_crs(lon: float, lat: float) -> CRS:
    """Return the WGS-84 UTM zone CRS containing ``lon``, ``lat``, from PROJ's EPSG database.

    The zones and their extents come from :func:`pyproj.database.query_utm_crs_info`, as in
    :meth:`geopandas.GeoSeries.estimate_utm_crs`; a point on a zone boundary goes to the zone
    east of it, and the equator to the northern zones.

    Parameters
    ----------
    lon, lat
        Degrees, WGS-84.

    Returns
    -------
    pyproj.CRS
        ``EPSG:326xx`` north of the equator, ``EPSG:327xx`` south of it.

    Raises
    ------
    ValueError
        Outside the UTM latitudes (84° N to 80° S) or off the globe.

    Examples
    --------
    >>> utm_crs(112.6, 38.3).to_epsg(), utm_crs(114.0, 38.3).to_epsg()
    (32649, 32650)
    >>> utm_crs(-70.6, -33.4).to_epsg()
    32719

    """
    hemisphere = "N" if lat >= 0 else "S"
    for west, south, east, north, code in _utm_zones():
        in_zone = west <= lon < east or lon == east == 180  # 180° belongs to zone 60
        if in_zone and south <= lat <= north and code.endswith(hemisphere):
            return CRS.from_epsg(int(code[:-1]))
    raise ValueError(f"no UTM zone holds lon {lon}, lat {lat}")


@functools.cache
def _utm_zones() -> tuple[tuple[float, float, float, float, str], ...]:
    """``(west, south, east, north, "<epsg><N|S>")`` of every WGS-84 UTM zone, read once."""
    zones = []
    for info in query_utm_crs_info(datum_name="WGS 84"):
        if info.area_of_use is not None:
            hemisphere = "N" if info.name.endswith("N") else "S"
            zones.append((*info.area_of_use.bounds, f"{info.code}{hemisphere}"))
    return tuple(zones)


def check_crs(frame: gpd.GeoDataFrame, *, path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Check that ``frame`` has a CRS and coordinates that fit it; return it in WGS-84.

    GeoJSON without a ``crs`` member is read as WGS-84 by definition (RFC 7946); a file whose
    coordinates are then outside ±180°/±90° is a projected file that lost its CRS.

    Parameters
    ----------
    frame
        Features just read from ``path``.
    path
        The file, for the error message.

    Returns
    -------
    geopandas.GeoDataFrame
        ``frame`` in :data:`GEOGRAPHIC_CRS`.

    Raises
    ------
    InputError
        If the CRS is missing, or the coordinates cannot be longitude/latitude.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> seat = gpd.GeoDataFrame(geometry=[Point(112.679, 38.060)], crs="EPSG:4490")
    >>> check_crs(seat).crs.to_string()
    'EPSG:4326'

    Projected coordinates in a file that claims (or is read as) WGS-84 are refused:

    >>> lost = gpd.GeoDataFrame(geometry=[Point(650_000, 4_213_000)], crs=GEOGRAPHIC_CRS)
    >>> check_crs(lost, path="seats.geojson")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: seats.geojson: coordinates [...] are not longitude/latitude: ...

    """
    if frame.crs is None:
        raise InputError(
            "the file has no CRS; expected WGS-84 longitude/latitude (EPSG:4326) "
            "or a file that declares its CRS",
            path=path,
        )
    if frame.crs.is_geographic and len(frame) and frame.geometry.notna().any():
        min_x, min_y, max_x, max_y = frame.total_bounds
        if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
            raise InputError(
                f"coordinates {frame.total_bounds.round(1).tolist()} are not longitude/latitude: "
                "the file looks projected but declares no CRS; expected WGS-84 (EPSG:4326) "
                "or a file that declares its CRS",
                path=path,
            )
    return frame.to_crs(GEOGRAPHIC_CRS)
