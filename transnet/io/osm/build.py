"""OpenStreetMap road networks: online through osmnx (with its cache), offline from files.

Both paths reduce OSM to the same raw material (ways with node ids, tags and coordinates, plus
``highway=motorway_junction`` nodes) and build the :class:`~transnet.network.RoadNetwork` with the
same code, so the same class filter, region clipping and topology rules apply to both.

Offline files (``.osm``, ``.osm.bz2``, ``.osm.pbf``) are read with pyosmium (``osmium``): it is
maintained by the OSM community around libosmium, the C++ library behind osmium-tool and
Nominatim; it reads all three formats through one streaming interface (so XML and PBF go down the
same path), resolves node locations itself, and reports corrupt or truncated files as errors.
pyrosm reads PBF only and has had no release since 2023; quackosm needs DuckDB and writes
GeoParquet first.

Topology: a graph node is a way's end, a node shared by two or more kept ways, or a motorway
junction; ways are split at graph nodes, as osmnx's simplification does.

Dual carriageways: OSM draws a divided road as two one-way ways. Density counts centre-line
length per road, so each carriageway of such a pair counts half (``centerline_factor`` 0.5). A
one-way edge is one carriageway of a pair when a one-way edge of the same road (same ``ref``, or
same ``name`` where there is no ref) runs within ``carriageway_gap_m`` in the opposite direction.
"""

from __future__ import annotations

import bz2
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from transnet._errors import InputError, TransnetError, expect_type
from transnet._progress import progress
from transnet.crs import GEOGRAPHIC_CRS, utm_crs
from transnet.grades import GradeTable, classify_edges, parse_lanes
from transnet.network import RoadNetwork
from transnet.network.model import finish_edges
from transnet.region import Region

__all__ = [
    "DEFAULT_HIGHWAYS",
    "OSMDownloadError",
    "network_from_osm",
    "network_from_osm_file",
]

#: Road classes kept by default: motorway to tertiary and their links.
DEFAULT_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
)
#: OSM file name endings read offline.
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf", ".pbf")

_TAGS = ("highway", "ref", "name", "lanes", "maxspeed", "oneway", "junction")
_IMPLIED_ONEWAY = ("motorway", "motorway_link")


class OSMDownloadError(TransnetError):
    """The OpenStreetMap download failed or came back incomplete.

    Examples
    --------
    Fall back on a local extract when the download fails:

    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.region import region_from_bundle
    >>> region = region_from_bundle(load_bundle("taixin"))
    >>> try:  # doctest: +SKIP
    ...     network = network_from_osm(region)
    ... except OSMDownloadError:
    ...     network = network_from_osm_file("shanxi-latest.osm.pbf", region=region)

    """


@dataclass
class _OsmWays:
    """Raw OSM material: ways (node ids, lon/lat, tags) and motorway junctions."""

    way_ids: list[int] = field(default_factory=list)
    node_ids: list[np.ndarray] = field(default_factory=list)
    lonlat: list[np.ndarray] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    junctions: dict[int, str] = field(default_factory=dict)

    def add(self, way_id: int, ids: list[int], coords: list[tuple[float, float]], tags) -> None:
        self.way_ids.append(way_id)
        self.node_ids.append(np.asarray(ids, dtype=np.int64))
        self.lonlat.append(np.asarray(coords, dtype=float).reshape(-1, 2))
        self.tags.append({k: tags[k] for k in _TAGS if k in tags})


def _highway_filter(highways: Iterable[str]) -> str:
    return '["highway"~"^(' + "|".join(sorted(set(highways))) + ')$"]'


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


def open_osm_file(path: Path) -> Any:
    """Check an OSM file and return what ``osmium.FileProcessor`` reads for it."""
    import osmium

    kind = _file_kind(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    if kind == "osm.bz2":
        # libosmium reads .bz2 only where built with it; decompress through Python instead.
        try:
            return osmium.io.FileBuffer(bz2.decompress(path.read_bytes()), "osm")
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot decompress the OSM file: {exc}", path=path) from None
    return str(path)


def _read_osm_file(path: Path, highways: set[str]) -> _OsmWays:
    import osmium

    source = open_osm_file(path)
    ways = _OsmWays()
    try:
        processor = (
            osmium.FileProcessor(source, osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for item in progress(processor, desc=f"Reading {path.name}", unit="object"):
            if item.is_node():
                if item.tags.get("highway") == "motorway_junction":
                    ways.junctions[item.id] = item.tags.get("name", "") or item.tags.get("ref", "")
                continue
            if item.tags.get("highway") not in highways or item.tags.get("area") == "yes":
                continue
            _add_valid_runs(ways, item)
    except (RuntimeError, OSError, ValueError) as exc:
        raise InputError(
            f"cannot read the OSM file ({_file_kind(path)}): {exc}", path=path
        ) from None
    return ways


def _add_valid_runs(ways: _OsmWays, way) -> None:
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


def overpass_responses(kind: str, polygon: BaseGeometry, query: Any) -> list[dict[str, Any]]:
    """Download with osmnx (queries, subdivision, pacing, cache); reject incomplete answers.

    ``kind`` is ``"network"`` (``query`` is a way filter) or ``"features"`` (``query`` is a tag
    dict). osmnx builds the Overpass queries and caches only answers with HTTP status OK and no
    remark; transnet parses the JSON itself so that online and offline share one builder, and
    raises on a remark (a server-side timeout that returns partial data), which osmnx only logs.
    """
    import osmnx as ox
    import requests
    from osmnx import _overpass

    ox.settings.use_cache = True
    try:
        if kind == "network":
            requests_ = _overpass._download_overpass_network(polygon, None, query)
        else:
            requests_ = _overpass._download_overpass_features(polygon, query)
        responses = list(progress(requests_, desc="Downloading from Overpass", unit="request"))
    except (
        requests.exceptions.RequestException,
        ox._errors.ResponseStatusCodeError,
        ox._errors.InsufficientResponseError,
    ) as exc:
        raise OSMDownloadError(
            f"OpenStreetMap download failed: {exc}. To use a local OSM file instead, get an "
            "extract (.osm.pbf, .osm or .osm.bz2, e.g. from Geofabrik) and run "
            "`transnet build --source FILE`, or call "
            "transnet.io.osm.network_from_osm_file(FILE, region=...)"
        ) from exc
    for response in responses:
        if not isinstance(response, dict) or "elements" not in response:
            raise OSMDownloadError("Overpass returned no 'elements': the download is incomplete")
        if "remark" in response:
            raise OSMDownloadError(
                f"Overpass answered with a remark ({response['remark']!r}): the result is "
                "partial, so it is rejected"
            )
    return responses


def _ways_from_overpass(responses: Iterable[dict[str, Any]], highways: set[str]) -> _OsmWays:
    """Turn Overpass JSON responses into raw ways; raise if a response is incomplete."""
    nodes: dict[int, tuple[float, float]] = {}
    raw_ways = []
    ways = _OsmWays()
    for response in responses:
        for element in response["elements"]:
            if element.get("type") == "node":
                nodes[element["id"]] = (element["lon"], element["lat"])
                tags = element.get("tags", {})
                if tags.get("highway") == "motorway_junction":
                    ways.junctions[element["id"]] = tags.get("name", "") or tags.get("ref", "")
            elif element.get("type") == "way":
                raw_ways.append(element)
    seen = set()
    for element in raw_ways:
        tags = element.get("tags", {})
        if element["id"] in seen or tags.get("highway") not in highways:
            continue
        seen.add(element["id"])
        ids = [n for n in element.get("nodes", []) if n in nodes]
        if len(ids) >= 2:
            ways.add(element["id"], ids, [nodes[n] for n in ids], tags)
    return ways


def _oneway(tags: dict[str, str]) -> tuple[bool, bool]:
    """Return (oneway, reversed) from OSM tags.

    Motorways, motorway links and roundabouts are one-way unless tagged ``oneway=no``, as OSM
    implies.
    """
    value = str(tags.get("oneway", "")).lower()
    if value == "-1":
        return True, True
    if value in ("yes", "true", "1"):
        return True, False
    if value in ("no", "false", "0"):
        return False, False
    implied = tags.get("highway") in _IMPLIED_ONEWAY or tags.get("junction") == "roundabout"
    return implied, False


def _split_ways(ways: _OsmWays, junction_ids: set[int]) -> pd.DataFrame:
    """Split ways at graph nodes; one row per edge with u, v, coordinates and tags."""
    all_ids = np.concatenate(ways.node_ids)
    unique, counts = np.unique(all_ids, return_counts=True)
    shared = set(unique[counts >= 2].tolist()) | junction_ids
    rows = []
    for way_id, ids, coords, tags in zip(
        ways.way_ids, ways.node_ids, ways.lonlat, ways.tags, strict=True
    ):
        oneway, reverse = _oneway(tags)
        if reverse:
            ids, coords = ids[::-1], coords[::-1]
        cuts = [0, *[i for i in range(1, len(ids) - 1) if int(ids[i]) in shared], len(ids) - 1]
        for start, end in pairwise(cuts):
            rows.append(
                {
                    "u": int(ids[start]),
                    "v": int(ids[end]),
                    "osmid": way_id,
                    "highway": tags.get("highway", ""),
                    "ref": tags.get("ref", ""),
                    "name": tags.get("name", ""),
                    "lanes": tags.get("lanes"),
                    "maxspeed": tags.get("maxspeed"),
                    "oneway": oneway,
                    "coords": coords[start : end + 1],
                }
            )
    return pd.DataFrame(rows)


def _centerline_factor(edges: gpd.GeoDataFrame, *, gap_m: float) -> np.ndarray:
    """0.5 for each carriageway of a dual carriageway, 1.0 otherwise (see module docstring)."""
    factor = np.ones(len(edges))
    identity = edges["ref"].where(edges["ref"] != "", edges["name"]).to_numpy()
    candidates = np.flatnonzero(edges["oneway"].to_numpy() & (identity != ""))
    if len(candidates) < 2:
        return factor
    geometries = edges.geometry.values[candidates]
    left, right = shapely.STRtree(geometries).query(geometries, predicate="dwithin", distance=gap_m)
    keep = left != right
    left, right = candidates[left[keep]], candidates[right[keep]]
    same_road = identity[left] == identity[right]
    start = shapely.get_coordinates(shapely.get_point(edges.geometry.values, 0))
    end = shapely.get_coordinates(shapely.get_point(edges.geometry.values, -1))
    direction = end - start
    norm = np.hypot(direction[:, 0], direction[:, 1])
    norm[norm == 0] = 1.0
    unit = direction / norm[:, None]
    opposite = (unit[left] * unit[right]).sum(axis=1) < -0.7
    paired = left[same_road & opposite]
    factor[paired] = 0.5
    return factor


def _interchanges(
    edges: gpd.GeoDataFrame, node_ids: np.ndarray, junctions: dict[int, str]
) -> tuple[np.ndarray, str]:
    """Interchange flags per node, and the method used.

    Each connected expressway system (motorways and their ``motorway_link`` ramps) uses its
    ``motorway_junction`` nodes; a system that has none falls back to the nodes where its
    ``motorway_link`` ramps meet ordinary roads.
    """
    index = pd.Index(node_ids)
    system = (edges["highway"] == "motorway") | (edges["highway"] == "motorway_link")
    flags = np.zeros(len(node_ids), dtype=bool)
    if not system.any():
        return flags, "none"
    u = index.get_indexer(edges.loc[system, "u"])
    v = index.get_indexer(edges.loc[system, "v"])
    matrix = csr_matrix((np.ones(len(u)), (u, v)), shape=(len(node_ids), len(node_ids)))
    _, component = connected_components(matrix, directed=False)
    in_system = np.zeros(len(node_ids), dtype=bool)
    in_system[np.concatenate([u, v])] = True
    tagged = in_system & index.isin(list(junctions))
    links = edges["highway"] == "motorway_link"
    link_ends = index.isin(edges.loc[links, ["u", "v"]].to_numpy().ravel())
    ordinary_ends = index.isin(edges.loc[~system, ["u", "v"]].to_numpy().ravel())
    fallback = link_ends & ordinary_ends
    systems_with_tags = set(component[tagged])
    uses_tags = np.isin(component, list(systems_with_tags))
    flags = np.where(uses_tags, tagged, fallback & in_system)
    methods = set()
    if tagged.any():
        methods.add("motorway_junction")
    if (fallback & in_system & ~uses_tags).any():
        methods.add("ramp_meets_ordinary_road")
    method = " + ".join(sorted(methods)) if methods else "none"
    return flags, method


def _network_from_ways(
    ways: _OsmWays,
    *,
    region: BaseGeometry | None,
    crs: Any,
    metadata: dict[str, Any],
    path: Any,
    carriageway_gap_m: float,
    grade_table: GradeTable | None,
) -> RoadNetwork:
    if not ways.way_ids:
        raise InputError("no roads of the requested classes in the data", path=path)
    edges = _split_ways(ways, set(ways.junctions))
    pieces = list(edges.pop("coords"))
    geometry = shapely.linestrings(
        np.concatenate(pieces), indices=np.repeat(np.arange(len(pieces)), [len(p) for p in pieces])
    )
    edges = gpd.GeoDataFrame(edges, geometry=geometry, crs=GEOGRAPHIC_CRS)
    if region is not None:
        data_box = shapely.box(*edges.total_bounds)
        if not region.intersects(data_box):
            raise InputError(
                f"the region {np.round(region.bounds, 3).tolist()} does not intersect the data "
                f"{np.round(data_box.bounds, 3).tolist()} (lon/lat)",
                path=path,
                field="region",
            )
        edges = edges[edges.intersects(region)]
        if edges.empty:
            raise InputError("no roads of the requested classes in the region", path=path)
    if crs is None:
        centre = shapely.box(*edges.total_bounds).centroid
        crs = utm_crs(centre.x, centre.y)
    edges = edges.to_crs(crs)
    edges["lanes"] = pd.array([parse_lanes(v) for v in edges["lanes"]], dtype="Int64")
    classes = classify_edges(edges, table=grade_table)
    edges["grade"] = classes["grade"].to_numpy()
    edges["admin_class"] = classes["admin_class"].to_numpy()
    edges["ramp"] = classes["ramp"].to_numpy()
    edges["centerline_factor"] = _centerline_factor(edges, gap_m=carriageway_gap_m)
    edges["source"] = "OpenStreetMap way " + edges["osmid"].astype(str)
    pair = np.sort(edges[["u", "v"]].to_numpy(), axis=1)
    edges["key"] = pd.DataFrame(pair).groupby([0, 1]).cumcount().to_numpy()
    edges["opened"] = None
    edges["project_id"] = None
    edges = finish_edges(edges.reset_index(drop=True), crs)

    used = np.unique(edges[["u", "v"]].to_numpy().ravel())
    lookup: dict[int, tuple[float, float]] = {}
    for ids, coords in zip(ways.node_ids, ways.lonlat, strict=True):
        lookup.update(zip(ids.tolist(), map(tuple, coords.tolist()), strict=True))
    lonlat = np.array([lookup[n] for n in used])
    points = gpd.GeoSeries(gpd.points_from_xy(lonlat[:, 0], lonlat[:, 1]), crs=GEOGRAPHIC_CRS)
    points = points.to_crs(crs)
    flags, method = _interchanges(edges, used, ways.junctions)
    nodes = gpd.GeoDataFrame(
        {
            "x": points.x.to_numpy(),
            "y": points.y.to_numpy(),
            "interchange": flags,
            "interchange_name": [ways.junctions.get(n) for n in used],
        },
        index=pd.Index(used, name="node"),
        geometry=points.to_numpy(),
        crs=crs,
    )
    metadata = {**metadata, "interchange_method": method}
    if not nodes["interchange"].any() and (edges["grade"] == "expressway").any():
        metadata.setdefault("warnings", []).append(
            "no interchange found: no motorway_junction node and no ramp meeting an ordinary road"
        )
    return RoadNetwork(nodes, edges, metadata)


def _buffered_region(region: Region | BaseGeometry, margin_m: float) -> BaseGeometry:
    """Return the region's outline buffered by ``margin_m``, in lon/lat."""
    outline = region.outline if isinstance(region, Region) else region
    centre = outline.centroid
    local = utm_crs(centre.x, centre.y)
    buffered = gpd.GeoSeries([outline], crs=GEOGRAPHIC_CRS).to_crs(local).buffer(margin_m)
    return buffered.to_crs(GEOGRAPHIC_CRS).iloc[0]


def _metadata(source: str, highways: set[str], region_label: str, margin_m: float) -> dict:
    today = dt.date.today().isoformat()
    return {
        "source": source,
        "date": today,
        "tag_filter": _highway_filter(highways),
        "region": region_label,
        "margin_m": margin_m,
        # OSM's coverage of county, township and village roads in China is patchy, so an OSM
        # network never counts as complete for total-length targets.
        "completeness": "osm",
        "label": "OpenStreetMap",
        "caveat": (
            f"Road network from OpenStreetMap ({source}, read {today}), classes "
            f"{', '.join(sorted(highways))}; technical grades are estimated from OSM tags "
            "(data/grades/). OSM's coverage of rural roads in China is incomplete, so total "
            "length and density are lower bounds."
        ),
        "warnings": [],
    }


def network_from_osm_file(
    path: str | Path,
    *,
    region: Region | BaseGeometry | None = None,
    margin_m: float = 5000.0,
    highways: Iterable[str] = DEFAULT_HIGHWAYS,
    include_unclassified: bool = False,
    crs: Any = None,
    carriageway_gap_m: float = 60.0,
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
        Buffer around the region, so that links leaving it are not cut.
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
        For an unknown extension, a corrupt or truncated file, no roads in the region, or a
        region that does not intersect the data.

    Examples
    --------
    >>> network = network_from_osm_file("Helsinki.osm.pbf")  # doctest: +SKIP
    >>> network.edges.groupby("highway")["length_m"].sum()  # doctest: +SKIP
    """
    expect_type(path, (str, Path), "path")
    path = Path(path)
    wanted = set(highways) | ({"unclassified"} if include_unclassified else set())
    ways = _read_osm_file(path, wanted)
    polygon = None if region is None else _buffered_region(region, margin_m)
    label = "" if region is None else getattr(region, "name", "polygon")
    return _network_from_ways(
        ways,
        region=polygon,
        crs=crs,
        metadata=_metadata(str(path), wanted, label, margin_m),
        path=path,
        carriageway_gap_m=carriageway_gap_m,
        grade_table=grade_table,
    )


def network_from_osm(
    region: Region | BaseGeometry,
    *,
    margin_m: float = 5000.0,
    highways: Iterable[str] = DEFAULT_HIGHWAYS,
    include_unclassified: bool = False,
    crs: Any = None,
    carriageway_gap_m: float = 60.0,
    grade_table: GradeTable | None = None,
) -> RoadNetwork:
    """Download a region's roads from OpenStreetMap with osmnx and build the network.

    osmnx's own cache is used (``osmnx.settings.use_cache``); osmnx saves a response only when
    the HTTP status is OK and Overpass made no remark, and this function rejects a response
    with a remark (a server-side timeout returns partial data), so a partial download is never
    used or cached as if complete.

    Parameters
    ----------
    region
        A :class:`~transnet.region.Region` or a lon/lat polygon.
    margin_m, highways, include_unclassified, crs, carriageway_gap_m, grade_table
        As in :func:`network_from_osm_file`.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    OSMDownloadError
        On a timeout, an HTTP error or an incomplete answer; the message says how to use a local
        file instead.

    Examples
    --------
    >>> from transnet.io.bundle import load_bundle
    >>> from transnet.region import region_from_bundle
    >>> region = region_from_bundle(load_bundle("taixin"))
    >>> network = network_from_osm(region, margin_m=10_000)  # doctest: +SKIP
    >>> network.edges.groupby("grade")["length_m"].sum() / 1000  # doctest: +SKIP

    """
    wanted = set(highways) | ({"unclassified"} if include_unclassified else set())
    polygon = _buffered_region(region, margin_m)
    responses = overpass_responses("network", polygon, _highway_filter(wanted))
    ways = _ways_from_overpass(responses, wanted)
    return _network_from_ways(
        ways,
        region=polygon,
        crs=crs,
        metadata=_metadata(
            "OpenStreetMap (Overpass via osmnx)",
            wanted,
            getattr(region, "name", "polygon"),
            margin_m,
        ),
        path="OpenStreetMap download",
        carriageway_gap_m=carriageway_gap_m,
        grade_table=grade_table,
    )
