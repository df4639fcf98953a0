"""Offline OSM files (``.osm``, ``.osm.bz2``, ``.osm.pbf``), read with pyosmium.

pyosmium (``osmium``) is maintained by the OSM community around libosmium, the C++ library behind
osmium-tool and Nominatim; it reads all three formats through one streaming interface (so XML and
PBF go down the same path), resolves node locations itself, and reports corrupt or truncated
files as errors. pyrosm reads PBF only and has had no release since 2023; quackosm needs DuckDB
and writes GeoParquet first. ``osmium`` is imported when a file is read.
"""

from __future__ import annotations

import bz2
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from transnet import options
from transnet._errors import InputError, expect_type
from transnet._progress import progress
from transnet.grades import GradeTable
from transnet.io.osm.build import (
    OsmWays,
    _buffered_region,
    _metadata,
    check_margin_m,
    network_from_ways,
)
from transnet.io.osm.tags import DEFAULT_HIGHWAYS, junction_name, wanted_highways
from transnet.network import RoadNetwork
from transnet.region import Region

__all__ = ["OSM_SUFFIXES", "network_from_osm_file", "open_osm_file"]

#: OSM file name endings read offline.
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf", ".pbf")


def _file_kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".osm.pbf", ".pbf")):
        return "pbf"
    if name.endswith(".osm.bz2"):
        return "osm.bz2"
    if name.endswith(".osm"):
        return "osm"
    raise InputError(
        f"unknown extension; expected one of {', '.join(OSM_SUFFIXES)}", path=path, field="path"
    )


def open_osm_file(path: str | Path) -> Any:
    """Check an OSM file and return what ``osmium.FileProcessor`` reads for it.

    ``.osm.bz2`` is decompressed in Python (libosmium reads bzip2 only where it was built with
    it) and handed over as a buffer; other files are passed by name.

    Parameters
    ----------
    path
        An ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.

    Returns
    -------
    str or osmium.io.FileBuffer

    Raises
    ------
    InputError
        For an unknown extension, a missing file or a corrupt bzip2 stream.

    Examples
    --------
    >>> open_osm_file("roads.shp")
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: roads.shp, field 'path': unknown extension; expected one of ...

    """
    path = Path(path)
    kind = _file_kind(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    if kind == "osm.bz2":
        import osmium

        # libosmium reads .bz2 only where built with it; decompress through Python instead.
        try:
            return osmium.io.FileBuffer(bz2.decompress(path.read_bytes()), "osm")
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot decompress the OSM file: {exc}", path=path) from None
    return str(path)


def _read_osm_file(path: Path, highways: set[str]) -> OsmWays:
    import osmium

    source = open_osm_file(path)
    ways = OsmWays()
    try:
        processor = (
            osmium.FileProcessor(source, osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for item in progress(processor, desc=f"Reading {path.name}", unit="object"):
            if item.is_node():
                name = junction_name(item.tags)
                if name is not None:
                    ways.junctions[item.id] = name
                continue
            if item.tags.get("highway") not in highways or item.tags.get("area") == "yes":
                continue
            _add_valid_runs(ways, item)
    except (RuntimeError, OSError, ValueError) as exc:
        raise InputError(
            f"cannot read the OSM file ({_file_kind(path)}): {exc}", path=path
        ) from None
    return ways


def _add_valid_runs(ways: OsmWays, way) -> None:
    """Add a way, split where the extract lacks a node's location (ways cut at the edge)."""
    tags = dict(way.tags)
    ids: list[int] = []
    coords: list[tuple[float, float]] = []
    for node in way.nodes:
        if node.location.valid():
            ids.append(node.ref)
            coords.append((node.location.lon, node.location.lat))
            continue
        if len(ids) >= 2:
            ways.add(way.id, ids, coords, tags)
        ids, coords = [], []
    if len(ids) >= 2:
        ways.add(way.id, ids, coords, tags)


def network_from_osm_file(
    path: str | Path,
    *,
    region: Region | BaseGeometry | None = None,
    margin_m: float = options.OSM_MARGIN_KM * 1000,
    highways: Iterable[str] = DEFAULT_HIGHWAYS,
    include_unclassified: bool = False,
    crs: Any = None,
    carriageway_gap_m: float = options.DUAL_CARRIAGEWAY_GAP_M,
    grade_table: GradeTable | None = None,
) -> RoadNetwork:
    """Build a road network from an OSM file (``.osm``, ``.osm.bz2`` or ``.osm.pbf``).

    Parameters
    ----------
    path
        The OSM file.
    region
        A :class:`~transnet.region.Region` or a lon/lat polygon; roads intersecting it, buffered
        by ``margin_m``, are kept. ``None`` keeps every road in the file.
    margin_m
        Buffer around the region, so that links leaving it are not cut; finite and ≥ 0.
    highways
        OSM ``highway`` values to keep.
    include_unclassified
        Also keep ``highway=unclassified`` (village roads in China's tagging).
    crs
        Projected CRS for lengths; default the UTM zone of the data's centre.
    carriageway_gap_m
        Largest gap between the two carriageways of a divided road.
    grade_table
        How OSM tags map to technical grades; default the packaged tables in
        ``data/grades/`` (see :meth:`transnet.grades.GradeTable.from_csv` to use your own).

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputError
        For an unknown extension, a corrupt or truncated file, a margin that is not a finite
        distance ≥ 0 (field ``margin_km``), no roads in the region, or a region that does not
        intersect the data. Whether the network covers enough of the region is checked where
        it is used (:func:`transnet.region.check_network_extent`, called by
        :func:`transnet.study.run_study`), so a partial extract can still be built and looked
        at.

    Examples
    --------
    >>> network = network_from_osm_file("Helsinki.osm.pbf")  # doctest: +SKIP
    >>> network.edges.groupby("highway")["length_m"].sum()  # doctest: +SKIP
    """
    expect_type(path, (str, Path), "path")
    path = Path(path)
    margin_m = check_margin_m(margin_m)
    wanted = wanted_highways(highways, include_unclassified=include_unclassified)
    ways = _read_osm_file(path, wanted)
    polygon = None if region is None else _buffered_region(region, margin_m)
    label = "" if region is None else getattr(region, "name", "polygon")
    return network_from_ways(
        ways,
        region=polygon,
        crs=crs,
        metadata=_metadata(str(path), wanted, label, margin_m),
        path=path,
        carriageway_gap_m=carriageway_gap_m,
        grade_table=grade_table,
    )
