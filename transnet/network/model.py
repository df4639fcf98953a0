"""`RoadNetwork`: road edges and nodes in one projected CRS, and how to build one from lines.

Topology rules of :func:`network_from_lines` (the schematic-GeoJSON path):

- every vertex of a line is a node: schematic lines are drawn through places, so a vertex is a
  place; lines that share a vertex coordinate are connected there;
- expressway main lines live in their own layer: they connect to each other at shared vertices
  (hubs) but to other roads only through interchanges, as on the ground; an interchange point is
  inserted into the nearest expressway line and joined by a ramp (``highway=motorway_link``) to
  the nearest ordinary road, split where the ramp meets it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from transnet._errors import InputError, expect_type
from transnet.crs import PROJECTED_CRS
from transnet.grades import ADMIN_CLASSES, normalize_grade

__all__ = ["EDGE_ATTRIBUTES", "RoadNetwork", "network_from_lines"]

#: Attributes every road line carries; ``ref`` and ``source`` may be empty.
EDGE_ATTRIBUTES = ("name", "ref", "grade", "admin_class", "lanes", "opened", "source")

EXPRESSWAY_LAYER = "x"
ORDINARY_LAYER = "o"


@dataclass
class RoadNetwork:
    """A road network: nodes and edges as GeoDataFrames in one projected CRS.

    Attributes
    ----------
    nodes
        Indexed by node id; columns ``x``, ``y`` (projected metres), ``interchange`` (bool),
        ``interchange_name`` and ``geometry``.
    edges
        One row per undirected road segment: ``u``, ``v``, ``key``, ``name``, ``ref``, ``grade``
        (``"expressway"``, ``"1"``–``"4"``), ``admin_class``, ``lanes``, ``opened``, ``source``,
        ``ramp`` (interchange ramp), ``oneway``, ``project_id`` (plan card that made or changed
        it), ``centerline_factor`` (0.5 for each carriageway of a road drawn as two one-way
        carriageways, else 1), ``length_m`` and ``geometry`` (oriented from ``u`` to ``v``).
    metadata
        Free-form facts about the source: ``source``, ``completeness`` (``"complete"`` or
        ``"trunk_only"``), ``label`` (e.g. ``"schematic"``) and build warnings.

    Examples
    --------
    An expressway with one interchange, joined by a ramp to a grade-2 road:

    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString, Point
    >>> lines = gpd.GeoDataFrame(
    ...     {"name": ["G5", "S318"], "grade": ["expressway", "2"]},
    ...     geometry=[LineString([(0, 0), (10_000, 0)]),
    ...               LineString([(5000, 1000), (5000, 5000)])],
    ...     crs="EPSG:32649")
    >>> interchanges = gpd.GeoDataFrame(
    ...     {"name": ["Central"]}, geometry=[Point(5000, 0)], crs="EPSG:32649")
    >>> network = network_from_lines(lines, interchanges)
    >>> network.edges[["u", "v", "name", "grade", "ramp", "length_m"]]
       u  v          name       grade   ramp  length_m
    0  0  1            G5  expressway  False    5000.0
    1  1  2            G5  expressway  False    5000.0
    2  3  4          S318           2  False    4000.0
    3  1  3  Central ramp  expressway   True    1000.0
    >>> network.nodes.loc[network.nodes["interchange"], ["x", "y", "interchange_name"]]
               x    y interchange_name
    node
    1     5000.0  0.0          Central

    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def crs(self):
        """The projected CRS of nodes and edges.

        Examples
        --------
        >>> from transnet.io.bundle import load_bundle
        >>> from transnet.study import load_bundle_network
        >>> network = load_bundle_network(load_bundle("taixin"))
        >>> network.crs.to_epsg()
        32649

        """
        return self.edges.crs

    @property
    def mainline(self) -> pd.Series:
        """Boolean mask of expressway main-line edges (ramps excluded).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import LineString, Point
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["G5", "S318"], "grade": ["expressway", "2"]},
        ...     geometry=[LineString([(0, 0), (10_000, 0)]),
        ...               LineString([(5000, 1000), (5000, 5000)])],
        ...     crs="EPSG:32649")
        >>> interchanges = gpd.GeoDataFrame(
        ...     {"name": ["Central"]}, geometry=[Point(5000, 0)], crs="EPSG:32649")
        >>> network_from_lines(lines, interchanges).mainline.tolist()
        [True, True, False, False]

        """
        return (self.edges["grade"] == "expressway") & ~self.edges["ramp"]

    @property
    def interchange_ids(self) -> np.ndarray:
        """Ids of interchange nodes.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import LineString, Point
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["G5", "S318"], "grade": ["expressway", "2"]},
        ...     geometry=[LineString([(0, 0), (10_000, 0)]),
        ...               LineString([(5000, 1000), (5000, 5000)])],
        ...     crs="EPSG:32649")
        >>> interchanges = gpd.GeoDataFrame(
        ...     {"name": ["Central"]}, geometry=[Point(5000, 0)], crs="EPSG:32649")
        >>> network_from_lines(lines, interchanges).interchange_ids
        array([1])

        """
        return self.nodes.index[self.nodes["interchange"]].to_numpy()

    def copy(self) -> RoadNetwork:
        """Return a deep copy.

        Returns
        -------
        RoadNetwork
            Nodes, edges and metadata copied: changing the copy leaves the network as it was.

        Examples
        --------
        >>> from transnet.io.bundle import load_bundle
        >>> from transnet.study import load_bundle_network
        >>> network = load_bundle_network(load_bundle("taixin"))
        >>> widened = network.copy()
        >>> widened.edges["lanes"] = 8
        >>> bool((network.edges["lanes"] == 8).any())
        False

        """
        return RoadNetwork(
            self.nodes.copy(), self.edges.copy(), {**self.metadata, "warnings": list(self.warnings)}
        )

    @property
    def warnings(self) -> list[str]:
        """Problems found while building (e.g. an interchange with no road to join).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import LineString, Point
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["G5", "S318"], "grade": ["expressway", "2"]},
        ...     geometry=[LineString([(0, 0), (10_000, 0)]),
        ...               LineString([(5000, 1000), (5000, 5000)])],
        ...     crs="EPSG:32649")
        >>> interchanges = gpd.GeoDataFrame(
        ...     {"name": ["Central"]}, geometry=[Point(5000, 0)], crs="EPSG:32649")
        >>> network_from_lines(lines, interchanges, ramp_max_m=500).warnings
        ["interchange 'Central' has no ordinary road within 500 m: it counts as an interchange ..."]

        """
        return self.metadata.setdefault("warnings", [])

    def to_networkx(self) -> nx.MultiDiGraph:
        """Convert to an osmnx-compatible ``MultiDiGraph``.

        Two-way edges appear in both directions, the copy flagged ``reversed=True`` as osmnx
        does; ``length`` is in metres; the graph carries ``crs``.

        Returns
        -------
        networkx.MultiDiGraph

        Examples
        --------
        >>> import osmnx as ox  # doctest: +SKIP
        >>> nodes, edges = ox.graph_to_gdfs(network.to_networkx())  # doctest: +SKIP

        """
        graph = nx.MultiDiGraph(crs=self.crs, name=self.metadata.get("source", "transnet"))
        ends = pd.concat([self.edges["u"], self.edges["v"]])
        street_count = ends.value_counts().reindex(self.nodes.index, fill_value=0)
        for node_id, row in self.nodes.iterrows():
            graph.add_node(
                node_id,
                x=row["x"],
                y=row["y"],
                street_count=int(street_count[node_id]),
                interchange=bool(row["interchange"]),
                interchange_name=row["interchange_name"],
            )
        attributes = [c for c in self.edges.columns if c not in ("u", "v", "key", "length_m")]
        for row in self.edges.itertuples(index=False):
            data = {name: getattr(row, name) for name in attributes}
            data["length"] = row.length_m
            data["highway"] = _highway_tag(row.grade, row.ramp)
            graph.add_edge(row.u, row.v, key=row.key, reversed=False, **data)
            if not row.oneway:
                reverse = {**data, "geometry": row.geometry.reverse(), "reversed": True}
                graph.add_edge(row.v, row.u, key=row.key, **reverse)
        return graph

    @classmethod
    def from_networkx(
        cls, graph: nx.MultiDiGraph, *, metadata: dict[str, Any] | None = None
    ) -> RoadNetwork:
        """Build a network from a graph made by :meth:`to_networkx` (or osmnx, projected).

        The reversed copies of two-way edges (``reversed=True``) are dropped, so each road
        segment appears once.

        Parameters
        ----------
        graph
            Nodes with ``x`` and ``y``, edges with attributes as :attr:`edges` (missing ones get
            defaults); the graph's ``crs`` must be projected.
        metadata
            Stored on the network (``source``, ``completeness``, ``label``).

        Returns
        -------
        RoadNetwork

        Raises
        ------
        InputError
            If the graph has no ``crs`` or a geographic one.

        Examples
        --------
        >>> from transnet.io.bundle import load_bundle
        >>> from transnet.study import load_bundle_network
        >>> network = load_bundle_network(load_bundle("taixin"))
        >>> back = RoadNetwork.from_networkx(network.to_networkx(), metadata=network.metadata)
        >>> len(back.edges) == len(network.edges), back.crs == network.crs
        (True, True)

        """
        crs = graph.graph.get("crs")
        if crs is None or gpd.GeoSeries(crs=crs).crs.is_geographic:
            raise InputError(
                f"graph CRS is {crs!r}; expected a projected CRS such as {PROJECTED_CRS} "
                "(use osmnx.project_graph first)",
                field="crs",
            )
        node_ids = list(graph.nodes)
        xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in node_ids], dtype=float)
        position = {node: i for i, node in enumerate(node_ids)}
        nodes = gpd.GeoDataFrame(
            {
                "x": xy[:, 0],
                "y": xy[:, 1],
                "interchange": [bool(graph.nodes[n].get("interchange", False)) for n in node_ids],
                "interchange_name": [graph.nodes[n].get("interchange_name") for n in node_ids],
            },
            index=pd.Index(node_ids, name="node"),
            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
            crs=crs,
        )
        rows = []
        for u, v, key, data in graph.edges(keys=True, data=True):
            if data.get("reversed") is True:
                continue
            geometry = data.get("geometry") or LineString([xy[position[u]], xy[position[v]]])
            row = {k: val for k, val in data.items() if k not in ("length", "reversed", "highway")}
            row.update(u=u, v=v, key=key, geometry=geometry)
            row.setdefault("ramp", str(data.get("highway", "")).endswith("_link"))
            rows.append(row)
        edges = finish_edges(pd.DataFrame(rows), crs)
        return cls(nodes, edges, dict(metadata or {}))


def _highway_tag(grade: str, ramp: bool) -> str:
    if ramp:
        return "motorway_link"
    return {"expressway": "motorway", "1": "trunk", "2": "primary", "3": "secondary"}.get(
        grade, "tertiary"
    )


def finish_edges(frame: pd.DataFrame, crs) -> gpd.GeoDataFrame:
    edges = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
    defaults = {
        "name": "",
        "ref": "",
        "admin_class": "unknown",
        "lanes": None,
        "opened": None,
        "source": "",
        "ramp": False,
        "oneway": False,
        "project_id": None,
        "centerline_factor": 1.0,
    }
    for column, default in defaults.items():
        if column not in edges.columns:
            edges[column] = default
        elif default is not None:
            edges[column] = edges[column].fillna(default)
    edges["ramp"] = edges["ramp"].astype(bool)
    edges["oneway"] = edges["oneway"].astype(bool)
    edges["centerline_factor"] = edges["centerline_factor"].astype(float)
    edges["length_m"] = edges.length
    ordered = [
        "u",
        "v",
        "key",
        *EDGE_ATTRIBUTES,
        "ramp",
        "oneway",
        "project_id",
        "centerline_factor",
        "length_m",
    ]
    rest = [c for c in edges.columns if c not in ordered and c != "geometry"]
    return edges[[*ordered, *rest, "geometry"]].reset_index(drop=True)


class NetworkBuilder:
    """Accumulates nodes (keyed by layer and 1 m-rounded coordinates) and edges."""

    def __init__(self, crs) -> None:
        self.crs = crs
        self._ids: dict[tuple[str, int, int], int] = {}
        self._next_id = 0
        self.nodes_by_id: dict[int, dict[str, Any]] = {}
        self.edge_rows: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    @classmethod
    def from_network(cls, network: RoadNetwork) -> NetworkBuilder:
        builder = cls(network.crs)
        touching_mainline = network.edges.loc[network.mainline, ["u", "v"]].to_numpy().ravel()
        nodes = pd.DataFrame(
            {
                "node": network.nodes.index.to_numpy(),
                "x": network.nodes["x"].to_numpy(dtype=float),
                "y": network.nodes["y"].to_numpy(dtype=float),
                "interchange": network.nodes["interchange"].to_numpy(dtype=bool),
                "interchange_name": network.nodes["interchange_name"].to_numpy(dtype=object),
            }
        )
        nodes["layer"] = np.where(
            nodes["node"].isin(touching_mainline), EXPRESSWAY_LAYER, ORDINARY_LAYER
        )
        for row in nodes.to_dict("records"):
            builder._ids[(row["layer"], round(row["x"]), round(row["y"]))] = row["node"]
            builder.nodes_by_id[row["node"]] = row
        builder._next_id = int(max(network.nodes.index, default=-1)) + 1
        builder.edge_rows = network.edges.drop(columns=["length_m"]).to_dict("records")
        return builder

    def node(self, x: float, y: float, layer: str) -> int:
        key = (layer, round(x), round(y))
        node_id = self._ids.get(key)
        if node_id is None:
            node_id = self._next_id
            self._next_id += 1
            self._ids[key] = node_id
            self.nodes_by_id[node_id] = {
                "node": node_id,
                "x": float(x),
                "y": float(y),
                "interchange": False,
                "interchange_name": None,
                "layer": layer,
            }
        return node_id

    def layer_nodes(self, layer: str) -> tuple[np.ndarray, np.ndarray]:
        """Return ids and an (n, 2) coordinate array of the nodes of ``layer``."""
        rows = [r for r in self.nodes_by_id.values() if r["layer"] == layer]
        ids = np.array([r["node"] for r in rows], dtype=np.int64)
        xy = np.array([(r["x"], r["y"]) for r in rows], dtype=float).reshape(-1, 2)
        return ids, xy

    def add_line(self, coords: np.ndarray, attributes: dict[str, Any], layer: str) -> None:
        node_ids = [self.node(x, y, layer) for x, y in coords]
        for (a, b), (node_a, node_b) in zip(pairwise(coords), pairwise(node_ids), strict=True):
            if node_a == node_b:
                continue
            self.edge_rows.append(
                {**attributes, "u": node_a, "v": node_b, "geometry": LineString([a, b])}
            )

    def mark_interchange(self, x: float, y: float, name: str) -> int:
        node_id = self.node(x, y, EXPRESSWAY_LAYER)
        row = self.nodes_by_id[node_id]
        row["interchange"] = True
        row["interchange_name"] = name
        return node_id

    def _ordinary_edge_positions(self) -> np.ndarray:
        return np.array(
            [
                i
                for i, e in enumerate(self.edge_rows)
                if e["grade"] != "expressway" and not e.get("ramp", False)
            ],
            dtype=np.int64,
        )

    def edge_frame(self) -> gpd.GeoDataFrame:
        """Return the current edges as a GeoDataFrame; its index is the row position."""
        return finish_edges(pd.DataFrame(self.edge_rows), self.crs)

    def split_near(self, point: Point, *, max_distance_m: float, expressway: bool) -> int:
        """Split the edges of one class passing within ``max_distance_m`` of ``point``.

        Each is cut where it comes nearest the point (unless that is within 1 m of its ends),
        so that a plan card ending mid-edge changes only the part of the road it covers.
        Returns the number of edges split.
        """
        positions = [
            i
            for i, e in enumerate(self.edge_rows)
            if not e.get("ramp", False) and (e["grade"] == "expressway") == expressway
        ]
        if not positions:
            return 0
        geometries = [self.edge_rows[i]["geometry"] for i in positions]
        hits = shapely.STRtree(geometries).query(
            point, predicate="dwithin", distance=max_distance_m
        )
        before = len(self.edge_rows)
        layer = EXPRESSWAY_LAYER if expressway else ORDINARY_LAYER
        for hit in hits:
            self._split_edge(positions[int(hit)], point, layer)
        return len(self.edge_rows) - before

    def _split_edge(self, position: int, point: Point, layer: str = ORDINARY_LAYER) -> int:
        """Split edge ``position`` at the point nearest ``point``; return the node there."""
        row = self.edge_rows[position]
        line = row["geometry"]
        along = line.project(point)
        if along < 1.0:
            return row["u"]
        if along > line.length - 1.0:
            return row["v"]
        at = line.interpolate(along)
        node_id = self.node(at.x, at.y, layer)
        self.edge_rows[position] = {**row, "v": node_id, "geometry": substring(line, 0, along)}
        self.edge_rows.append(
            {**row, "u": node_id, "geometry": substring(line, along, line.length)}
        )
        return node_id

    def add_ramps(self, interchange_ids: Iterable[int], *, ramp_max_m: float) -> None:
        """Join each interchange by a ramp to the nearest ordinary road within ``ramp_max_m``.

        The ordinary road is split where the ramp meets it, unless that is within 1 m of a node.
        """
        rows = self.nodes_by_id
        positions = self._ordinary_edge_positions()
        tree = shapely.STRtree([self.edge_rows[i]["geometry"] for i in positions])
        for node_id in interchange_ids:
            row = rows[node_id]
            origin = Point(row["x"], row["y"])
            hit, distance = tree.query_nearest(origin, return_distance=True, all_matches=False)
            if len(hit) == 0 or distance[0] > ramp_max_m:
                self.warnings.append(
                    f"interchange {row['interchange_name']!r} has no ordinary road within "
                    f"{ramp_max_m:.0f} m: it counts as an interchange but cannot be reached"
                )
                continue
            before = len(self.edge_rows)
            target = self._split_edge(int(positions[hit[0]]), origin)
            if len(self.edge_rows) > before:
                positions = self._ordinary_edge_positions()
                tree = shapely.STRtree([self.edge_rows[i]["geometry"] for i in positions])
            end = rows[target]
            self.edge_rows.append(
                {
                    "u": node_id,
                    "v": target,
                    "name": f"{row['interchange_name']} ramp",
                    "ref": "",
                    "grade": "expressway",
                    "admin_class": "expressway",
                    "lanes": 1,
                    "opened": None,
                    "source": "ramp joining the interchange to the nearest ordinary road",
                    "ramp": True,
                    "geometry": LineString([(row["x"], row["y"]), (end["x"], end["y"])]),
                }
            )

    def build(self, metadata: dict[str, Any]) -> RoadNetwork:
        nodes_frame = (
            pd.DataFrame(list(self.nodes_by_id.values())).set_index("node").drop(columns="layer")
        )
        nodes = gpd.GeoDataFrame(
            nodes_frame,
            geometry=gpd.points_from_xy(nodes_frame["x"], nodes_frame["y"]),
            crs=self.crs,
        )
        nodes.index.name = "node"
        if not self.edge_rows:
            raise InputError("no road edges: the lines are empty or shorter than 1 m")
        edges = pd.DataFrame(self.edge_rows)
        pair = np.sort(edges[["u", "v"]].to_numpy(), axis=1)
        edges["key"] = pd.DataFrame(pair).groupby([0, 1]).cumcount().to_numpy()
        metadata = {**metadata, "warnings": [*metadata.get("warnings", []), *self.warnings]}
        return RoadNetwork(nodes, finish_edges(edges, self.crs), metadata)


def insert_vertex(coords: np.ndarray, distance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Insert the point ``distance_m`` along a polyline; return new coords and the point."""
    segments = np.diff(coords, axis=0)
    cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(segments[:, 0], segments[:, 1]))])
    index = int(
        np.clip(np.searchsorted(cumulative, distance_m, side="right") - 1, 0, len(segments) - 1)
    )
    length = cumulative[index + 1] - cumulative[index]
    fraction = 0.0 if length == 0 else (distance_m - cumulative[index]) / length
    point = coords[index] + fraction * segments[index]
    for existing in (coords[index], coords[index + 1]):
        if np.hypot(*(point - existing)) < 1.0:
            return coords, existing
    return np.insert(coords, index + 1, point, axis=0), point


def _validate_lines(lines: gpd.GeoDataFrame, *, path: Any) -> gpd.GeoDataFrame:
    lines = lines.copy()
    if "id" not in lines.columns:
        lines["id"] = [f"#{i}" for i in range(len(lines))]
    lines["id"] = lines["id"].astype(str)
    for column in ("name", "grade"):
        if column not in lines.columns:
            raise InputError("missing required property", path=path, field=column)
    for row in lines.itertuples():
        if row.geometry is None or row.geometry.is_empty:
            raise InputError("feature has no geometry", path=path, record=row.id, field="geometry")
        if row.geometry.geom_type not in ("LineString", "MultiLineString"):
            raise InputError(
                f"geometry is {row.geometry.geom_type}; expected LineString",
                path=path,
                record=row.id,
                field="geometry",
            )
    grades = []
    for record, value in zip(lines["id"], lines["grade"], strict=True):
        try:
            grades.append(normalize_grade(value))
        except ValueError as exc:
            raise InputError(str(exc), path=path, record=record, field="grade") from None
    lines["grade"] = grades
    if "admin_class" in lines.columns:
        for record, value in zip(lines["id"], lines["admin_class"], strict=True):
            if value not in ADMIN_CLASSES:
                raise InputError(
                    f"unknown admin_class {value!r}; expected one of {', '.join(ADMIN_CLASSES)}",
                    path=path,
                    record=record,
                    field="admin_class",
                )
    for column, default in (("ref", ""), ("source", ""), ("lanes", 2), ("opened", None)):
        if column not in lines.columns:
            lines[column] = default
    lines["ref"] = lines["ref"].fillna("").astype(str)
    if "admin_class" not in lines.columns:
        lines["admin_class"] = "unknown"
    return lines.explode(index_parts=False).reset_index(drop=True)


def network_from_lines(
    lines: gpd.GeoDataFrame,
    interchanges: gpd.GeoDataFrame | None = None,
    *,
    crs: Any = PROJECTED_CRS,
    interchange_snap_m: float = 300.0,
    ramp_max_m: float = 3000.0,
    metadata: dict[str, Any] | None = None,
    path: Any = None,
) -> RoadNetwork:
    """Build a :class:`RoadNetwork` from road lines and interchange points.

    Parameters
    ----------
    lines
        LineStrings with ``id``, ``name``, ``ref``, ``grade``, ``admin_class``, ``lanes``,
        ``opened`` and ``source``; any CRS (checked by the caller).
    interchanges
        Points with ``name`` and optionally ``road`` (the ``id`` of the expressway line they lie
        on; otherwise the nearest expressway line is used).
    crs
        Projected CRS for lengths.
    interchange_snap_m
        Largest distance from an interchange point to its expressway line.
    ramp_max_m
        Largest ramp length from an interchange to the ordinary network.
    metadata
        Stored on the network (``source``, ``completeness``, ``label``).
    path
        File the lines came from, for error messages.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InputError
        On a feature with no geometry, an unknown grade or admin class, or an interchange too far
        from every expressway.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> import geopandas as gpd
    >>> lines = gpd.GeoDataFrame(
    ...     {"id": ["a"], "name": ["A"], "grade": ["2"]},
    ...     geometry=[LineString([(0, 0), (1000, 0)])], crs="EPSG:32649")
    >>> network_from_lines(lines).edges.length_m.sum()
    np.float64(1000.0)

    """
    expect_type(lines, gpd.GeoDataFrame, "lines")
    if lines.crs is None:
        raise InputError(
            "lines have no CRS; expected WGS-84 (EPSG:4326) or a projected CRS such as "
            f"{PROJECTED_CRS}",
            path=path,
            field="crs",
        )
    lines = _validate_lines(lines, path=path).to_crs(crs)
    coords_by_line = [np.asarray(g.coords, dtype=float)[:, :2] for g in lines.geometry]
    is_mainline = (lines["grade"] == "expressway").to_numpy()

    interchange_points: list[tuple[float, float, str]] = []
    if interchanges is not None and len(interchanges):
        interchanges = interchanges.to_crs(crs)
        mainline_index = np.flatnonzero(is_mainline)
        tree = shapely.STRtree(lines.geometry.values[mainline_index])
        for number, row in enumerate(interchanges.itertuples()):
            record = str(getattr(row, "id", number))
            candidates = mainline_index
            road = getattr(row, "road", None)
            if road and (lines["id"].to_numpy()[mainline_index] == road).any():
                candidates = mainline_index[lines["id"].to_numpy()[mainline_index] == road]
                distances = lines.geometry.values[candidates].distance(row.geometry)
                best = candidates[int(np.argmin(distances))]
                distance = float(np.min(distances))
            else:
                hit, found = tree.query_nearest(
                    row.geometry, return_distance=True, all_matches=False
                )
                if len(hit) == 0:
                    raise InputError(
                        "no expressway to place the interchange on", path=path, record=record
                    )
                best, distance = mainline_index[hit[0]], float(found[0])
            if distance > interchange_snap_m:
                raise InputError(
                    f"interchange is {distance:.0f} m from the nearest expressway line; expected "
                    f"within {interchange_snap_m:.0f} m",
                    path=path,
                    record=record,
                    field="geometry",
                )
            along = LineString(coords_by_line[best]).project(row.geometry)
            coords_by_line[best], point = insert_vertex(coords_by_line[best], along)
            interchange_points.append((float(point[0]), float(point[1]), str(row.name)))

    builder = NetworkBuilder(crs)
    attributes = lines.drop(columns="geometry").to_dict("records")
    for coords, attrs, mainline in zip(coords_by_line, attributes, is_mainline, strict=True):
        layer = EXPRESSWAY_LAYER if mainline else ORDINARY_LAYER
        builder.add_line(coords, {**_line_attributes(attrs), "ramp": False}, layer)
    interchange_ids = [builder.mark_interchange(x, y, name) for x, y, name in interchange_points]
    builder.add_ramps(interchange_ids, ramp_max_m=ramp_max_m)
    return builder.build(dict(metadata or {}))


def _line_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    kept = {name: attrs.get(name) for name in EDGE_ATTRIBUTES}
    kept["line_id"] = attrs.get("id")
    kept["project_id"] = attrs.get("project_id")
    return kept
