"""Accessibility engine: travel times, snapping points to edges, one multi-source shortest path.

- **Travel time.** Each edge gets ``speed_kmh`` and ``time_s``: from OSM ``maxspeed`` where it
  is present and sane (5–130 km/h), else from a plan card's own design speed, else from the
  design-speed table by technical grade (``data/grades/design_speeds.csv``, JTG B01-2014).
  Interchange ramps (``motorway_link``) get the table's ramp speed, 40 km/h, never more than
  their road's own design speed.
- **Snapping.** Points snap to the nearest *ordinary road* edge, not the nearest node, with
  exact distances (:func:`transnet.nearest.nearest`, a shapely STRtree). Expressway main lines
  and interchange ramps are never snapped to: a place reaches a ramp only through an ordinary
  road. The off-network access leg is travelled at ``access_speed_kmh``. Points farther than
  ``max_snap_m`` from every allowed edge are flagged ``unreachable``, never dropped.
- **Shortest paths.** Costs from every node to the nearest member of a target set come from ONE
  ``scipy.sparse.csgraph.dijkstra(..., min_only=True)`` call on a sparse matrix.
- **Getting on the expressway.** The targets of "minutes to an interchange" are the entries of
  access interchanges (:attr:`~transnet.network.RoadNetwork.interchange_ids`): the points where
  on-ramps merge into a carriageway. The trip runs along ordinary roads to the on-ramp, then
  along the ramp in its legal direction at ramp speed, so the ramp is counted. An OSM
  ``motorway_junction`` (a diverge point) is not a target: directed travel reaches it only from
  upstream on the motorway, through the next interchange and back.
- **Built once.** :func:`access_graph` keeps one :class:`AccessGraph` per network (and speed
  table) for as long as the network lives, and :meth:`AccessGraph.snap` snaps each set of places
  once per graph, so the metrics, the attribution and the summary share them. Networks are
  treated as immutable once built: every stage that changes one returns a new network, or new
  ``nodes``/``edges`` frames, and either is a new network for the cache.
- **Direction.** Travel is directed: a two-way edge may be used both ways, a one-way edge
  (``oneway``) only from ``u`` to ``v``. Costs are those of travelling *from* a place *to* the
  target (a seat driving to an interchange), computed by running Dijkstra from the targets on
  the transposed matrix.

The "before" and "after" scenarios go through the same functions, so their differences are not
artefacts of method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra

from transnet import options
from transnet._errors import InputError, expect_type, format_number
from transnet._memo import PerObject
from transnet._memory import cyclic_gc_paused
from transnet.grades import GRADES, GradeTable, parse_maxspeed_kmh
from transnet.nearest import GeometryIndex, nearest
from transnet.network import RoadNetwork

__all__ = [
    "AccessGraph",
    "SnappedPoints",
    "access_graph",
    "add_travel_times",
    "build_matrices",
    "build_matrix",
    "cost_from_points",
    "cost_to_nearest",
    "ordinary_edges",
    "snap_points",
    "speed_table",
    "timed_matrices",
]

Weight = Literal["time_s", "length_m"]


def speed_table(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Return design speeds by grade (plus ``"ramp"``), km/h, with ``overrides`` applied.

    Raises
    ------
    InputError
        If a speed is zero, negative or not a number, or a key is not a grade or ``"ramp"``.

    Examples
    --------
    >>> speed_table({"2": 70})["2"]
    70.0
    """
    speeds = dict(GradeTable.default().design_speeds_kmh)
    for key, value in (overrides or {}).items():
        name = str(key).strip().lower()
        if name != "ramp" and name not in GRADES:
            raise InputError(
                f"unknown grade {key!r}; expected one of {', '.join(GRADES)} or 'ramp'",
                record=str(key),
                field="speeds_kmh",
            )
        try:
            speed = float(value)
        except (TypeError, ValueError):
            speed = float("nan")
        if not np.isfinite(speed) or speed <= 0:
            raise InputError(
                f"speed must be a positive number of km/h, got {format_number(value)}",
                record=str(key),
                field="speeds_kmh",
            )
        speeds[name] = speed
    return speeds


#: ``speed_source`` of an edge, by code: what its speed comes from.
_SPEED_SOURCES = (
    "design speed by grade",
    "ramp design speed",
    "plan card design speed",
    "OSM maxspeed",
)


def add_travel_times(
    network: RoadNetwork, *, speeds_kmh: Mapping[str, float] | None = None
) -> RoadNetwork:
    """Return a copy of ``network`` whose edges carry ``speed_kmh``, ``speed_source``, ``time_s``.

    Parameters
    ----------
    network
        The network.
    speeds_kmh
        Design speeds overriding the packaged table, by grade and ``"ramp"``.

    Returns
    -------
    RoadNetwork

    Examples
    --------
    A 6 km grade-2 road and a 4 km grade-3 road:

    >>> from shapely.geometry import LineString
    >>> from transnet.network import network_from_lines
    >>> lines = gpd.GeoDataFrame(
    ...     {"name": ["A", "B"], "grade": ["2", "3"]},
    ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
    ...     crs="EPSG:32649")
    >>> network = network_from_lines(lines)
    >>> timed = add_travel_times(network, speeds_kmh={"2": 70})
    >>> timed.edges[["grade", "speed_kmh", "speed_source", "time_s"]].round(1)
      grade  speed_kmh           speed_source  time_s
    0     2       70.0  design speed by grade   308.6
    1     3       40.0  design speed by grade   360.0

    """
    speeds = speed_table(speeds_kmh)
    # Copy-on-write (pandas 3): the new columns are the copy's own, the rest is shared.
    edges = network.edges.copy(deep=False)
    # By distinct grade: mapping millions of strings one by one is what costs. Each step below
    # writes into ``speed`` in place: a country's network has millions of edges, and every
    # new array of that size is fresh memory the kernel must hand over page by page.
    grades, distinct = pd.factorize(edges["grade"], use_na_sentinel=True)
    speed = np.append([speeds.get(g, np.nan) for g in distinct], np.nan).astype(float)[grades]
    del grades
    ramp = edges["ramp"].to_numpy(dtype=bool)
    np.minimum(speed, speeds["ramp"], out=speed, where=ramp)
    # A code per edge into _SPEED_SOURCES: millions of edges share four strings.
    source = ramp.astype(np.int8)
    if "design_speed_kmh" in edges.columns:
        card = pd.to_numeric(edges["design_speed_kmh"], errors="coerce").to_numpy(dtype=float)
        from_card = np.isfinite(card)
        from_card &= card > 0
        np.copyto(speed, card, where=from_card)
        source[from_card] = 2
        del card, from_card
    if "maxspeed" in edges.columns:
        # Parsed once per distinct value: a province has millions of edges, a few dozen values.
        codes, values = pd.factorize(edges["maxspeed"], use_na_sentinel=True)
        parsed = np.array([parse_maxspeed_kmh(v) or np.nan for v in values] + [np.nan], dtype=float)
        posted = parsed[codes]  # code -1 (missing) picks the trailing NaN
        del codes
        low, high = options.SANE_MAXSPEED_KMH
        sane = np.isfinite(posted)
        sane &= posted >= low
        sane &= posted <= high
        np.copyto(speed, posted, where=sane)
        source[sane] = 3
        del posted, sane
    time_s = speed / 3.6
    np.divide(edges["length_m"].to_numpy(dtype=float), time_s, out=time_s)
    # As Series, so that the frame takes the arrays as they are rather than copying them.
    edges["speed_kmh"] = pd.Series(speed, index=edges.index, copy=False)
    edges["speed_source"] = pd.Categorical.from_codes(source, categories=_SPEED_SOURCES)
    edges["time_s"] = pd.Series(time_s, index=edges.index, copy=False)
    return RoadNetwork(network.nodes, edges, network.metadata)


def build_matrix(
    u: np.ndarray, v: np.ndarray, cost: np.ndarray, oneway: np.ndarray, n_nodes: int
) -> csr_matrix:
    """Build the directed sparse cost matrix: ``u → v`` always, ``v → u`` unless one-way.

    Parallel edges keep the cheapest cost (a sparse constructor would add them up).

    Parameters
    ----------
    u, v
        Node positions (0 … ``n_nodes`` - 1) of each edge's ends.
    cost
        Non-negative cost of each edge.
    oneway
        Boolean: the edge may only be travelled from ``u`` to ``v``.
    n_nodes
        Number of nodes.

    Returns
    -------
    scipy.sparse.csr_matrix

    Examples
    --------
    Two parallel two-way edges between nodes 0 and 1, and a one-way edge from 1 to 2:

    >>> matrix = build_matrix(np.array([0, 0, 1]), np.array([1, 1, 2]),
    ...                       np.array([60.0, 45.0, 30.0]), np.array([False, False, True]), 3)
    >>> matrix.toarray()
    array([[ 0., 45.,  0.],
           [45.,  0., 30.],
           [ 0.,  0.,  0.]])

    """
    return build_matrices(u, v, [cost], oneway, n_nodes)[0]


def build_matrices(
    u: np.ndarray,
    v: np.ndarray,
    costs: Sequence[np.ndarray],
    oneway: np.ndarray,
    n_nodes: int,
) -> list[csr_matrix]:
    """Build one directed cost matrix per cost array over the same edges, in one conversion.

    Each is what :func:`build_matrix` gives for its cost. One conversion from coordinates to
    compressed rows carries each entry's edge, and every matrix reads its costs through it.

    Parameters
    ----------
    u, v
        Node positions (0 … ``n_nodes`` - 1) of each edge's ends.
    costs
        Non-negative costs, one array per matrix, each with one cost per edge.
    oneway
        Boolean: the edge may only be travelled from ``u`` to ``v``.
    n_nodes
        Number of nodes.

    Returns
    -------
    list of scipy.sparse.csr_matrix

    Examples
    --------
    >>> time, distance = build_matrices(np.array([0, 0]), np.array([1, 1]),
    ...                                 [np.array([60.0, 45.0]), np.array([900.0, 1000.0])],
    ...                                 np.array([True, True]), 2)
    >>> float(time[0, 1]), float(distance[0, 1])
    (45.0, 900.0)

    """
    two_way = ~np.asarray(oneway, dtype=bool)
    n_edges = len(u)
    n_entries = n_edges + int(np.count_nonzero(two_way))
    # In the index type scipy picks, so that no matrix converts them again.
    index_dtype = np.int32 if max(n_nodes, n_entries) < np.iinfo(np.int32).max else np.int64
    rows = _each_way(u, v, two_way, n_entries, index_dtype)
    cols = _each_way(v, u, two_way, n_entries, index_dtype)
    # Unsigned, so that the sums the conversion makes of parallel entries wrap rather than
    # overflow: those entries get their cheapest costs after.
    edge_dtype = np.uint32 if n_edges < np.iinfo(np.uint32).max else np.uint64
    edge = np.empty(n_entries, dtype=edge_dtype)
    edge[:n_edges] = np.arange(n_edges, dtype=edge_dtype)
    edge[n_edges:] = np.flatnonzero(two_way)
    # Entries per row before the conversion: a row with fewer after it holds parallel edges.
    entries_per_row = np.bincount(rows, minlength=n_nodes)
    # scipy's COO-to-CSR conversion is a counting sort (linear). Explicit zeros stay edges:
    # zero-length ramps are real connections.
    summed = coo_matrix((edge, (rows, cols)), shape=(n_nodes, n_nodes)).tocsr()
    parallel = _parallel_entries(summed, rows, cols, entries_per_row)
    del rows, cols
    if parallel is not None:
        positions, candidates, entry = parallel
        summed.data[positions] = 0
        candidates = edge[candidates]
    del edge
    matrices: list[csr_matrix] = []
    for k, cost in enumerate(costs):
        cost = np.asarray(cost, dtype=float)
        values = cost[summed.data]
        if parallel is not None:
            cheapest = np.full(len(positions), np.inf)
            np.minimum.at(cheapest, entry, cost[candidates])
            values[positions] = cheapest
        # Each matrix owns its index arrays: none is changed through another.
        indices = summed.indices if k == 0 else summed.indices.copy()
        indptr = summed.indptr if k == 0 else summed.indptr.copy()
        matrices.append(csr_matrix((values, indices, indptr), shape=summed.shape))
    return matrices


def timed_matrices(node_ids: np.ndarray, edges: pd.DataFrame) -> tuple[csr_matrix, csr_matrix]:
    """Build the time and the distance matrix of timed edges over the nodes ``node_ids``.

    Parameters
    ----------
    node_ids
        The network's node ids, in matrix order.
    edges
        Edges with ``u``, ``v``, ``oneway``, ``time_s`` and ``length_m``
        (:func:`add_travel_times` adds ``time_s``).

    Returns
    -------
    tuple of scipy.sparse.csr_matrix
        Seconds, then metres, as :func:`build_matrices` gives them.

    Examples
    --------
    >>> edges = pd.DataFrame({"u": [7, 7], "v": [9, 9], "oneway": [True, False],
    ...                       "time_s": [60.0, 45.0], "length_m": [900.0, 1000.0]})
    >>> time, distance = timed_matrices(np.array([7, 9]), edges)
    >>> float(time[0, 1]), float(distance[0, 1]), float(time[1, 0])
    (45.0, 900.0, 45.0)

    """
    u = node_positions(node_ids, edges["u"].to_numpy())
    v = node_positions(node_ids, edges["v"].to_numpy())
    oneway = edges["oneway"].to_numpy(dtype=bool)
    costs = [edges["time_s"].to_numpy(), edges["length_m"].to_numpy()]
    time, distance = build_matrices(u, v, costs, oneway, len(node_ids))
    return time, distance


def _parallel_entries(
    summed: csr_matrix, rows: np.ndarray, cols: np.ndarray, entries_per_row: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Where parallel edges meet in ``summed``: the entries of the rows that hold them.

    Returns ``None`` where no row does; else three arrays: the positions in ``summed.data`` of
    every matrix entry on those rows; the entries of ``rows`` and ``cols`` on those rows; and,
    for each of the latter, which of the former it was summed into.
    """
    per_row = np.diff(summed.indptr)
    held = np.flatnonzero(entries_per_row != per_row)
    if not len(held):
        return None
    lengths = per_row[held]
    starts = summed.indptr[held]
    positions = np.arange(lengths.sum()) + np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    n_nodes = summed.shape[0]
    # Sorted: rows in order, and columns in order within a row (a converted matrix's are).
    entry_key = np.repeat(held.astype(np.int64), lengths) * n_nodes + summed.indices[positions]
    on_held = np.zeros(n_nodes, dtype=bool)
    on_held[held] = True
    candidates = np.flatnonzero(on_held[rows])
    key = rows[candidates].astype(np.int64) * n_nodes + cols[candidates]
    return positions, candidates, np.searchsorted(entry_key, key)


def _each_way(
    forward: np.ndarray, backward: np.ndarray, two_way: np.ndarray, n_entries: int, dtype
) -> np.ndarray:
    """``forward`` of every edge, then ``backward`` of the two-way ones, in one new array."""
    entries = np.empty(n_entries, dtype=dtype)
    entries[: len(forward)] = forward
    entries[len(forward) :] = np.asarray(backward)[two_way]
    return entries


def cost_to_nearest(
    matrix: csr_matrix, targets: np.ndarray, *, transposed: csr_matrix | None = None
) -> np.ndarray:
    """Cost of travelling from every node to the nearest target: one multi-source Dijkstra.

    Parameters
    ----------
    matrix
        Directed cost matrix from :func:`build_matrix`.
    targets
        Node positions of the targets.
    transposed
        ``matrix.T`` as CSR, if already built (:meth:`AccessGraph.reverse`): Dijkstra runs
        from the targets against the direction of travel.

    Returns
    -------
    numpy.ndarray
        One cost per node; ``inf`` where no target can be reached.

    Raises
    ------
    InputError
        If ``targets`` is empty: there is nothing to reach.

    Examples
    --------
    Node 2 is reached from 1 in 30 s, from 0 in 45 + 30 s; the one-way edge never leads back:

    >>> matrix = build_matrix(np.array([0, 0, 1]), np.array([1, 1, 2]),
    ...                       np.array([60.0, 45.0, 30.0]), np.array([False, False, True]), 3)
    >>> cost_to_nearest(matrix, np.array([2]))
    array([75., 30.,  0.])
    >>> cost_to_nearest(matrix, np.array([0]))
    array([ 0., 45., inf])

    """
    if len(targets) == 0:
        raise InputError("the target set is empty (for example: no interchanges)", field="targets")
    reverse = matrix.T.tocsr() if transposed is None else transposed
    return dijkstra(reverse, directed=True, indices=targets, min_only=True)


#: :func:`node_positions` builds a table of positions by id where the node ids span less than
#: this many times their number and at least their number divided by it are looked up.
_DENSE_IDS = 4


def node_positions(node_ids: np.ndarray, ids: Any) -> np.ndarray:
    """Position of each of ``ids`` in ``node_ids`` (unique), -1 where it is not one of them.

    Sorted integer node ids (what :func:`transnet.network.build` gives) are looked up in a
    table of positions by id where they are dense, else found by binary search: no hash table
    of millions of ids is built.

    Examples
    --------
    >>> node_positions(np.array([0, 1, 5]), np.array([5, 0, 7, 2])).tolist()
    [2, 0, -1, -1]
    >>> node_positions(np.array([10, 4]), np.array([4, 5])).tolist()
    [1, -1]
    """
    node_ids, ids = np.asarray(node_ids), np.asarray(ids)
    n = len(node_ids)
    if not (n and node_ids.dtype.kind in "iu" and ids.dtype.kind in "iu"):
        return pd.Index(node_ids).get_indexer(ids)
    if not bool((node_ids[1:] > node_ids[:-1]).all()):
        return pd.Index(node_ids).get_indexer(ids)
    low, span = int(node_ids[0]), int(node_ids[-1]) - int(node_ids[0])
    if (
        _DENSE_IDS * len(ids) >= n
        and span < _DENSE_IDS * n
        and int(node_ids[-1]) <= np.iinfo(np.int64).max
        and np.can_cast(ids.dtype, np.int64)
    ):
        # One read per id where a binary search makes about log2(n), once the table's cost
        # (about n) is spread over as many ids; the last slot is "absent".
        table = np.full(span + 2, -1, dtype=np.int64)
        table[node_ids - low] = np.arange(n)
        offset = ids.astype(np.int64)
        offset -= low
        offset[(offset < 0) | (offset > span)] = span + 1
        return table[offset]
    position = np.searchsorted(node_ids, ids)
    np.minimum(position, n - 1, out=position)
    position[node_ids[position] != ids] = -1
    return position


@dataclass(frozen=True)
class AccessGraph:
    """A network's directed cost matrices, built once and queried many times.

    Attributes
    ----------
    network
        The network, with travel times.
    node_ids
        Node id of each matrix position.
    time
        Matrix of travel times, seconds.
    distance
        Matrix of lengths, metres.

    Examples
    --------
    A 6 km grade-2 road (60 km/h) and a 4 km grade-3 road (40 km/h) meeting at node 1:

    >>> from shapely.geometry import LineString
    >>> from transnet.network import network_from_lines
    >>> lines = gpd.GeoDataFrame(
    ...     {"name": ["A", "B"], "grade": ["2", "3"]},
    ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
    ...     crs="EPSG:32649")
    >>> network = network_from_lines(lines)
    >>> graph = AccessGraph.from_network(network)
    >>> graph.node_ids
    array([0, 1, 2])
    >>> graph.time.toarray()
    array([[  0., 360.,   0.],
           [360.,   0., 360.],
           [  0., 360.,   0.]])

    """

    network: RoadNetwork
    node_ids: np.ndarray
    time: csr_matrix
    distance: csr_matrix
    edge_index: tuple[GeometryIndex, np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )
    _reverse: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _snaps: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _edges: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def nearest_edge(self, queries, edge_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each query's nearest edge of those in ``edge_mask``, and its distance.

        One STRtree of the edges serves every mask: the graph's own, built on first use, or
        ``edge_index``, a tree of a network this one was derived from (the "after" network of
        a scenario) with the row in it of each of this network's edges.

        Parameters
        ----------
        queries
            Shapely geometries in the network's CRS.
        edge_mask
            Boolean mask over ``network.edges``.

        Returns
        -------
        tuple of numpy.ndarray
            The edge's position (``-1`` where none) and the distance (``inf``), per query.

        Examples
        --------
        >>> from shapely.geometry import LineString, Point
        >>> from transnet.network import network_from_lines
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["A", "B"], "grade": ["2", "3"]},
        ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(0, 500), (6000, 500)])],
        ...     crs="EPSG:32649")
        >>> graph = AccessGraph.from_network(network_from_lines(lines))
        >>> graph.nearest_edge([Point(10, 100)], np.array([False, True]))
        (array([1]), array([400.]))

        """
        index, rows = self._edge_tree()
        allowed = np.flatnonzero(edge_mask)
        choice, distance = index.nearest(queries, rows=rows[allowed]).per_query(len(queries))
        edge = np.full(len(choice), -1, dtype=np.int64)
        edge[choice >= 0] = allowed[choice[choice >= 0]]
        return edge, distance

    def _edge_tree(self) -> tuple[GeometryIndex, np.ndarray]:
        if "tree" not in self._edges:
            self._edges["tree"] = self.edge_index or (
                GeometryIndex(self.network.edges.geometry.values),
                np.arange(len(self.network.edges)),
            )
        return self._edges["tree"]

    def edge_index_of(self, rows: np.ndarray) -> tuple[GeometryIndex, np.ndarray]:
        """Return the ``edge_index`` of a network made of these rows of this one's edges.

        The geometries of those rows must be unchanged (the network of a subset of a plan's
        cards, undone from the whole plan's network, keeps each kept edge's line).

        Examples
        --------
        >>> from shapely.geometry import LineString, Point
        >>> from transnet.network import network_from_lines
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["A", "B"], "grade": ["2", "3"]},
        ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(0, 500), (6000, 500)])],
        ...     crs="EPSG:32649")
        >>> graph = AccessGraph.from_network(network_from_lines(lines))
        >>> index, rows = graph.edge_index_of(np.array([1]))
        >>> len(index), rows
        (2, array([1]))

        """
        index, own = self._edge_tree()
        return index, own[np.asarray(rows, dtype=np.int64)]

    def snap(
        self, points: gpd.GeoSeries, *, max_snap_m: float = options.MAX_SNAP_M
    ) -> SnappedPoints:
        """Snap ``points`` as :func:`snap_points` does (default edges), once per set of points.

        Points with the same coordinates in the same CRS are the same set, whatever their
        index or object: the snaps are positional.

        Parameters
        ----------
        points
            Points in any declared CRS.
        max_snap_m
            As for :func:`snap_points`.

        Returns
        -------
        SnappedPoints

        Examples
        --------
        >>> from shapely.geometry import LineString
        >>> from transnet.network import network_from_lines
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["A"], "grade": ["2"]},
        ...     geometry=[LineString([(0, 0), (6000, 0)])], crs="EPSG:32649")
        >>> graph = AccessGraph.from_network(network_from_lines(lines))
        >>> seats = gpd.GeoSeries.from_xy([1000], [300], crs="EPSG:32649")
        >>> graph.snap(seats).snap_m, graph.snap(seats.copy()) is graph.snap(seats)
        (array([300.]), True)

        """
        expect_type(points, gpd.GeoSeries, "points")
        crs = None if points.crs is None else points.crs.to_wkt()
        xy = shapely.get_coordinates(points.values)
        key = (crs, len(points), xy.tobytes(), float(max_snap_m))
        if key not in self._snaps:
            self._snaps[key] = snap_points(
                self.network, points, max_snap_m=max_snap_m, nearest_edge=self.nearest_edge
            )
        return self._snaps[key]

    def reverse(self, weight: Weight) -> csr_matrix:
        """Return the transposed matrix of ``weight``, built once: what Dijkstra runs on.

        Examples
        --------
        >>> from shapely.geometry import LineString
        >>> from transnet.network import network_from_lines
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["A"], "grade": ["2"]},
        ...     geometry=[LineString([(0, 0), (6000, 0)])], crs="EPSG:32649")
        >>> graph = AccessGraph.from_network(network_from_lines(lines))
        >>> reverse = graph.reverse("time_s")
        >>> (reverse != graph.time.T).nnz, graph.reverse("time_s") is reverse
        (0, True)

        """
        if weight not in self._reverse:
            matrix = self.time if weight == "time_s" else self.distance
            self._reverse[weight] = matrix.T.tocsr()
        return self._reverse[weight]

    @classmethod
    @cyclic_gc_paused()
    def from_network(
        cls, network: RoadNetwork, *, speeds_kmh: Mapping[str, float] | None = None
    ) -> AccessGraph:
        """Add travel times to ``network`` and build both matrices.

        Parameters
        ----------
        network
            The network.
        speeds_kmh
            Design speeds overriding the packaged table, by grade and ``"ramp"`` (see
            :func:`add_travel_times`).

        Returns
        -------
        AccessGraph

        Examples
        --------
        >>> from shapely.geometry import LineString
        >>> from transnet.network import network_from_lines
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["A", "B"], "grade": ["2", "3"]},
        ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
        ...     crs="EPSG:32649")
        >>> network = network_from_lines(lines)
        >>> graph = AccessGraph.from_network(network, speeds_kmh={"2": 72})
        >>> graph.network.edges["time_s"].tolist(), float(graph.distance[0, 1])
        ([300.0, 360.0], 6000.0)

        """
        timed = add_travel_times(network, speeds_kmh=speeds_kmh)
        node_ids = timed.nodes.index.to_numpy()
        time, distance = timed_matrices(node_ids, timed.edges)
        return cls(
            network=timed,
            node_ids=node_ids,
            time=time,
            distance=distance,
        )

    def positions(self, node_ids: np.ndarray) -> np.ndarray:
        """Matrix positions of node ids.

        Parameters
        ----------
        node_ids
            Node ids of :attr:`network`.

        Returns
        -------
        numpy.ndarray
            One position per id; -1 for an id that is not a node.

        Examples
        --------
        >>> from shapely.geometry import LineString
        >>> from transnet.network import network_from_lines
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["A", "B"], "grade": ["2", "3"]},
        ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
        ...     crs="EPSG:32649")
        >>> network = network_from_lines(lines)
        >>> AccessGraph.from_network(network).positions(np.array([2, 0, 7]))
        array([ 2,  0, -1])

        """
        return node_positions(self.node_ids, node_ids)

    def nodes_of(self, edge_mask: np.ndarray) -> np.ndarray:
        """Node ids at either end of the edges in ``edge_mask``.

        Parameters
        ----------
        edge_mask
            Boolean mask (or labels) of rows of ``network.edges``.

        Returns
        -------
        numpy.ndarray
            The node ids, sorted, each once.

        Examples
        --------
        >>> from shapely.geometry import LineString
        >>> from transnet.network import network_from_lines
        >>> lines = gpd.GeoDataFrame(
        ...     {"name": ["A", "B"], "grade": ["2", "3"]},
        ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
        ...     crs="EPSG:32649")
        >>> network = network_from_lines(lines)
        >>> graph = AccessGraph.from_network(network)
        >>> graph.nodes_of(graph.network.edges["grade"] == "3")
        array([1, 2])

        """
        edges = self.network.edges.loc[edge_mask, ["u", "v"]]
        return np.unique(edges.to_numpy().ravel())


#: One AccessGraph per live network, frames and speed table.
_GRAPHS = PerObject()


def access_graph(
    network: RoadNetwork, *, speeds_kmh: Mapping[str, float] | None = None
) -> AccessGraph:
    """Return ``network``'s :class:`AccessGraph` for ``speeds_kmh``, built once while it lives.

    A network whose ``nodes`` or ``edges`` frame was replaced (or changed length) gets a new
    graph; changing a frame in place is not seen, so networks are treated as immutable once
    built, as every transnet stage treats them.

    Parameters
    ----------
    network
        The network.
    speeds_kmh
        Design speeds overriding the packaged table (see :func:`add_travel_times`).

    Returns
    -------
    AccessGraph

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> from transnet.network import network_from_lines
    >>> lines = gpd.GeoDataFrame(
    ...     {"name": ["A"], "grade": ["2"]},
    ...     geometry=[LineString([(0, 0), (6000, 0)])], crs="EPSG:32649")
    >>> network = network_from_lines(lines)
    >>> graph = access_graph(network)
    >>> access_graph(network) is graph, access_graph(network, speeds_kmh={"2": 72}) is graph
    (True, False)

    """
    expect_type(network, RoadNetwork, "network")
    speeds = tuple(sorted((speeds_kmh or {}).items()))
    key = (id(network.nodes), id(network.edges), len(network.nodes), len(network.edges), speeds)
    return _GRAPHS.get(
        network, key, lambda: AccessGraph.from_network(network, speeds_kmh=speeds_kmh)
    )


@dataclass(frozen=True)
class SnappedPoints:
    """Where points meet the network.

    Attributes
    ----------
    edge
        Row position in ``network.edges`` of the nearest allowed edge.
    along_m
        Distance from the edge's ``u`` end to the snapped point, along the edge.
    snap_m
        Straight-line distance from the point to the edge (the off-network access leg).
    unreachable
        The point is farther than ``max_snap_m`` from every allowed edge.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> from transnet.network import network_from_lines
    >>> lines = gpd.GeoDataFrame(
    ...     {"name": ["A", "B"], "grade": ["2", "3"]},
    ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
    ...     crs="EPSG:32649")
    >>> network = network_from_lines(lines)
    >>> points = gpd.GeoSeries.from_xy([1000, 6500], [300, 2000], crs="EPSG:32649")
    >>> snapped = snap_points(network, points, max_snap_m=400)
    >>> snapped.edge, snapped.along_m, snapped.snap_m, snapped.unreachable
    (array([0, 1]), array([1000., 2000.]), array([300., 500.]), array([False,  True]))

    """

    edge: np.ndarray
    along_m: np.ndarray
    snap_m: np.ndarray
    unreachable: np.ndarray


def _checked_points(points: gpd.GeoSeries, crs) -> np.ndarray:
    expect_type(points, gpd.GeoSeries, "points")
    if points.crs is None:
        raise InputError("points have no CRS; expected WGS-84 (EPSG:4326) or a declared CRS")
    if points.isna().any() or points.is_empty.any():
        raise InputError("a point has no geometry", field="geometry")
    projected = points.to_crs(crs)
    xy = shapely.get_coordinates(projected.values)
    if len(xy) != len(points) or not np.isfinite(xy).all():
        bad = int(np.flatnonzero(~np.isfinite(xy).all(axis=1))[0]) if len(xy) else 0
        raise InputError(
            "a point has NaN or infinite coordinates",
            record=str(points.index[bad]),
            field="geometry",
        )
    return xy


def ordinary_edges(network: RoadNetwork) -> np.ndarray:
    """Boolean mask of the edges a place may snap to: all but expressway main lines and ramps.

    A main line cannot be entered between interchanges, and a ramp is reached only from the
    ordinary road it joins.

    Parameters
    ----------
    network
        The network.

    Returns
    -------
    numpy.ndarray
        One boolean per row of ``network.edges``.

    Examples
    --------
    An expressway split at its interchange, a grade-2 road, and the ramp between them:

    >>> from transnet.network import network_from_lines
    >>> from transnet.testing import crossing_lines
    >>> ordinary_edges(network_from_lines(*crossing_lines()))
    array([False, False,  True, False])

    """
    return ~(network.mainline.to_numpy(dtype=bool) | network.edges["ramp"].to_numpy(dtype=bool))


def snap_points(
    network: RoadNetwork,
    points: gpd.GeoSeries,
    *,
    edge_mask: np.ndarray | pd.Series | None = None,
    max_snap_m: float = options.MAX_SNAP_M,
    nearest_edge: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> SnappedPoints:
    """Snap points to the nearest allowed edge, with exact distances in the network's CRS.

    Parameters
    ----------
    network
        The network.
    points
        Points in any declared CRS.
    edge_mask
        Edges a point may snap to; default :func:`ordinary_edges` (every edge but expressway
        main lines and interchange ramps).
    max_snap_m
        Points farther than this from every allowed edge are flagged ``unreachable``; they
        still get their nearest edge and its distance.
    nearest_edge
        The search, as :meth:`AccessGraph.nearest_edge` (which keeps its tree); default: a
        tree of the allowed edges built here.

    Returns
    -------
    SnappedPoints

    Raises
    ------
    InputError
        For points with NaN coordinates or no CRS, or when no edge is allowed.

    Examples
    --------
    A point 300 m north of the 6 km road, 1 km from its start, and one 500 m east of the
    4 km road:

    >>> from shapely.geometry import LineString
    >>> from transnet.network import network_from_lines
    >>> lines = gpd.GeoDataFrame(
    ...     {"name": ["A", "B"], "grade": ["2", "3"]},
    ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
    ...     crs="EPSG:32649")
    >>> network = network_from_lines(lines)
    >>> points = gpd.GeoSeries.from_xy([1000, 6500], [300, 2000], crs="EPSG:32649")
    >>> snapped = snap_points(network, points)
    >>> snapped.edge.tolist(), snapped.along_m.tolist(), snapped.snap_m.tolist()
    ([0, 1], [1000.0, 2000.0], [300.0, 500.0])

    """
    xy = _checked_points(points, network.crs)
    mask = ordinary_edges(network) if edge_mask is None else np.asarray(edge_mask, dtype=bool)
    if not mask.any():
        raise InputError("no edge to snap to", field="edges")
    geometries = network.edges.geometry.values
    queries = shapely.points(xy)
    if nearest_edge is None:
        allowed = np.flatnonzero(mask)
        # Unbounded: max_distance=max_snap_m was slower on the 1M-edge bench graph.
        choice, snap = nearest(queries, geometries[allowed]).per_query(len(queries))
        edge = allowed[choice]
    else:
        edge, snap = nearest_edge(queries, mask)
    along = shapely.line_locate_point(geometries[edge], queries)
    return SnappedPoints(edge=edge, along_m=along, snap_m=snap, unreachable=snap > max_snap_m)


def cost_from_points(
    graph: AccessGraph,
    points: gpd.GeoSeries,
    *,
    target_nodes: np.ndarray,
    target_edges: np.ndarray | None = None,
    weight: Weight = "time_s",
    access_speed_kmh: float = options.ACCESS_SPEED_KMH,
    max_snap_m: float = options.MAX_SNAP_M,
    edge_mask: np.ndarray | None = None,
    empty_ok: bool = False,
    snapped: SnappedPoints | None = None,
) -> pd.DataFrame:
    """Cost from each point to the nearest target: access leg plus network path.

    Parameters
    ----------
    graph
        The network's matrices.
    points
        Where travel starts (county seats, townships, POIs).
    target_nodes
        Node ids of the targets (e.g. interchanges, ends of grade-2 roads).
    target_edges
        Boolean mask of edges that are targets themselves (a place snapped onto such an edge
        has reached it).
    weight
        ``"time_s"`` (seconds) or ``"length_m"`` (metres).
    access_speed_kmh
        Speed of the off-network leg, for ``time_s``.
    max_snap_m
        Points farther than this from the network are ``unreachable``.
    edge_mask
        Edges points may snap to (see :func:`snap_points`).
    empty_ok
        With no targets, return infinite costs instead of raising (for measures where "no such
        road" is a result, such as grade-1 coverage before any grade-1 road exists).
    snapped
        ``points`` already snapped to ``graph.network`` (:func:`snap_points` with the same
        ``edge_mask`` and ``max_snap_m``), so that a set of places measured against many
        targets is snapped once; default: snapped here.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points``: ``snap_m``, ``access`` (leg cost), ``network`` (path cost),
        ``total`` and ``unreachable``; ``total`` is ``inf`` where unreachable.

    Raises
    ------
    InputError
        If there are no targets, or a point is invalid.

    Examples
    --------
    Seconds to node 2, the far end of the grade-3 road: the access leg at 20 km/h, then the
    rest of the snapped edge and the path from its end:

    >>> from shapely.geometry import LineString
    >>> from transnet.network import network_from_lines
    >>> lines = gpd.GeoDataFrame(
    ...     {"name": ["A", "B"], "grade": ["2", "3"]},
    ...     geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
    ...     crs="EPSG:32649")
    >>> network = network_from_lines(lines)
    >>> points = gpd.GeoSeries.from_xy([1000, 6500], [300, 2000], crs="EPSG:32649")
    >>> graph = AccessGraph.from_network(network)
    >>> cost_from_points(graph, points, target_nodes=np.array([2]))
       snap_m  access  network  total  unreachable
    0   300.0    54.0    660.0  714.0        False
    1   500.0    90.0    180.0  270.0        False

    """
    if access_speed_kmh <= 0:
        raise InputError(
            f"access speed must be positive, got {format_number(access_speed_kmh)}",
            field="access_speed_kmh",
        )
    matrix = graph.time if weight == "time_s" else graph.distance
    targets = graph.positions(np.asarray(target_nodes))
    if len(targets) == 0 and empty_ok:
        node_cost = np.full(len(graph.node_ids), np.inf)
    else:
        node_cost = cost_to_nearest(matrix, targets, transposed=graph.reverse(weight))
    if snapped is None and edge_mask is None:
        snapped = graph.snap(points, max_snap_m=max_snap_m)
    elif snapped is None:
        snapped = snap_points(graph.network, points, edge_mask=edge_mask, max_snap_m=max_snap_m)
    elif len(snapped.edge) != len(points):
        raise InputError(
            f"{len(snapped.edge)} snapped points for {len(points)} points", field="snapped"
        )
    edges = graph.network.edges.iloc[snapped.edge]
    length = edges["length_m"].to_numpy()
    fraction = np.divide(snapped.along_m, length, out=np.zeros_like(length), where=length > 0)
    edge_cost = edges[weight].to_numpy()
    forward = (1 - fraction) * edge_cost + node_cost[graph.positions(edges["v"].to_numpy())]
    backward = fraction * edge_cost + node_cost[graph.positions(edges["u"].to_numpy())]
    backward[edges["oneway"].to_numpy(dtype=bool)] = np.inf
    network_cost = np.minimum(forward, backward)
    if target_edges is not None:
        network_cost[np.asarray(target_edges, dtype=bool)[snapped.edge]] = 0.0
    access = snapped.snap_m / (access_speed_kmh / 3.6) if weight == "time_s" else snapped.snap_m
    total = access + network_cost
    unreachable = snapped.unreachable | ~np.isfinite(total)
    total[unreachable] = np.inf
    return pd.DataFrame(
        {
            "snap_m": snapped.snap_m,
            "access": access,
            "network": network_cost,
            "total": total,
            "unreachable": unreachable,
        },
        index=points.index,
    )
