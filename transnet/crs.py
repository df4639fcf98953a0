"""Coordinate reference systems: the projected CRS for lengths, equal-area CRS for areas, checks."""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.database import query_utm_crs_info

from transnet import options
from transnet._errors import InputError

__all__ = [
    "GEOGRAPHIC_CRS",
    "PROJECTED_CRS",
    "check_crs",
    "equal_area_crs",
    "gcj02_to_wgs84",
    "utm_crs",
]

#: Longitude/latitude CRS of every input and output file (OSM, GeoJSON, Folium).
GEOGRAPHIC_CRS = "EPSG:4326"
#: Default CRS for lengths: UTM zone 49N covers 108–114° E, which holds the Taixin zone.
PROJECTED_CRS = "EPSG:32649"


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 (Gaode, Tencent) lon/lat arrays to WGS-84; NaN stays NaN.

    The one conversion of transnet: fast-geocn's ``gcj02_to_wgs84`` (iterative, about 0.5 m),
    point by point. Points outside China are returned unchanged, as GCJ-02 leaves them.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84([116.397, np.nan], [39.909, np.nan])
    >>> round(float(lon[0]), 4), round(float(lat[0]), 4), bool(np.isnan(lon[1]))
    (116.3908, 39.9076, True)

    """
    from fast_geocn import gcj02_to_wgs84 as convert

    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out_lon = np.full(lon.shape, np.nan)
    out_lat = np.full(lat.shape, np.nan)
    for i in np.flatnonzero(np.isfinite(lon) & np.isfinite(lat)):
        out_lon[i], out_lat[i] = convert(float(lon[i]), float(lat[i]))
    return out_lon, out_lat


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

    GeoJSON without a ``crs`` member is read as WGS-84 by definition (RFC 7946). When most
    coordinates are then outside ±180°/±90° the file is a projected file that lost its CRS;
    when only a few are, or a coordinate is not a finite number, the first such feature is
    named (by its number from 1, and its ``id`` or ``name`` if the file has one).

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
        If the CRS is missing, a coordinate is NaN or infinite, or the coordinates cannot be
        longitude/latitude; ``record`` names the feature and ``field`` is ``geometry``.

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

    One bad coordinate among good ones is named by its feature:

    >>> seats = gpd.GeoDataFrame({"name": ["阳曲", "定襄"]},
    ...                          geometry=[Point(112.67, 38.06), Point(1129.6, 38.5)], crs=4326)
    >>> check_crs(seats, path="seats.geojson")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: seats.geojson, record 'feature #2 (name 定襄)', field ...

    """
    if frame.crs is None:
        raise InputError(
            "the file has no CRS; expected WGS-84 longitude/latitude (EPSG:4326) "
            "or a file that declares its CRS",
            path=path,
        )
    _check_finite(frame, path=path, why="is not a finite number")
    if frame.crs.is_geographic:
        _check_lon_lat(frame, path=path)
        return frame.to_crs(GEOGRAPHIC_CRS)
    coordinates, index = _coordinates(frame)
    beyond = (np.abs(coordinates) > _MAX_PROJECTED).any(axis=1)
    if beyond.any():
        first = int(np.flatnonzero(beyond)[0])
        shown = ", ".join(f"{float(v):.10g}" for v in coordinates[first])
        raise InputError(
            f"coordinate ({shown}) is outside the Earth in the file's CRS {frame.crs.to_string()}",
            path=path,
            record=_feature_name(frame, int(index[first])),
            field="geometry",
        )
    converted = frame.to_crs(GEOGRAPHIC_CRS)
    _check_finite(converted, path=path, why=f"does not fit the file's CRS {frame.crs.to_string()}")
    _check_lon_lat(converted, path=path, projected=True)
    return converted


# No projected coordinate of a point on the Earth exceeds this (the equator is 4e7 m long).
_MAX_PROJECTED = 1e8


def _feature_name(frame: gpd.GeoDataFrame, position: int) -> str:
    """``feature #N`` (from 1), with the feature's ``id`` or ``name`` when it has one."""
    name = f"feature #{position + 1}"
    for column in ("id", "name", "NAME", "名称"):
        if column in frame.columns:
            value = frame[column].iloc[position]
            if isinstance(value, str) or (value is not None and not _is_missing(value)):
                return f"{name} ({column} {value})"
    return name


def _is_missing(value: object) -> bool:
    """Tell whether a cell is missing (None or NaN)."""
    try:
        return bool(np.isnan(value))  # type: ignore[arg-type]
    except TypeError:
        return value is None


def _coordinates(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return shapely.get_coordinates(np.asarray(frame.geometry.array), return_index=True)


def _check_finite(frame: gpd.GeoDataFrame, *, path: str | Path | None, why: str) -> None:
    coordinates, index = _coordinates(frame)
    bad = ~np.isfinite(coordinates).all(axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        x, y = (f"{float(v):.10g}" for v in coordinates[first])
        raise InputError(
            f"coordinate ({x}, {y}) {why}",
            path=path,
            record=_feature_name(frame, int(index[first])),
            field="geometry",
        )


def _check_lon_lat(
    frame: gpd.GeoDataFrame, *, path: str | Path | None, projected: bool = False
) -> None:
    coordinates, index = _coordinates(frame)
    if not len(coordinates):
        return
    x, y = coordinates[:, 0], coordinates[:, 1]
    outside = (np.abs(x) > 180) | (np.abs(y) > 90)
    if not outside.any():
        return
    if not projected and outside.mean() > options.PROJECTED_LOOK_SHARE:
        bounds = [round(float(v), 1) for v in (x.min(), y.min(), x.max(), y.max())]
        raise InputError(
            f"coordinates {bounds} are not longitude/latitude: the file looks projected but "
            "declares no CRS; expected WGS-84 (EPSG:4326) or a file that declares its CRS",
            path=path,
        )
    first = int(np.flatnonzero(outside)[0])
    shown = ", ".join(f"{float(v):.10g}" for v in coordinates[first])
    raise InputError(
        f"coordinate ({shown}) is outside longitude -180 to 180, latitude -90 to 90"
        + (" once converted from the file's CRS" if projected else ""),
        path=path,
        record=_feature_name(frame, int(index[first])),
        field="geometry",
    )
