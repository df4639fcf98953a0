"""Ways to :class:`~transnet.network.RoadNetwork`: the one builder behind downloads and files.

Both input paths reduce OSM to the same raw material, :class:`OsmWays` (ways with node ids, tags
and coordinates, plus ``highway=motorway_junction`` nodes), so the same class filter, region
clipping and topology rules apply to both.

Topology: a graph node is a way's end, a node shared by two or more kept ways, or a motorway
junction; ways are split at graph nodes, as osmnx's simplification does.

Dual carriageways: OSM draws a divided road as two one-way ways. Density counts centre-line
length per road, so each carriageway of such a pair counts half (``centerline_factor`` 0.5). A
one-way edge is one carriageway of a pair when a one-way edge of the same road (same ``ref``, or
same ``name`` where there is no ref) runs within ``carriageway_gap_m`` in the opposite direction.

Interchanges: ``nodes["interchange"]`` marks the ``motorway_junction`` nodes (the diverge points
where exit ramps leave a carriageway); an expressway system without any marks, instead, the
nodes where its ramps meet ordinary roads (the fall-back). Which physical interchange each node
belongs to, whether it is a hub (枢纽), and where it is entered (the merge points of its
on-ramps, the county rule's targets) come from the ramps' topology, the same way for both
methods and for schematic networks (:func:`transnet.network.model.interchange_table`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from transnet import options
from transnet._errors import InputError, format_number
from transnet.crs import GEOGRAPHIC_CRS, utm_crs
from transnet.grades import GradeTable, classify_edges, parse_lanes
from transnet.io.osm.tags import WAY_TAGS, highway_filter, way_direction
from transnet.network import RoadNetwork
from transnet.network.model import finish_edges
from transnet.region import Region

__all__ = ["OsmWays", "check_margin_m", "network_from_ways"]


@dataclass
class OsmWays:
    """Raw OSM material: ways (node ids, lon/lat, tags) and motorway junctions.

    A way cut by the edge of the data is added as one piece per run of nodes that have a
    location; each piece keeps the way's id.

    Attributes
    ----------
    way_ids
        OSM id of each way.
    node_ids
        Node ids of each way, in the way's order.
    lonlat
        ``(n, 2)`` longitude/latitude of each way's nodes.
    tags
        The tags of :data:`~transnet.io.osm.tags.WAY_TAGS` each way has.
    junctions
        ``highway=motorway_junction`` node id → its name (see
        :func:`~transnet.io.osm.tags.junction_name`).

    Examples
    --------
    >>> ways = OsmWays()
    >>> ways.add(10, [1, 2], [(112.50, 38.0), (112.51, 38.0)], {"highway": "trunk", "ref": "G108"})
    >>> ways.way_ids, ways.tags
    ([10], [{'highway': 'trunk', 'ref': 'G108'}])

    """

    way_ids: list[int] = field(default_factory=list)
    node_ids: list[np.ndarray] = field(default_factory=list)
    lonlat: list[np.ndarray] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    junctions: dict[int, str] = field(default_factory=dict)

    def add(
        self,
        way_id: int,
        ids: Sequence[int],
        coords: Sequence[tuple[float, float]],
        tags: Mapping[str, Any],
    ) -> None:
        """Add one way (or one piece of a way): its node ids, their lon/lat and its tags.

        Parameters
        ----------
        way_id
            The way's OSM id.
        ids
            Node ids, in the way's order.
        coords
            ``(lon, lat)`` of each node.
        tags
            The way's tags; only :data:`~transnet.io.osm.tags.WAY_TAGS` are kept.

        Examples
        --------
        >>> ways = OsmWays()
        >>> ways.add(11, [3, 4], [(112.5, 38.0), (112.5, 38.1)], {"highway": "primary", "foo": "x"})
        >>> ways.node_ids[0].tolist(), ways.tags[0]
        ([3, 4], {'highway': 'primary'})

        """
        self.way_ids.append(way_id)
        self.node_ids.append(np.asarray(ids, dtype=np.int64))
        self.lonlat.append(np.asarray(coords, dtype=float).reshape(-1, 2))
        self.tags.append({k: tags[k] for k in WAY_TAGS if k in tags})


def _split_ways(ways: OsmWays, junction_ids: set[int]) -> tuple[pd.DataFrame, BaseGeometry]:
    """Split ways at graph nodes: one row per edge (u, v, tags), and the edges' lines in lon/lat.

    Vectorised over all ways at once: each way's nodes in travel order (a ``oneway=-1`` way
    reversed), the graph nodes among them, and each edge the run of nodes between two.
    """
    all_ids = np.concatenate(ways.node_ids)
    all_xy = np.concatenate(ways.lonlat)
    _, inverse, counts = np.unique(all_ids, return_inverse=True, return_counts=True)
    is_cut = (counts[inverse] >= 2) | np.isin(all_ids, np.fromiter(junction_ids, np.int64))
    lengths = np.array([len(ids) for ids in ways.node_ids])
    first = np.cumsum(lengths) - lengths
    directions = [way_direction(tags) for tags in ways.tags]
    oneway = np.array([d[0] for d in directions], dtype=bool)
    reverse = np.array([d[1] for d in directions], dtype=bool)
    way = np.repeat(np.arange(len(lengths)), lengths)
    step = np.arange(len(all_ids)) - first[way]
    source = np.where(reverse[way], first[way] + lengths[way] - 1 - step, first[way] + step)
    ids, xy, cut = all_ids[source], all_xy[source], is_cut[source]
    cut |= (step == 0) | (step == lengths[way] - 1)
    at = np.flatnonzero(cut)
    pair = way[at[:-1]] == way[at[1:]]
    start, end = at[:-1][pair], at[1:][pair]
    edge_way = way[start]
    size = end - start + 1
    offsets = np.cumsum(size) - size
    index = np.arange(size.sum()) - np.repeat(offsets, size) + np.repeat(start, size)
    lines = shapely.linestrings(xy[index], indices=np.repeat(np.arange(len(start)), size))

    def tag(key: str, default: Any) -> np.ndarray:
        return np.array([t.get(key, default) for t in ways.tags], dtype=object)[edge_way]

    frame = pd.DataFrame(
        {
            "u": ids[start],
            "v": ids[end],
            "osmid": np.asarray(ways.way_ids, dtype=np.int64)[edge_way],
            "highway": tag("highway", ""),
            "ref": tag("ref", ""),
            "name": tag("name", ""),
            "lanes": tag("lanes", None),
            "maxspeed": tag("maxspeed", None),
            "oneway": oneway[edge_way],
        }
    )
    return frame, lines


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
    """Interchange marks per node, and the method used.

    Each connected expressway system (motorways and their ``motorway_link`` ramps) uses its
    ``motorway_junction`` nodes; a system that has none falls back to the nodes where its
    ``motorway_link`` ramps meet ordinary roads. The marks only name and locate interchanges:
    :func:`~transnet.network.model.interchange_table` clusters them with the ramps.
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


def network_from_ways(
    ways: OsmWays,
    *,
    region: BaseGeometry | None = None,
    crs: Any = None,
    metadata: Mapping[str, Any] | None = None,
    path: Any = None,
    carriageway_gap_m: float = options.DUAL_CARRIAGEWAY_GAP_M,
    grade_table: GradeTable | None = None,
) -> RoadNetwork:
    """Build the road network from raw OSM ways: topology, grades, dual carriageways, interchanges.

    Parameters
    ----------
    ways
        The ways and motorway junctions read from a file or a download.
    region
        Lon/lat polygon; edges that do not intersect it are dropped. None keeps every edge.
    crs
        Projected CRS for lengths; default the UTM zone of the data's centre.
    metadata
        The network's metadata (source, date, caveat...); ``interchange_method`` and warnings
        are added.
    path
        Where the ways came from, for error messages.
    carriageway_gap_m
        Largest gap between the two carriageways of a divided road.
    grade_table
        How OSM tags map to technical grades; default the packaged tables.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputError
        If there are no ways, or none in ``region``, or ``region`` misses the data.

    Examples
    --------
    >>> ways = OsmWays()
    >>> ways.add(12, [5, 6], [(112.50, 38.01), (112.51141, 38.01)], {"highway": "trunk"})
    >>> ways.add(13, [6, 7], [(112.51141, 38.01), (112.52, 38.02)], {"highway": "motorway_link"})
    >>> network = network_from_ways(ways)
    >>> network.edges[["u", "v", "grade", "ramp"]]
       u  v       grade   ramp
    0  5  6           2  False
    1  6  7  expressway   True
    >>> round(network.edges["length_m"].sum())
    2344

    """
    if not ways.way_ids:
        raise InputError("no roads of the requested classes in the data", path=path)
    edges, geometry = _split_ways(ways, set(ways.junctions))
    edges = gpd.GeoDataFrame(edges, geometry=geometry, crs=GEOGRAPHIC_CRS)
    if region is not None:
        # One index of the region's parts (a province's counties), not one huge outline.
        tree = shapely.STRtree(shapely.get_parts(region))
        data_box = shapely.box(*edges.total_bounds)
        if not len(tree.query(data_box, predicate="intersects")):
            raise InputError(
                f"the region {np.round(region.bounds, 3).tolist()} does not intersect the data "
                f"{np.round(data_box.bounds, 3).tolist()} (lon/lat)",
                path=path,
                field="region",
            )
        hits = tree.query(edges.geometry.values, predicate="intersects")[0]
        edges = edges.iloc[np.unique(hits)]
        if edges.empty:
            raise InputError("no roads of the requested classes in the region", path=path)
    if crs is None:
        centre = shapely.box(*edges.total_bounds).centroid
        crs = utm_crs(centre.x, centre.y)
    edges = edges.to_crs(crs)
    # Parsed once per distinct value: a province has a few dozen values over 10⁵ ways.
    codes, values = pd.factorize(edges["lanes"])
    parsed = pd.array([parse_lanes(v) for v in values] + [None], dtype="Int64")
    edges["lanes"] = parsed[codes]
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
    all_ids = np.concatenate(ways.node_ids)
    known, where = np.unique(all_ids, return_index=True)
    lonlat = np.concatenate(ways.lonlat)[where[np.searchsorted(known, used)]]
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
    metadata = {**(metadata or {}), "interchange_method": method}
    network = RoadNetwork(nodes, edges, metadata)
    if (edges["grade"] == "expressway").any() and len(network.interchange_ids) == 0:
        network.warnings.append(
            "no interchange found: no motorway_link ramp leads from an ordinary road onto a "
            "motorway"
        )
    return network


def check_margin_m(margin_m: Any) -> float:
    """Return the margin around the region as a float, refusing NaN, infinite or negative.

    The command line passes ``--margin-km`` times 1000, so the error names ``margin_km`` in
    kilometres, as the user typed it.

    Examples
    --------
    >>> check_margin_m(5000)
    5000.0
    >>> check_margin_m(float("nan"))
    Traceback (most recent call last):
    ...
    transnet._errors.InputError: field 'margin_km': got nan; expected a finite distance ≥ 0 km
    """
    if isinstance(margin_m, bool) or not isinstance(margin_m, (int, float, np.number)):
        raise InputError(
            f"got {format_number(margin_m)}; expected a finite distance ≥ 0 km", field="margin_km"
        )
    value = float(margin_m)
    if not np.isfinite(value) or value < 0:
        raise InputError(
            f"got {value / 1000:g}; expected a finite distance ≥ 0 km", field="margin_km"
        )
    return value


def _buffered_region(region: Region | BaseGeometry, margin_m: float) -> BaseGeometry:
    """Return the region buffered by ``margin_m``, in lon/lat.

    A :class:`Region` gives a collection of its counties, each buffered (the union of the
    buffered counties is the buffered outline, without the cost of the outline's union).
    """
    margin_m = check_margin_m(margin_m)
    if not isinstance(region, Region):
        centre = region.centroid
        local = utm_crs(centre.x, centre.y)
        buffered = gpd.GeoSeries([region], crs=GEOGRAPHIC_CRS).to_crs(local).buffer(margin_m)
        return buffered.to_crs(GEOGRAPHIC_CRS).iloc[0]
    counties = region.counties.geometry.to_crs(GEOGRAPHIC_CRS)
    # The outline's centroid: counties do not overlap, so it is their area-weighted mean.
    area = shapely.area(counties.values)
    xy = shapely.get_coordinates(shapely.centroid(counties.values))
    x, y = (area @ xy) / area.sum()
    local = utm_crs(x, y)
    buffered = counties.to_crs(local).buffer(margin_m).to_crs(GEOGRAPHIC_CRS)
    return shapely.GeometryCollection(list(buffered.values))


def _metadata(source: str, highways: set[str], region_label: str, margin_m: float) -> dict:
    today = dt.date.today().isoformat()
    return {
        "source": source,
        "date": today,
        "tag_filter": highway_filter(highways),
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
