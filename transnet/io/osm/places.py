"""Township seats (乡镇) from OpenStreetMap: place nodes, and admin_level 8 boundaries.

OSM maps township seats in China as ``place=town`` (镇) or ``place=village`` nodes; the names
of township seats end in 镇 or 乡 (configurable), which separates them from ordinary villages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from transnet import options
from transnet._errors import InputError
from transnet.crs import GEOGRAPHIC_CRS
from transnet.io.osm.download import download_features
from transnet.io.osm.files import open_osm_file
from transnet.region import Region

__all__ = ["townships_from_osm", "townships_from_osm_file"]

_PLACE_VALUES = ("town", "village")


def _townships_frame(
    rows: list[tuple[int, str, float, float, str]], region_polygon: BaseGeometry | None
) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "osmid": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "seat_basis": [r[4] for r in rows],
        },
        geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]),
        crs=GEOGRAPHIC_CRS,
    )
    if region_polygon is not None:
        # Prepared, a country's outline tests 100,000 points in a fraction of a second.
        shapely.prepare(region_polygon)
        frame = frame[shapely.contains(region_polygon, frame.geometry.values)]
    return frame.reset_index(drop=True)


def _is_township(tags: Any, suffixes: tuple[str, ...]) -> bool:
    name = tags.get("name:zh") or tags.get("name") or ""
    return tags.get("place") in _PLACE_VALUES and name.endswith(suffixes)


def _region_polygon(region: Region | BaseGeometry | None) -> BaseGeometry | None:
    if region is None:
        return None
    return region.outline if isinstance(region, Region) else region


def townships_from_osm_file(
    path: str | Path,
    *,
    region: Region | BaseGeometry | None = None,
    suffixes: tuple[str, ...] = options.TOWNSHIP_SUFFIXES,
    boundaries: bool = True,
) -> gpd.GeoDataFrame:
    """Township seats from an OSM file.

    Seats come from ``place=town|village`` nodes named ``…镇`` or ``…乡``; a township mapped
    only as an ``admin_level=8`` boundary (乡镇 level in China) adds a point inside its
    polygon, marked as such in ``seat_basis``, because its real seat is not in the data.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf``.
    region
        Keep seats inside this region (or lon/lat polygon).
    suffixes
        Name endings that mark a township seat.
    boundaries
        Also use ``admin_level=8`` boundaries for townships with no place node.

    Returns
    -------
    geopandas.GeoDataFrame
        ``osmid``, ``name``, ``seat_basis`` and point ``geometry`` in WGS-84.

    Raises
    ------
    InputError
        If the file cannot be read as OSM data.

    Examples
    --------
    >>> towns = townships_from_osm_file("shanxi-latest.osm.pbf", region=region)  # doctest: +SKIP
    >>> towns["seat_basis"].value_counts()  # doctest: +SKIP

    """
    import osmium

    path = Path(path)
    rows = []
    try:
        processor = osmium.FileProcessor(open_osm_file(path), osmium.osm.NODE).with_filter(
            osmium.filter.KeyFilter("place")
        )
        for node in processor:
            if _is_township(node.tags, suffixes) and node.location.valid():
                name = node.tags.get("name:zh") or node.tags.get("name")
                rows.append((node.id, name, node.location.lon, node.location.lat, "place node"))
        if boundaries:
            rows += _township_boundaries(open_osm_file(path), {r[1] for r in rows}, suffixes)
    except (RuntimeError, OSError, ValueError) as exc:
        raise InputError(f"cannot read the OSM file: {exc}", path=path) from None
    return _townships_frame(rows, _region_polygon(region))


def _township_boundaries(
    source: Any, known: set[str], suffixes: tuple[str, ...]
) -> list[tuple[int, str, float, float, str]]:
    """Points inside ``admin_level=8`` boundaries of townships with no place node."""
    import osmium

    wkb = osmium.geom.WKBFactory()
    rows = []
    # Only the assembled areas reach Python (not the millions of nodes read to build them).
    processor = (
        osmium.FileProcessor(source)
        .with_areas(osmium.filter.TagFilter(("boundary", "administrative")))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
    )
    for area in processor:
        if not area.is_area() or area.tags.get("admin_level") != "8":
            continue
        name = area.tags.get("name:zh") or area.tags.get("name") or ""
        if not name.endswith(suffixes) or name in known:
            continue
        point = shapely.from_wkb(wkb.create_multipolygon(area)).representative_point()
        rows.append(
            (area.orig_id(), name, point.x, point.y, "admin_level 8 boundary (inside point)")
        )
        known.add(name)
    return rows


def townships_from_osm(
    region: Region | BaseGeometry,
    *,
    suffixes: tuple[str, ...] = options.TOWNSHIP_SUFFIXES,
) -> gpd.GeoDataFrame:
    """Township seats downloaded from OpenStreetMap with osmnx (cached like the network).

    Seats come from ``place=town|village`` nodes whose names end in one of ``suffixes``.

    Parameters
    ----------
    region
        A :class:`~transnet.region.Region` or a lon/lat polygon; seats inside it are kept.
    suffixes
        Name endings that mark a township seat.

    Returns
    -------
    geopandas.GeoDataFrame
        ``osmid``, ``name``, ``seat_basis`` and point ``geometry`` in WGS-84.

    Raises
    ------
    OSMDownloadError
        On a timeout, an HTTP error or a partial answer.

    Examples
    --------
    >>> from transnet.study import run_study
    >>> towns = townships_from_osm(region)  # doctest: +SKIP
    >>> run_study("taixin", townships=towns).results.to_frame()  # doctest: +SKIP

    """
    polygon = _region_polygon(region)
    features = download_features(polygon, {"place": list(_PLACE_VALUES)})
    rows = []
    if len(features):
        nodes = features[features.index.get_level_values("element") == "node"]
        for (_, osmid), row in nodes.iterrows():
            tags = {key: value for key, value in row.items() if not _is_missing(value)}
            if _is_township(tags, suffixes):
                name = tags.get("name:zh") or tags.get("name")
                rows.append((int(osmid), name, row.geometry.x, row.geometry.y, "place node"))
    return _townships_frame(rows, polygon)


def _is_missing(value: Any) -> bool:
    return not isinstance(value, list | tuple | BaseGeometry) and bool(pd.isna(value))
