"""`RoadNetwork`: road edges and nodes in one projected CRS, and the schema of its edge table.

How a network is built from lines and interchange points is in :mod:`transnet.network.build`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from transnet._errors import InputError
from transnet.crs import PROJECTED_CRS

__all__ = ["EDGE_ATTRIBUTES", "RoadNetwork", "finish_edges"]

#: Attributes every road line carries; ``ref`` and ``source`` may be empty.
EDGE_ATTRIBUTES = ("name", "ref", "grade", "admin_class", "lanes", "opened", "source")
#: Value of each edge column a source leaves out (None: left missing).
EDGE_DEFAULTS: dict[str, Any] = {
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
    >>> from transnet.network import network_from_lines
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
        >>> network.crs.to_epsg()
        32649

        """
        return self.edges.crs

    @property
    def mainline(self) -> pd.Series:
        """Boolean mask of expressway main-line edges (ramps excluded).

        Examples
        --------
        >>> from transnet.network import network_from_lines
        >>> from transnet.testing import crossing_lines
        >>> lines, interchanges = crossing_lines()
        >>> network_from_lines(lines, interchanges).mainline.tolist()
        [True, True, False, False]

        """
        return (self.edges["grade"] == "expressway") & ~self.edges["ramp"]

    @property
    def interchange_ids(self) -> np.ndarray:
        """Ids of interchange nodes.

        Examples
        --------
        >>> from transnet.network import network_from_lines
        >>> from transnet.testing import crossing_lines
        >>> lines, interchanges = crossing_lines()
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
        >>> from transnet.network import network_from_lines
        >>> from transnet.testing import crossing_lines
        >>> lines, interchanges = crossing_lines()
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
        >>> graph = network.to_networkx()
        >>> graph.number_of_edges() == len(network.edges) + int((~network.edges["oneway"]).sum())
        True
        >>> import osmnx as ox  # doctest: +SKIP
        >>> nodes, edges = ox.graph_to_gdfs(graph)  # doctest: +SKIP

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


def finish_edges(frame: pd.DataFrame, crs: Any) -> gpd.GeoDataFrame:
    """Give an edge table the columns of :attr:`RoadNetwork.edges`, in their order.

    Missing columns get their default (empty ``name``, ``ref`` and ``source``, ``admin_class``
    ``"unknown"``, not a ramp, two-way, ``centerline_factor`` 1); ``length_m`` is measured from
    the geometry; any other column is kept after the standard ones.

    Parameters
    ----------
    frame
        One row per edge with at least ``u``, ``v``, ``key``, ``grade`` and ``geometry``.
    crs
        The projected CRS of the geometries.

    Returns
    -------
    geopandas.GeoDataFrame
        With a fresh ``RangeIndex``.

    Examples
    --------
    >>> import pandas as pd
    >>> from shapely.geometry import LineString
    >>> frame = pd.DataFrame({"u": [0], "v": [1], "key": [0], "grade": ["2"],
    ...                       "geometry": [LineString([(0, 0), (300, 400)])]})
    >>> edges = finish_edges(frame, "EPSG:32649")
    >>> edges[["u", "v", "name", "admin_class", "ramp", "length_m"]]
       u  v name admin_class   ramp  length_m
    0  0  1          unknown  False     500.0

    """
    edges = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
    for column, default in EDGE_DEFAULTS.items():
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
