"""`RoadNetwork`: road edges and nodes in one projected CRS, and the schema of its edge table.

How a network is built from lines and interchange points is in :mod:`transnet.network.build`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString

from transnet import options
from transnet._errors import InputError
from transnet.crs import PROJECTED_CRS

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["EDGE_ATTRIBUTES", "RoadNetwork", "finish_edges", "interchange_table"]

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
        (``"expressway"``, ``"1"``–``"4"``, ``"below_4"``), ``admin_class``, ``lanes``,
        ``opened``, ``source``,
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
    _interchanges: tuple | None = field(default=None, init=False, repr=False, compare=False)
    _mainline: tuple | None = field(default=None, init=False, repr=False, compare=False)

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
        key = (id(self.edges), len(self.edges))
        if self._mainline is None or self._mainline[0] != key:
            mask = (self.edges["grade"] == "expressway") & ~self.edges["ramp"].astype(bool)
            self._mainline = (key, mask)
        return self._mainline[1].copy()

    @property
    def interchanges(self) -> pd.DataFrame:
        """The physical interchanges: one row per node that belongs to one.

        See :func:`interchange_table` for the rule. Computed from the network's topology when
        first asked for (and again whenever ``nodes`` or ``edges`` are replaced), so it holds on
        every network: built from lines, from OSM, after a plan, or loaded from a GeoPackage.

        Examples
        --------
        >>> from transnet.network import network_from_lines
        >>> from transnet.testing import crossing_lines
        >>> network_from_lines(*crossing_lines()).interchanges
              interchange_id    hub  entry interchange_name
        node
        1                  0  False   True          Central
        3                  0  False  False          Central

        """
        key = (id(self.nodes), id(self.edges), len(self.nodes), len(self.edges))
        if self._interchanges is None or self._interchanges[0] != key:
            self._interchanges = (key, interchange_table(self))
        return self._interchanges[1]

    @property
    def interchange_ids(self) -> np.ndarray:
        """Ids of the nodes where one gets on the expressway: the county rule's targets.

        These are the *entry* nodes of access interchanges (not hubs, 枢纽): where an on-ramp
        merges into a carriageway. Travel to them runs along ordinary roads and then along the
        on-ramp in its legal direction, at ramp speed, so the ramp is counted. An OSM
        ``motorway_junction`` node is a diverge point (an exit), reached by directed travel only
        from upstream on the motorway: it is not an entry. On a schematic network, where a
        two-way ramp joins the interchange node on the main line to an ordinary road, the entry
        is that interchange node.

        Examples
        --------
        >>> from transnet.network import network_from_lines
        >>> from transnet.testing import crossing_lines
        >>> lines, interchanges = crossing_lines()
        >>> network_from_lines(lines, interchanges).interchange_ids
        array([1])

        """
        table = self.interchanges
        return table.index[table["entry"] & ~table["hub"]].to_numpy()

    def interchange_points(self) -> gpd.GeoDataFrame:
        """One point per physical interchange: where it is counted (in which county).

        Returns
        -------
        geopandas.GeoDataFrame
            Indexed by ``interchange_id``: ``hub`` (a motorway-to-motorway interchange, 枢纽,
            not an access point), ``interchange_name``, ``entries`` (how many entry nodes) and
            ``geometry``, the entry node nearest the mean of the interchange's entries (or of
            its nodes, where it has no entry).

        Examples
        --------
        >>> from transnet.network import network_from_lines
        >>> from transnet.testing import crossing_lines
        >>> network_from_lines(*crossing_lines()).interchange_points()[["hub", "entries"]]
                          hub  entries
        interchange_id
        0               False        1

        """
        table = self.interchanges
        xy = self.nodes.loc[table.index, ["x", "y"]].to_numpy(dtype=float)
        frame = pd.DataFrame(
            {
                "id": table["interchange_id"].to_numpy(),
                "entry": table["entry"].to_numpy(),
                "x": xy[:, 0],
                "y": xy[:, 1],
                "node": table.index.to_numpy(),
            }
        )
        # Where an interchange has entries, only they stand for it.
        has_entry = frame.groupby("id")["entry"].transform("any")
        frame = frame[frame["entry"] | ~has_entry]
        centre = frame.groupby("id")[["x", "y"]].transform("mean")
        frame = frame.assign(
            gap=np.hypot(frame["x"] - centre["x"], frame["y"] - centre["y"])
        ).sort_values(["id", "gap", "node"])
        first = frame.groupby("id").head(1).set_index("id")
        by_id = table.groupby("interchange_id")
        return gpd.GeoDataFrame(
            {
                "hub": by_id["hub"].first().reindex(first.index).to_numpy(dtype=bool),
                "interchange_name": by_id["interchange_name"].first().reindex(first.index),
                "entries": by_id["entry"].sum().reindex(first.index).to_numpy(dtype=int),
            },
            index=pd.Index(first.index.to_numpy(), name="interchange_id"),
            geometry=gpd.points_from_xy(first["x"], first["y"]),
            crs=self.crs,
        )

    def interchange_counts(self) -> dict[str, int]:
        """How many physical interchanges: ``access`` (entries to the expressway) and ``hub``.

        Examples
        --------
        >>> from transnet.network import network_from_lines
        >>> from transnet.testing import crossing_lines
        >>> network_from_lines(*crossing_lines()).interchange_counts()
        {'access': 1, 'hub': 0}

        """
        hubs = self.interchange_points()["hub"].to_numpy(dtype=bool)
        return {"access": int((~hubs).sum()), "hub": int(hubs.sum())}

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
        import networkx as nx  # 0.5 s of every command's start-up otherwise

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
    edges = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs, copy=False)
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


def _components(n_nodes: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n_nodes`` nodes joined by the pairs ``u``–``v``."""
    matrix = csr_matrix((np.ones(len(u)), (u, v)), shape=(n_nodes, n_nodes))
    return connected_components(matrix, directed=False)[1]


def interchange_table(
    network: RoadNetwork, *, merge_m: float = options.INTERCHANGE_MERGE_M
) -> pd.DataFrame:
    """Cluster junction nodes, expressway ramps and their ends into physical interchanges.

    The rule:

    1. Expressway ramps joined end to end form a cluster, with the nodes at their ends; ramps
       are not joined through a node of an ordinary road (two interchanges whose ramps reach the
       same road junction stay two). Each marked interchange node (``nodes["interchange"]``: an
       OSM ``motorway_junction`` or a schematic interchange point) without a ramp is a cluster
       of its own.
    2. A cluster whose ramps meet an ordinary road (any edge that is neither a main line nor an
       expressway ramp) is an **access** interchange; one whose ramps meet none but touch two
       or more expressways (by the identity of rule 3) is a **hub** (枢纽), no access point for
       the county rule; one that meets neither leads nowhere (a service area's loop, a ramp
       cut off by the edge of the data) and is no interchange. A marked node without any ramp
       is an access interchange (a schematic interchange with no road near enough for a ramp,
       as before), unless it touches no ordinary road and two or more expressways: then it is
       a hub (where a road database's expressway lines meet at a shared vertex).
    3. Two clusters of the same kind are one interchange when a node of one lies within
       ``merge_m`` (straight line) of a node of the other and both touch the same expressway
       (same ``ref``, else ``name``, else the same connected main line): the four ramps of a
       diamond on a dual carriageway, which share no node, count once.
    4. The **entries** of an interchange are the main-line nodes its ramps lead into in their
       legal direction (where an on-ramp merges; either end of a two-way ramp). A marked node
       without ramps is an entry only of an interchange that has no other (it stands in for
       ramps that are not drawn). An interchange without an entry (a ramp cut off by the edge
       of an extract) is dropped.

    The same rule serves OSM networks with ``motorway_junction`` nodes, those without (the
    fall-back), and schematic networks; it reads only the topology, so it also holds after a
    plan and on a network loaded from a GeoPackage.

    Parameters
    ----------
    network
        The network.
    merge_m
        Largest distance between two clusters counted as one interchange
        (:data:`~transnet.options.INTERCHANGE_MERGE_M`).

    Returns
    -------
    pandas.DataFrame
        Indexed by node id, one row per node of an interchange, in the order of
        ``network.nodes``: ``interchange_id`` (0, 1, … in order of the first node),
        ``hub``, ``entry`` and ``interchange_name`` (the first marked node's name, else any
        node's, else None). A road node where ramps of two interchanges meet is listed with
        the first.

    Examples
    --------
    >>> from transnet.network import network_from_lines
    >>> from transnet.testing import crossing_lines
    >>> interchange_table(network_from_lines(*crossing_lines()))["interchange_id"].tolist()
    [0, 0]

    """
    nodes, edges = network.nodes, network.edges
    size = len(nodes)
    index = pd.Index(nodes.index)
    u = index.get_indexer(edges["u"])
    v = index.get_indexer(edges["v"])
    ramp = edges["ramp"].to_numpy(dtype=bool) & (edges["grade"] == "expressway").to_numpy()
    main = network.mainline.to_numpy(dtype=bool)

    def ends(mask: np.ndarray) -> np.ndarray:
        flag = np.zeros(size, dtype=bool)
        flag[u[mask]] = True
        flag[v[mask]] = True
        return flag

    on_ramp, on_main, on_ordinary = ends(ramp), ends(main), ends(~main & ~ramp)
    if "interchange" in nodes.columns:
        marked = nodes["interchange"].fillna(False).to_numpy(dtype=bool)
    else:
        marked = np.zeros(size, dtype=bool)

    # Ramps joined at their shared nodes, except at nodes of ordinary roads (made distinct).
    rows = np.flatnonzero(ramp)
    ru, rv = u[rows], v[rows]
    two_way = ~edges["oneway"].to_numpy(dtype=bool)[rows]
    spare = size + np.arange(2 * len(rows))
    gu = np.where(on_ordinary[ru], spare[0::2], ru)
    gv = np.where(on_ordinary[rv], spare[1::2], rv)
    lonely = np.flatnonzero(marked & ~on_ramp)
    label = _components(size + len(spare), gu, gv)
    members = pd.DataFrame(
        {
            "node": np.concatenate([ru, rv, lonely]),
            "component": np.concatenate([label[gu], label[gv], label[lonely]]),
            # A ramp leads into its v end, and into its u end when two-way.
            "head": np.concatenate([two_way, np.ones(len(rows), bool), np.ones(len(lonely), bool)]),
        }
    )
    members["entry"] = members["head"] & np.where(
        on_ramp[members["node"]], on_main[members["node"]], True
    )
    members = members.groupby(["node", "component"], as_index=False, sort=True)["entry"].any()
    members["component"] = pd.factorize(members["component"])[0]
    node, component = members["node"].to_numpy(), members["component"].to_numpy()
    n_components = int(component.max()) + 1 if len(members) else 0

    # The expressways each component touches: ref, else name, else its connected main line.
    line = _components(size, u[main], v[main])
    ref = edges["ref"].fillna("").astype(str).to_numpy(dtype=object)[main]
    name = edges["name"].fillna("").astype(str).to_numpy(dtype=object)[main]
    identity = np.where(ref != "", ref, name)
    codes, _ = pd.factorize(identity)
    # Unnamed main lines: a negative key per connected line.
    key = np.where(identity != "", codes, -1 - line[u[main]])
    road_of_node = pd.DataFrame(
        {"node": np.concatenate([u[main], v[main]]), "road": np.concatenate([key, key])}
    ).drop_duplicates()
    roads = members[["node", "component"]].merge(road_of_node, on="node")
    roads = roads[["component", "road"]].drop_duplicates()
    n_roads = np.bincount(roads["component"].to_numpy(), minlength=n_components)
    access = np.zeros(n_components, dtype=bool)
    access[component[on_ordinary[node]]] = True
    # A marked node without ramps is an access point, unless it only joins two expressways.
    lone = ~on_ramp[node]
    access[component[lone & (n_roads[component] < 2)]] = True
    # Ramps meeting no ordinary road join two expressways (a hub), or else lead nowhere: a
    # service area's loop, a ramp cut off by the edge of the data. Those are no interchange.
    hub = ~access & (n_roads >= 2)
    nowhere = ~access & ~hub

    # Nearby components of the same kind on the same expressway are one interchange.
    xy = nodes[["x", "y"]].to_numpy(dtype=float)[node]
    points = shapely.points(xy) if len(xy) else np.array([], dtype=object)
    left, right = shapely.STRtree(points).query(points, predicate="dwithin", distance=merge_m)
    pairs = pd.DataFrame({"a": component[left], "b": component[right]})
    pairs = pairs[(pairs["a"] < pairs["b"])].drop_duplicates()
    pairs = pairs[
        (hub[pairs["a"]] == hub[pairs["b"]]) & ~nowhere[pairs["a"]] & ~nowhere[pairs["b"]]
    ]
    shared = pairs.merge(roads, left_on="a", right_on="component").merge(
        roads, left_on=["b", "road"], right_on=["component", "road"]
    )[["a", "b"]]
    cluster = _components(n_components, shared["a"].to_numpy(), shared["b"].to_numpy())
    members["cluster"] = cluster[component] if n_components else component
    # A marked node without ramps stands in for its interchange only where no ramp gives one
    # (an OSM junction node just off its ramps is a diverge point, no entry).
    by_ramp = members["entry"] & on_ramp[members["node"].to_numpy()]
    ramp_entry = by_ramp.groupby(members["cluster"]).transform("any").to_numpy(dtype=bool)
    members.loc[ramp_entry & ~on_ramp[members["node"].to_numpy()], "entry"] = False
    has_entry = members.groupby("cluster")["entry"].transform("any").to_numpy(dtype=bool)
    members = members[has_entry & ~nowhere[members["component"].to_numpy()]]
    # Numbered in the order of their first node; a node in two interchanges goes with the first.
    members["interchange_id"] = pd.factorize(members["cluster"])[0]
    members = members.sort_values(["node", "interchange_id"]).drop_duplicates("node")
    kept = members["node"].to_numpy()
    node_names = np.full(size, None, dtype=object)
    if "interchange_name" in nodes.columns:
        node_names = nodes["interchange_name"].to_numpy(dtype=object)
    names = pd.DataFrame(
        {
            "id": members["interchange_id"].to_numpy(),
            "unmarked": ~marked[kept],
            "name": node_names[kept],
        }
    ).dropna(subset=["name"])
    name_of = names.sort_values(["id", "unmarked"], kind="stable").drop_duplicates("id")
    name_of = name_of.set_index("id")["name"]
    return pd.DataFrame(
        {
            "interchange_id": members["interchange_id"].to_numpy(dtype=int),
            "hub": hub[members["component"].to_numpy()],
            "entry": members["entry"].to_numpy(dtype=bool),
            "interchange_name": members["interchange_id"].map(name_of).astype(object).to_numpy(),
        },
        index=pd.Index(nodes.index[kept], name="node"),
    )
