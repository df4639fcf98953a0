"""Building a :class:`~transnet.network.model.RoadNetwork` from lines and interchange points.

Topology rules of :func:`network_from_lines` (the schematic-GeoJSON path):

- every vertex of a line is a node: schematic lines are drawn through places, so a vertex is a
  place; lines that share a vertex coordinate (to the metre) are connected there;
- expressway main lines live in their own layer: they connect to each other at shared vertices
  (hubs) but to other roads only through interchanges, as on the ground; an interchange point is
  inserted into the nearest expressway line and joined by a ramp (``highway=motorway_link``) to
  the nearest point of the nearest ordinary road, which is split there (unless that point is
  within :data:`~transnet.options.SPLIT_MIN_M` of one of its nodes, which is then used).
"""

from __future__ import annotations

import copy as copy_module
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, MutableSequence
from itertools import pairwise
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geopandas.array import GeometryArray
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point
from shapely.ops import substring

from transnet import options
from transnet._errors import InputError, expect_type
from transnet.crs import PROJECTED_CRS
from transnet.grades import ADMIN_CLASSES, normalize_grade
from transnet.nearest import nearest
from transnet.network.model import EDGE_ATTRIBUTES, RoadNetwork, finish_edges

__all__ = [
    "EXPRESSWAY_LAYER",
    "ORDINARY_LAYER",
    "NetworkBuilder",
    "insert_vertex",
    "network_from_lines",
]

#: Node layer of expressway main lines: they meet other roads only through interchange ramps.
EXPRESSWAY_LAYER = "x"
#: Node layer of every other road (and of a ramp's far end).
ORDINARY_LAYER = "o"


def _native(value: Any) -> Any:
    """Return a numpy scalar as the Python value ``DataFrame.to_dict("records")`` gives."""
    return value.item() if isinstance(value, np.generic) else value


#: The dtype pandas infers for a column of strings.
_INFERRED_STRING = pd.Series(["x"]).dtype


def _reinferred(frame: pd.DataFrame) -> pd.DataFrame:
    """Give non-numeric columns the dtype a frame built from row dicts would have."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype == _INFERRED_STRING:
            continue  # already what inference gives (re-inferring costs a Python list)
        if column != "geometry" and not (
            pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        ):
            frame[column] = pd.Series(frame[column].tolist(), index=frame.index)
    return frame


def _occurrence(codes: np.ndarray) -> np.ndarray:
    """How many earlier entries of ``codes`` equal each entry (0 for the first of each value).

    By a stable sort, not a hash table: the codes of a network's node pairs come nearly in
    order, which a sort takes in one pass and a hash table of millions scatters over memory.
    """
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    first = np.ones(len(codes), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    occurrence = np.zeros(len(codes), dtype=np.int64)
    if first.all():
        return occurrence
    position = np.arange(len(codes))
    occurrence[order] = position - np.maximum.accumulate(np.where(first, position, 0))
    return occurrence


class _Rows(MutableSequence):
    """Rows as dicts over a table kept as columns: a row becomes a dict only when read.

    Rows past the table's are dicts from the start. A read row is kept, so changing the dict
    changes the row; :meth:`frame` returns the table with every such change.
    """

    def __init__(self, table: pd.DataFrame | None = None) -> None:
        self._table = pd.DataFrame() if table is None else table.reset_index(drop=True)
        self._columns = list(self._table.columns)
        self._arrays = [self._table[c].to_numpy() for c in self._columns]
        self._n_table = len(self._table)
        self._read: dict[int, dict[str, Any]] = {}
        self._added: list[dict[str, Any]] = []

    @property
    def n_table(self) -> int:
        """How many rows come from the table."""
        return self._n_table

    def read_positions(self) -> list[int]:
        """Positions of the table's rows read (and so perhaps changed) since, sorted."""
        return sorted(self._read)

    def column(self, name: str) -> np.ndarray:
        """Values of the table's column ``name`` (rows read since keep their old value)."""
        return self._arrays[self._columns.index(name)]

    def __len__(self) -> int:
        return self._n_table + len(self._added)

    def _position(self, index: int) -> int:
        index = int(index)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return index

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = self._position(index)
        if index >= self._n_table:
            return self._added[index - self._n_table]
        row = self._read.get(index)
        if row is None:
            row = {c: _native(a[index]) for c, a in zip(self._columns, self._arrays, strict=True)}
            self._read[index] = row
        return row

    def __setitem__(self, index, row) -> None:  # type: ignore[override]
        index = self._position(index)
        if index >= self._n_table:
            self._added[index - self._n_table] = row
        else:
            self._read[index] = row

    def __delitem__(self, index) -> None:  # type: ignore[override]
        raise TypeError("rows are never deleted")

    def fork(self) -> _Rows:
        """Return a copy that changes independently (the table's columns are shared)."""
        copy = object.__new__(_Rows)
        copy.__dict__.update(self.__dict__)
        copy._read = {index: dict(row) for index, row in self._read.items()}
        copy._added = [dict(row) for row in self._added]
        return copy

    def insert(self, index: int, row: dict[str, Any]) -> None:
        if index != len(self):
            raise TypeError("rows are only appended")
        self._added.append(row)

    def frame(self) -> pd.DataFrame:
        """All rows as a table, as ``pd.DataFrame`` of every row dict would give.

        Each column is copied once: the rows read or added are written into it at their
        positions (a concatenation, drop and sort of the whole table copied it three times).
        """
        read = np.array(sorted(self._read), dtype=np.int64)
        extra_rows = [self._read[i] for i in read.tolist()] + self._added
        if not extra_rows:
            return _reinferred(self._table.copy())
        positions = np.concatenate([read, np.arange(self._n_table, len(self))])
        extra = pd.DataFrame(extra_rows, index=positions)
        if "geometry" in extra.columns:
            extra["geometry"] = extra["geometry"].astype(object)
        if len(read) == self._n_table:
            return _reinferred(extra)
        names = dict.fromkeys([*self._columns, *extra.columns])
        columns = {name: self._merged(name, extra, read) for name in names}
        return _reinferred(pd.DataFrame(columns, copy=False))

    def _merged(self, name: str, extra: pd.DataFrame, read: np.ndarray) -> Any:
        """Column ``name`` of the table with the rows of ``extra`` (indexed by position) in it.

        The values and dtype are those of concatenating the table's unread rows with ``extra``
        and sorting by position.
        """
        if name not in self._table.columns or name not in extra.columns:
            # A column on one side only: the concatenation fills the other with missing values.
            kept = self._table[[name]] if name in self._table.columns else self._table[[]]
            added = extra[[name]] if name in extra.columns else extra[[]]
            both = pd.concat([kept.drop(index=read), added], sort=False)
            return both.sort_index(kind="stable")[name].to_numpy()
        base, new = self._table[name], extra[name]
        dtype = pd.concat([base.iloc[:1], new.iloc[:1]], ignore_index=True).dtype
        if isinstance(dtype, np.dtype):
            values = np.empty(len(self), dtype=dtype)
            values[: self._n_table] = base.to_numpy()
            values[extra.index.to_numpy()] = new.to_numpy()
            return values
        order = np.arange(len(self))
        order[extra.index.to_numpy()] = self._n_table + np.arange(len(extra))
        return pd.concat([base, new], ignore_index=True).array.take(order)


class _SortedKeys:
    """Integer keys to table positions, as ``dict(zip(keys, range(n)))`` gives (last wins).

    Kept as two arrays (the keys sorted, and their positions): the lookup is a binary search.
    """

    def __init__(self, keys: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._positions = order

    def get(self, key: Any) -> int | None:
        """Return the position of ``key`` (the last of equal keys), or None."""
        if not isinstance(key, (int, np.integer)) or isinstance(key, bool):
            return None
        i = int(np.searchsorted(self._keys, key, side="right")) - 1
        if i >= 0 and self._keys[i] == key:
            return int(self._positions[i])
        return None


class _NodeIds:
    """Node id by ``(layer, x, y)`` to the metre (what :meth:`NetworkBuilder.node` looks up).

    A base network's nodes are kept as packed integer keys in :class:`_SortedKeys` (a country's
    millions of nodes as a dict of tuples cost hundreds of bytes each); nodes added since, in a
    dict. A fork shares the base arrays.
    """

    _CODES: ClassVar[dict[str, int]] = {ORDINARY_LAYER: 0, EXPRESSWAY_LAYER: 1}
    _OFFSET: ClassVar[int] = 2**30

    def __init__(
        self,
        layers: np.ndarray | None = None,
        x: np.ndarray | None = None,
        y: np.ndarray | None = None,
        ids: np.ndarray | None = None,
    ) -> None:
        self._added: dict[tuple[str, int, int], int] = {}
        self._keys: _SortedKeys | None = None
        self._ids = np.array([], dtype=np.int64)
        if ids is None or not len(ids):
            return
        code = np.full(len(ids), -1, dtype=np.int64)
        for layer, value in self._CODES.items():
            code[layers == layer] = value
        if (
            (code < 0).any()
            or (np.abs(x) >= self._OFFSET).any()
            or (np.abs(y) >= self._OFFSET).any()
        ):
            # Outside what packs into 63 bits: a dict, as for added nodes.
            keys = zip(layers.tolist(), x.tolist(), y.tolist(), strict=True)
            self._added = dict(zip(keys, ids.tolist(), strict=True))
            return
        self._keys = _SortedKeys(self._pack(code, x, y))
        self._ids = ids

    @classmethod
    def _pack(cls, code, x, y):
        return ((x + cls._OFFSET) << 32) | ((y + cls._OFFSET) << 1) | code

    def get(self, key: tuple[str, int, int]) -> int | None:
        """Return the id of the node at ``key``, or None."""
        node_id = self._added.get(key)
        if node_id is not None or self._keys is None:
            return node_id
        layer, x, y = key
        code = self._CODES.get(layer)
        if code is None or abs(x) >= self._OFFSET or abs(y) >= self._OFFSET:
            return None
        position = self._keys.get(self._pack(code, int(x), int(y)))
        return None if position is None else int(self._ids[position])

    def __setitem__(self, key: tuple[str, int, int], node_id: int) -> None:
        self._added[key] = node_id

    def fork(self) -> _NodeIds:
        """Return a copy that changes independently (the base arrays are shared)."""
        copy = object.__new__(_NodeIds)
        copy.__dict__.update(self.__dict__)
        copy._added = dict(self._added)
        return copy


class _NodeRows(MutableMapping):
    """Node rows by id, over a table kept as columns (see :class:`_Rows`)."""

    def __init__(self, table: pd.DataFrame | None = None) -> None:
        self._rows = _Rows(table)
        ids = self._rows.column("node") if self._rows.n_table else np.array([])
        # The table's ids as a sorted array, not a dict: a country's millions of nodes cost
        # tens of bytes each, not hundreds, and a fork shares them.
        self._table_ids = np.asarray(ids, dtype=np.int64)
        self._table_keys = _SortedKeys(self._table_ids)
        self._added: dict[int, int] = {}
        self._by_layer: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._trees: dict[str, cKDTree] = {}

    def _position(self, node_id: Any) -> int | None:
        position = self._added.get(node_id)
        if position is None:
            position = self._table_keys.get(node_id)
        return position

    def __getitem__(self, node_id: int) -> dict[str, Any]:
        position = self._position(node_id)
        if position is None:
            raise KeyError(node_id)
        return self._rows[position]

    def __setitem__(self, node_id: int, row: dict[str, Any]) -> None:
        position = self._position(node_id)
        if position is None:
            self._added[node_id] = len(self._rows)
            self._rows.append(row)
        else:
            self._rows[position] = row

    def __delitem__(self, node_id: int) -> None:
        raise TypeError("nodes are never deleted")

    def fork(self) -> _NodeRows:
        """Return a copy that changes independently (see :meth:`_Rows.fork`)."""
        copy = object.__new__(_NodeRows)
        copy._rows = self._rows.fork()
        copy._table_ids = self._table_ids
        copy._table_keys = self._table_keys
        copy._added = dict(self._added)
        copy._by_layer = self._by_layer  # of the shared table only
        copy._trees = self._trees
        return copy

    def __iter__(self) -> Iterator[int]:
        return iter([*self._table_ids.tolist(), *self._added])

    def __len__(self) -> int:
        return len(self._table_ids) + len(self._added)

    def __contains__(self, node_id: object) -> bool:
        return self._position(node_id) is not None

    def table_nodes(self, layer: str) -> tuple[np.ndarray, np.ndarray]:
        """Ids and coordinates of the table's nodes of ``layer`` (their layer never changes)."""
        if not self._rows.n_table:
            return np.array([], dtype=np.int64), np.empty((0, 2))
        if layer not in self._by_layer:
            mine = self._rows.column("layer") == layer
            xy = np.column_stack([self._rows.column("x"), self._rows.column("y")]).astype(float)
            self._by_layer[layer] = (self._rows.column("node")[mine].astype(np.int64), xy[mine])
        return self._by_layer[layer]

    def table_tree(self, layer: str) -> cKDTree:
        """Return a k-d tree of the :meth:`table_nodes` of ``layer`` (built once, shared)."""
        if layer not in self._trees:
            self._trees[layer] = cKDTree(self.table_nodes(layer)[1])
        return self._trees[layer]

    def read_ids(self) -> list[int]:
        """Ids of the table's nodes whose rows were read (and so perhaps changed) since."""
        return [int(self._table_ids[p]) for p in self._rows.read_positions()]

    def added_ids(self) -> list[int]:
        """Ids of the nodes added after the table's, in order."""
        return list(self._added)

    def added(self) -> list[dict[str, Any]]:
        """Rows of nodes added after the table's, in order."""
        return [self._rows[i] for i in range(self._rows.n_table, len(self._rows))]

    def frame(self) -> pd.DataFrame:
        """All nodes as a table."""
        return self._rows.frame()


def _within(xy: np.ndarray, points_xy: np.ndarray, radius_m: float) -> np.ndarray:
    """Mask of the rows of ``xy`` within ``radius_m`` of any of ``points_xy``."""
    if not len(xy) or not len(points_xy):
        return np.zeros(len(xy), dtype=bool)
    gaps = np.hypot(xy[:, None, 0] - points_xy[None, :, 0], xy[:, None, 1] - points_xy[None, :, 1])
    return (gaps <= radius_m).any(axis=1)


def insert_vertex(
    line: LineString, distance_m: float, *, merge_m: float = options.SPLIT_MIN_M
) -> tuple[LineString, Point]:
    """Insert the point ``distance_m`` along ``line`` as a vertex.

    Parameters
    ----------
    line
        The polyline, in metres.
    distance_m
        How far along it (clamped to the line).
    merge_m
        An existing vertex this close to the point is used instead of a new one.

    Returns
    -------
    tuple of (shapely.LineString, shapely.Point)
        The line with the vertex (the same line if an existing vertex was used) and the vertex.

    Examples
    --------
    >>> from shapely import LineString
    >>> line, at = insert_vertex(LineString([(0, 0), (100, 0)]), 30)
    >>> line.wkt, at.wkt
    ('LINESTRING (0 0, 30 0, 100 0)', 'POINT (30 0)')
    >>> insert_vertex(LineString([(0, 0), (100, 0)]), 99.5)[1].wkt
    'POINT (100 0)'

    """
    distance_m = min(max(float(distance_m), 0.0), line.length)
    head = shapely.get_coordinates(substring(line, 0.0, distance_m))
    tail = shapely.get_coordinates(substring(line, distance_m, line.length))
    point = tail[0]
    neighbours = [*head[-2:-1], *tail[1:2]]  # the vertices either side of the point
    for existing in neighbours:
        if np.hypot(*(point - existing)) < merge_m:
            return line, Point(existing)
    return LineString(np.vstack([head[:-1], tail])), Point(point)


class NetworkBuilder:
    """Accumulates nodes (keyed by layer and 1 m-rounded coordinates) and edge rows.

    An edge row's *label* is its position in the builder; :meth:`edge_frame` uses labels as its
    index, so a selection made on the frame can be written back with :meth:`update_edges`.
    Splitting an edge keeps its label for the first part and gives the rest a new one.

    Parameters
    ----------
    crs
        The projected CRS of every coordinate given.

    Examples
    --------
    >>> builder = NetworkBuilder("EPSG:32649")
    >>> builder.add_line([(0, 0), (500, 0), (500, 800)], {"name": "A", "grade": "2"},
    ...                  ORDINARY_LAYER)
    [0, 1]
    >>> builder.build({}).edges[["u", "v", "name", "length_m"]]
       u  v name  length_m
    0  0  1    A     500.0
    1  1  2    A     800.0

    """

    def __init__(self, crs: Any) -> None:
        self.crs = crs
        self._ids = _NodeIds()
        self._next_id = 0
        self.nodes_by_id: MutableMapping[int, dict[str, Any]] = _NodeRows()
        self.edge_rows: MutableSequence[dict[str, Any]] = _Rows()
        self.warnings: list[str] = []
        # The edge each split-off part came from: base edges are found through one spatial
        # index of the base network's geometries, and their parts through this map.
        self.split_from: dict[int, int] = {}
        self._parts: dict[int, list[int]] = {}
        self._free: list[int] = []
        self._tree: shapely.STRtree | None = None
        #: The starting network's node points, in node table order (reused by :meth:`build`).
        self._table_points: GeometryArray | None = None

    @classmethod
    def from_network(cls, network: RoadNetwork) -> NetworkBuilder:
        """Start from an existing network: its nodes (same ids) and edges.

        A node touching an expressway main line is in the expressway layer, any other in the
        ordinary layer.

        Parameters
        ----------
        network
            Left unchanged.

        Returns
        -------
        NetworkBuilder

        Examples
        --------
        >>> builder = NetworkBuilder.from_network(network)
        >>> len(builder.edge_rows) == len(network.edges)
        True

        """
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
        builder._ids = _NodeIds(
            nodes["layer"].to_numpy(),
            np.round(nodes["x"].to_numpy()).astype(np.int64),
            np.round(nodes["y"].to_numpy()).astype(np.int64),
            nodes["node"].to_numpy(dtype=np.int64),
        )
        builder.nodes_by_id = _NodeRows(nodes)
        points = network.nodes.geometry.values
        xy = shapely.get_coordinates(points)
        if len(xy) == len(nodes) and np.array_equal(xy, nodes[["x", "y"]].to_numpy()):
            builder._table_points = points
        builder._next_id = int(max(network.nodes.index, default=-1)) + 1
        edges = pd.DataFrame(network.edges.drop(columns=["length_m"]))
        edges["geometry"] = np.asarray(network.edges.geometry.values, dtype=object)
        builder.edge_rows = _Rows(edges)
        return builder

    def fork(self) -> NetworkBuilder:
        """Return a copy that changes independently of this builder.

        The base network's columns and spatial index are shared, not copied: forking costs
        about as much as copying the node index, not as building from the network again.

        Examples
        --------
        >>> builder = NetworkBuilder.from_network(network)
        >>> fork = builder.fork()
        >>> fork.add_line([(0, 0), (500, 0)], {"grade": "2"}, ORDINARY_LAYER) and None
        >>> len(fork.edge_rows) == len(builder.edge_rows) + 1
        True

        """
        copy = object.__new__(NetworkBuilder)
        copy.__dict__.update(self.__dict__)
        copy._ids = self._ids.fork()
        for name in ("nodes_by_id", "edge_rows"):
            rows = getattr(self, name)
            if isinstance(rows, (_Rows, _NodeRows)):
                setattr(copy, name, rows.fork())
            else:
                setattr(copy, name, copy_module.deepcopy(rows))
        copy.warnings = list(self.warnings)
        copy.split_from = dict(self.split_from)
        copy._parts = {root: list(parts) for root, parts in self._parts.items()}
        copy._free = list(self._free)
        return copy

    @property
    def next_node_id(self) -> int:
        """The id the next new node will get.

        Examples
        --------
        >>> NetworkBuilder("EPSG:32649").next_node_id
        0

        """
        return self._next_id

    def node(self, x: float, y: float, layer: str) -> int:
        """Return the id of the node of ``layer`` at (x, y), to the metre; add it if new.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.node(10, 20, ORDINARY_LAYER), builder.node(10.2, 19.9, ORDINARY_LAYER)
        (0, 0)
        >>> builder.node(10, 20, EXPRESSWAY_LAYER)
        1

        """
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

    def node_at(self, x: float, y: float, layer: str) -> int | None:
        """Return the id of the node of ``layer`` at (x, y), to the metre, or None (none added).

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.node(10, 20, ORDINARY_LAYER), builder.node_at(10.4, 20, ORDINARY_LAYER)
        (0, 0)
        >>> builder.node_at(10, 20, EXPRESSWAY_LAYER) is None
        True

        """
        return self._ids.get((layer, round(x), round(y)))

    def rows_off_table(self) -> tuple[list[int], list[int]]:
        """Return the labels of the edges read from the table or added since, and the nodes' ids.

        The edges and nodes added, and the starting network's rows read: only these can
        differ from the starting network's (a row is copied out of the table when first read,
        and only then can it change).

        Examples
        --------
        >>> builder = NetworkBuilder.from_network(network)
        >>> builder.rows_off_table()
        ([], [])
        >>> builder.edge_rows[3]["grade"] == network.edges.at[3, "grade"]
        True
        >>> builder.rows_off_table()
        ([3], [])

        """
        edges, nodes = self.edge_rows, self.nodes_by_id
        if not isinstance(edges, _Rows) or not isinstance(nodes, _NodeRows):
            return list(range(len(edges))), list(nodes)
        labels = [*edges.read_positions(), *range(edges.n_table, len(edges))]
        return labels, [*nodes.read_ids(), *nodes.added_ids()]

    def layer_nodes(self, layer: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the ids and an (n, 2) coordinate array of the nodes of ``layer``.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (500, 0)], {"grade": "2"}, ORDINARY_LAYER)
        [0]
        >>> builder.layer_nodes(ORDINARY_LAYER)
        (array([0, 1]), array([[  0.,   0.],
               [500.,   0.]]))

        """
        base_ids, base_xy, ids, xy = self._layer_parts(layer)
        return np.concatenate([base_ids, ids]), np.concatenate([base_xy, xy])

    def _layer_parts(self, layer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Ids and coordinates of the base table's nodes of ``layer``, then of those added."""
        nodes = self.nodes_by_id
        if isinstance(nodes, _NodeRows):
            base_ids, base_xy = nodes.table_nodes(layer)
            rows = [r for r in nodes.added() if r["layer"] == layer]
        else:
            base_ids, base_xy = np.array([], dtype=np.int64), np.empty((0, 2))
            rows = [r for r in nodes.values() if r["layer"] == layer]
        ids = np.array([r["node"] for r in rows], dtype=np.int64)
        xy = np.array([(r["x"], r["y"]) for r in rows], dtype=float).reshape(-1, 2)
        return base_ids, base_xy, ids, xy

    def layer_nodes_near(
        self, layer: str, points_xy: np.ndarray, radius_m: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return :meth:`layer_nodes` restricted to nodes within ``radius_m`` of some point.

        In the same order as :meth:`layer_nodes`, through a k-d tree of the base network's
        nodes (kept), not a scan of every node of the layer; a node a hair beyond
        ``radius_m`` may be included (the tree is asked 1 m farther), never one within left out.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (500, 0)], {"grade": "2"}, ORDINARY_LAYER)
        [0]
        >>> builder.layer_nodes_near(ORDINARY_LAYER, np.array([[480.0, 10.0]]), 50.0)
        (array([1]), array([[500.,   0.]]))

        """
        points_xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
        base_ids, base_xy, ids, xy = self._layer_parts(layer)
        base = np.array([], dtype=np.int64)
        if len(base_ids):
            tree = self.nodes_by_id.table_tree(layer)
            found = tree.query_ball_point(points_xy, r=radius_m + 1.0)
            base = np.unique(np.concatenate([np.asarray(f, dtype=np.int64) for f in found]))
        near = _within(xy, points_xy, radius_m + 1.0)
        return (
            np.concatenate([base_ids[base], ids[near]]),
            np.concatenate([base_xy[base], xy[near]]),
        )

    def add_line(self, coords: Any, attributes: Mapping[str, Any], layer: str) -> list[int]:
        """Add a polyline as one edge per segment, its vertices as nodes of ``layer``.

        Segments shorter than the node precision (both ends on one node) are skipped.

        Parameters
        ----------
        coords
            An (n, 2) array of vertices (or a LineString).
        attributes
            Copied onto every edge.
        layer
            :data:`EXPRESSWAY_LAYER` or :data:`ORDINARY_LAYER`.

        Returns
        -------
        list of int
            Labels of the edges added.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (0.3, 0), (500, 0)], {"grade": "2"}, ORDINARY_LAYER)
        [0]

        """
        if isinstance(coords, LineString):
            coords = shapely.get_coordinates(coords)
        coords = np.asarray(coords, dtype=float)
        node_ids = [self.node(x, y, layer) for x, y in coords]
        added = []
        for (a, b), (node_a, node_b) in zip(pairwise(coords), pairwise(node_ids), strict=True):
            if node_a == node_b:
                continue
            added.append(len(self.edge_rows))
            self.edge_rows.append(
                {**attributes, "u": node_a, "v": node_b, "geometry": LineString([a, b])}
            )
        self._free.extend(added)
        return added

    def mark_interchange(self, x: float, y: float, name: str) -> int:
        """Make the expressway node at (x, y) an interchange called ``name``; return its id.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.mark_interchange(0, 0, "Central")
        0
        >>> builder.nodes_by_id[0]["interchange_name"]
        'Central'

        """
        node_id = self.node(x, y, EXPRESSWAY_LAYER)
        row = self.nodes_by_id[node_id]
        row["interchange"] = True
        row["interchange_name"] = name
        return node_id

    def edge_frame(self) -> gpd.GeoDataFrame:
        """Return the current edges as a GeoDataFrame indexed by edge label.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (500, 0)], {"grade": "2"}, ORDINARY_LAYER)
        [0]
        >>> builder.edge_frame()[["u", "v", "length_m"]]
           u  v  length_m
        0  0  1     500.0

        """
        return finish_edges(self._edge_table(), self.crs)

    def _edge_table(self) -> pd.DataFrame:
        """Return the edge rows, ``key`` numbering the edges between the same two nodes."""
        rows = self.edge_rows
        edges = rows.frame() if isinstance(rows, _Rows) else pd.DataFrame(list(rows))
        pair = np.sort(edges[["u", "v"]].to_numpy(dtype=np.int64), axis=1)
        if len(pair) and pair.min() >= 0 and pair.max() < 2**31:
            # One integer per pair: a two-column groupby sorts both columns.
            edges["key"] = _occurrence(pair[:, 0] * 2**31 + pair[:, 1])
        else:
            edges["key"] = pd.DataFrame(pair).groupby([0, 1]).cumcount().to_numpy()
        return edges

    def update_edges(self, changes: Mapping[int, Mapping[str, Any]]) -> None:
        """Set attributes of edges: ``{label: {column: value}}``.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (500, 0)], {"grade": "2", "lanes": 2}, ORDINARY_LAYER)
        [0]
        >>> builder.update_edges({0: {"lanes": 4}})
        >>> builder.edge_frame().at[0, "lanes"]
        np.int64(4)

        """
        for label, values in changes.items():
            self.edge_rows[label].update(values)

    def split_near(self, point: Point, *, max_distance_m: float, expressway: bool) -> int:
        """Split the edges of one class passing within ``max_distance_m`` of ``point``.

        Each is cut where it comes nearest the point (unless that is within
        :data:`~transnet.options.SPLIT_MIN_M` of its ends), so that a plan card ending mid-edge
        changes only the part of the road it covers. Ramps are never split.

        Parameters
        ----------
        point
            Where to cut.
        max_distance_m
            Edges farther than this are left whole.
        expressway
            Cut expressway main lines (True) or ordinary roads (False).

        Returns
        -------
        int
            The number of edges split.

        Examples
        --------
        >>> from shapely import Point
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (1000, 0)], {"grade": "2"}, ORDINARY_LAYER)
        [0]
        >>> builder.split_near(Point(400, 30), max_distance_m=100, expressway=False)
        1
        >>> builder.edge_frame()["length_m"].tolist()
        [400.0, 600.0]

        """
        hits = self.edges_near(point, max_distance_m, expressway=expressway)
        before = len(self.edge_rows)
        layer = EXPRESSWAY_LAYER if expressway else ORDINARY_LAYER
        for label in hits:
            self._split_edge(int(label), point, layer)
        return len(self.edge_rows) - before

    def edges_near(
        self, geometry: Any, distance_m: float, *, expressway: bool | None = None
    ) -> np.ndarray:
        """Labels of the edges (ramps excluded) within ``distance_m`` of ``geometry``, sorted.

        One query of a spatial index of the starting network's edges, built once, plus the
        parts split off them and the edges added since.

        Parameters
        ----------
        geometry
            A shapely geometry in the builder's CRS.
        distance_m
            Largest distance.
        expressway
            Only expressway main lines (True), only other roads (False), or both (None).

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> from shapely import Point
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (1000, 0)], {"grade": "2"}, ORDINARY_LAYER)
        [0]
        >>> builder.edges_near(Point(400, 30), 100, expressway=False).tolist()
        [0]

        """
        rows = self.edge_rows
        n_table = rows.n_table if isinstance(rows, _Rows) else 0
        labels: list[int] = []
        if n_table:
            hits = self.edge_tree().query(geometry, predicate="dwithin", distance=distance_m)
            for hit in hits.tolist():
                labels.append(hit)
                labels.extend(self._parts.get(hit, ()))
        labels.extend(self._free if n_table else range(len(rows)))
        picked = []
        for label in sorted(set(labels)):
            row = rows[label]
            if row.get("ramp", False):
                continue
            if expressway is not None and (row["grade"] == "expressway") != expressway:
                continue
            if shapely.dwithin(row["geometry"], geometry, distance_m):
                picked.append(label)
        return np.array(picked, dtype=np.int64)

    def edge_tree(self) -> shapely.STRtree:
        """Return a spatial index of the starting network's edges as they were.

        Built on first use and shared with the forks made after it.

        Examples
        --------
        >>> builder = NetworkBuilder.from_network(network)
        >>> builder.edge_tree() is builder.fork().edge_tree()
        True

        """
        if self._tree is None:
            self._tree = shapely.STRtree(self.edge_rows.column("geometry"))
        return self._tree

    def labels_meeting_box(self, zone: Any, *, below: int) -> np.ndarray:
        """Labels under ``below`` of every edge that may meet ``zone``, sorted (a superset).

        Those of the starting network's edges whose box, as they were, meets the zone's, with
        the parts split off them, and every edge added otherwise: a part lies within the
        edge it was split from. Callers test the geometries themselves.

        Examples
        --------
        >>> builder = NetworkBuilder.from_network(network)
        >>> zone = network.edges.geometry.iloc[0].buffer(1)
        >>> 0 in builder.labels_meeting_box(zone, below=len(network.edges))
        True

        """
        rows = self.edge_rows
        if not (isinstance(rows, _Rows) and rows.n_table):
            return np.arange(min(below, len(rows)))
        labels = self.edge_tree().query(zone).tolist()
        for hit in list(labels):
            labels.extend(self._parts.get(hit, ()))
        labels.extend(self._free)
        found = np.unique(np.array(labels, dtype=np.int64))
        return found[found < below]

    def split_at(self, label: int, point: Point, layer: str) -> int:
        """Split edge ``label`` at its point nearest ``point``; return the node there.

        Within :data:`~transnet.options.SPLIT_MIN_M` of one of its ends, that end's node is
        returned and the edge is left whole.

        Examples
        --------
        >>> from shapely import Point
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (10_000, 0)], {"grade": "2"}, ORDINARY_LAYER)
        [0]
        >>> builder.split_at(0, Point(4000, 300), ORDINARY_LAYER)
        2
        >>> builder.edge_frame()["length_m"].tolist()
        [4000.0, 6000.0]

        """
        return self._split_edge(int(label), point, layer)

    def _split_edge(self, label: int, point: Point, layer: str = ORDINARY_LAYER) -> int:
        """Split edge ``label`` at the point nearest ``point``; return the node there."""
        row = self.edge_rows[label]
        line = row["geometry"]
        along = line.project(point)
        if along < options.SPLIT_MIN_M:
            return row["u"]
        if along > line.length - options.SPLIT_MIN_M:
            return row["v"]
        at = line.interpolate(along)
        node_id = self.node(at.x, at.y, layer)
        self.edge_rows[label] = {**row, "v": node_id, "geometry": substring(line, 0, along)}
        part = len(self.edge_rows)
        self.edge_rows.append(
            {**row, "u": node_id, "geometry": substring(line, along, line.length)}
        )
        self.split_from[part] = label
        root = label
        while root in self.split_from:
            root = self.split_from[root]
        n_table = self.edge_rows.n_table if isinstance(self.edge_rows, _Rows) else 0
        if root < n_table:
            self._parts.setdefault(root, []).append(part)
        else:
            self._free.append(part)
        return node_id

    def add_ramps(
        self, interchange_ids: Iterable[int], *, ramp_max_m: float = options.RAMP_MAX_M
    ) -> None:
        """Join each interchange by a ramp to the nearest ordinary road within ``ramp_max_m``.

        The ramp runs straight to the road's nearest point, where the road is split (unless that
        point is within :data:`~transnet.options.SPLIT_MIN_M` of one of its nodes, which is
        used instead). An interchange with no road in reach gets a warning.

        Parameters
        ----------
        interchange_ids
            Nodes made by :meth:`mark_interchange`.
        ramp_max_m
            Longest ramp.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 500), (1000, 500)], {"grade": "2"}, ORDINARY_LAYER)
        [0]
        >>> builder.add_ramps([builder.mark_interchange(300, 0, "West")])
        >>> builder.edge_frame()[["u", "v", "ramp", "length_m"]]
           u  v   ramp  length_m
        0  0  3  False     300.0
        1  3  1  False     700.0
        2  2  3   True     500.0

        """
        rows = self.nodes_by_id
        for node_id in interchange_ids:
            row = rows[node_id]
            origin = Point(row["x"], row["y"])
            labels = self.edges_near(origin, ramp_max_m, expressway=False)
            match = nearest([origin], [self.edge_rows[i]["geometry"] for i in labels])
            if len(match.distance) == 0 or match.distance[0] > ramp_max_m:
                self.warnings.append(
                    f"interchange {row['interchange_name']!r} has no ordinary road within "
                    f"{ramp_max_m:.0f} m: it counts as an interchange but cannot be reached"
                )
                continue
            target = self._split_edge(int(labels[match.candidate_index[0]]), origin)
            end = rows[target]
            self._free.append(len(self.edge_rows))
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

    def _node_points(self, x: np.ndarray, y: np.ndarray) -> GeometryArray:
        """Points at ``x``, ``y``: the starting network's own for its nodes, if none moved.

        Making millions of point objects again costs more than the comparison.
        """
        base = self._table_points
        n = 0 if base is None else len(base)
        if n and len(x) >= n:
            xy = shapely.get_coordinates(base)
            if np.array_equal(xy[:, 0], x[:n]) and np.array_equal(xy[:, 1], y[:n]):
                added = gpd.points_from_xy(x[n:], y[n:], crs=base.crs)
                return pd.concat(
                    [gpd.GeoSeries(base), gpd.GeoSeries(added)], ignore_index=True
                ).values
        return gpd.points_from_xy(x, y, crs=self.crs)

    def build(self, metadata: Mapping[str, Any]) -> RoadNetwork:
        """Return the network built so far, with the builder's warnings in its metadata.

        Parameters
        ----------
        metadata
            Stored on the network; its ``warnings`` come first.

        Returns
        -------
        RoadNetwork

        Raises
        ------
        InputError
            If there is no edge.

        Examples
        --------
        >>> builder = NetworkBuilder("EPSG:32649")
        >>> builder.add_line([(0, 0), (500, 0)], {"grade": "2"}, ORDINARY_LAYER)
        [0]
        >>> builder.build({"source": "sketch"}).metadata
        {'source': 'sketch', 'warnings': []}

        """
        table = (
            self.nodes_by_id.frame()
            if isinstance(self.nodes_by_id, _NodeRows)
            else pd.DataFrame(list(self.nodes_by_id.values()))
        )
        nodes_frame = table.set_index("node").drop(columns="layer")
        nodes = gpd.GeoDataFrame(
            nodes_frame,
            geometry=self._node_points(nodes_frame["x"].to_numpy(), nodes_frame["y"].to_numpy()),
            crs=self.crs,
        )
        nodes.index.name = "node"
        if not self.edge_rows:
            raise InputError("no road edges: the lines are empty or shorter than 1 m")
        edges = self._edge_table()
        metadata = {**metadata, "warnings": [*metadata.get("warnings", []), *self.warnings]}
        return RoadNetwork(nodes, finish_edges(edges, self.crs), metadata)


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
    interchange_snap_m: float = options.INTERCHANGE_SNAP_M,
    ramp_max_m: float = options.RAMP_MAX_M,
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
    geometries = [LineString(shapely.get_coordinates(g)) for g in lines.geometry]
    is_mainline = (lines["grade"] == "expressway").to_numpy()

    interchange_points: list[tuple[float, float, str]] = []
    if interchanges is not None and len(interchanges):
        interchanges = interchanges.to_crs(crs)
        mainline_index = np.flatnonzero(is_mainline)
        mainline_ids = lines["id"].to_numpy()[mainline_index]
        if len(mainline_index):
            closest, closest_m = nearest(
                interchanges.geometry, lines.geometry.values[mainline_index]
            ).per_query(len(interchanges))
        for number, row in enumerate(interchanges.itertuples()):
            record = str(getattr(row, "id", number))
            road = getattr(row, "road", None)
            if road and (mainline_ids == road).any():
                candidates = mainline_index[mainline_ids == road]
                distances = lines.geometry.values[candidates].distance(row.geometry)
                best = candidates[int(np.argmin(distances))]
                distance = float(np.min(distances))
            elif not len(mainline_index) or closest[number] < 0:
                raise InputError(
                    "no expressway to place the interchange on", path=path, record=record
                )
            else:
                best, distance = mainline_index[closest[number]], float(closest_m[number])
            if distance > interchange_snap_m:
                raise InputError(
                    f"interchange is {distance:.0f} m from the nearest expressway line; expected "
                    f"within {interchange_snap_m:.0f} m",
                    path=path,
                    record=record,
                    field="geometry",
                )
            along = geometries[best].project(row.geometry)
            geometries[best], point = insert_vertex(geometries[best], along)
            interchange_points.append((point.x, point.y, str(row.name)))

    builder = NetworkBuilder(crs)
    attributes = lines.drop(columns="geometry").to_dict("records")
    for line, attrs, mainline in zip(geometries, attributes, is_mainline, strict=True):
        layer = EXPRESSWAY_LAYER if mainline else ORDINARY_LAYER
        builder.add_line(line, {**_line_attributes(attrs), "ramp": False}, layer)
    interchange_ids = [builder.mark_interchange(x, y, name) for x, y, name in interchange_points]
    builder.add_ramps(interchange_ids, ramp_max_m=ramp_max_m)
    return builder.build(dict(metadata or {}))


def _line_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    kept = {name: attrs.get(name) for name in EDGE_ATTRIBUTES}
    kept["line_id"] = attrs.get("id")
    kept["project_id"] = attrs.get("project_id")
    return kept
