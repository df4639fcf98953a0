"""Network distances: snapping points to edges, and one multi-source shortest-path call.

Distances from every node to the nearest member of a target set (interchanges, roads of a grade)
come from a single ``scipy.sparse.csgraph.dijkstra(..., min_only=True)`` call on a sparse
adjacency matrix, never from one call per source.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from transnet.network import RoadNetwork

__all__ = [
    "SnappedPoints",
    "nearest_target_distance_m",
    "network_distance_to_targets_m",
    "snap_points",
]


@dataclass(frozen=True)
class SnappedPoints:
    """Where points meet the network.

    Attributes
    ----------
    edge
        Row position in ``network.edges`` of the nearest edge.
    along_m
        Distance from the edge's ``u`` end to the snapped point, along the edge.
    snap_m
        Straight-line distance from the point to the edge (the off-network access leg).

    """

    edge: np.ndarray
    along_m: np.ndarray
    snap_m: np.ndarray


def snap_points(
    network: RoadNetwork, points: gpd.GeoSeries, *, edge_mask: pd.Series | np.ndarray | None = None
) -> SnappedPoints:
    """Snap points to the nearest edge (not only the nearest node).

    Parameters
    ----------
    network
        The network.
    points
        Points in any CRS; projected to the network's CRS.
    edge_mask
        Boolean mask of the edges a point may snap to (default: all but expressway main lines,
        which cannot be entered between interchanges).

    Returns
    -------
    SnappedPoints

    """
    if edge_mask is None:
        edge_mask = ~network.mainline
    allowed = np.flatnonzero(np.asarray(edge_mask))
    geometries = network.edges.geometry.values[allowed]
    projected = points.to_crs(network.crs).values
    tree = shapely.STRtree(geometries)
    point_index, hit = tree.query_nearest(projected, all_matches=False)
    edge = np.full(len(projected), -1, dtype=np.int64)
    edge[point_index] = allowed[hit]
    lines = network.edges.geometry.values[edge]
    return SnappedPoints(
        edge=edge,
        along_m=shapely.line_locate_point(lines, projected),
        snap_m=shapely.distance(lines, projected),
    )


def nearest_target_distance_m(
    network: RoadNetwork, targets: np.ndarray, *, weight: str = "length_m"
) -> pd.Series:
    """Distance from every node to the nearest target node, along the network.

    One multi-source Dijkstra over an undirected sparse matrix (the schematic network has no
    one-way roads; directed travel is a later refinement).

    Parameters
    ----------
    network
        The network.
    targets
        Node ids of the targets (e.g. interchanges).
    weight
        Edge column holding the cost.

    Returns
    -------
    pandas.Series
        Indexed by node id; ``inf`` where no target can be reached.

    """
    node_ids = network.nodes.index.to_numpy()
    position = pd.Series(np.arange(len(node_ids)), index=node_ids)
    rows = position.loc[network.edges["u"]].to_numpy()
    cols = position.loc[network.edges["v"]].to_numpy()
    cost = network.edges[weight].to_numpy(dtype=float)
    # Parallel edges: keep the cheapest (a sparse constructor would add them up).
    cheapest = (
        pd.DataFrame({"row": rows, "col": cols, "cost": cost}).groupby(["row", "col"])["cost"].min()
    )
    size = len(node_ids)
    matrix = csr_matrix(
        (
            cheapest.to_numpy(),
            (
                cheapest.index.get_level_values("row").to_numpy(),
                cheapest.index.get_level_values("col").to_numpy(),
            ),
        ),
        shape=(size, size),
    )
    if len(targets) == 0:
        return pd.Series(np.inf, index=node_ids)
    distances = dijkstra(
        matrix, directed=False, indices=position.loc[targets].to_numpy(), min_only=True
    )
    return pd.Series(distances, index=node_ids)


def network_distance_to_targets_m(
    network: RoadNetwork, points: gpd.GeoSeries, targets: np.ndarray
) -> pd.DataFrame:
    """Distance from each point to the nearest target node: access leg plus network path.

    Parameters
    ----------
    network
        The network.
    points
        Points to measure from (e.g. county seats).
    targets
        Target node ids.

    Returns
    -------
    pandas.DataFrame
        Columns ``snap_m`` (access leg), ``network_m`` (along the network from the snapped point)
        and ``total_m``; indexed like ``points``.

    """
    snapped = snap_points(network, points)
    node_distance = nearest_target_distance_m(network, targets)
    edges = network.edges.iloc[snapped.edge]
    via_u = node_distance.loc[edges["u"]].to_numpy() + snapped.along_m
    via_v = (
        node_distance.loc[edges["v"]].to_numpy() + edges["length_m"].to_numpy() - snapped.along_m
    )
    network_m = np.minimum(via_u, via_v)
    return pd.DataFrame(
        {"snap_m": snapped.snap_m, "network_m": network_m, "total_m": snapped.snap_m + network_m},
        index=points.index,
    )
