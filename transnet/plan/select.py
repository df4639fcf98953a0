"""Selecting what a plan card affects: the existing edges that run along its line.

An edge runs *along* a card when at least ``share`` of its length lies within ``buffer_m`` of the
card's line, it points the card's way (within :data:`~transnet.options.PLAN_MAX_ANGLE_DEG` of the
card's local direction) and its ``ref`` fits the card's. A ``new`` card is *already in the base*
network when ``share`` of its own length lies along existing roads of its class, of its grade or
better (a ring road opened before the base network was drawn), so it is never counted twice.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString
>>> edges = gpd.GeoDataFrame(
...     {"ref": ["G108", "G108"], "length_m": [1000.0, 1000.0]},
...     geometry=[LineString([(0, 0), (1000, 0)]), LineString([(0, 0), (0, 1000)])])
>>> edges_along(edges, LineString([(0, 50), (1000, 50)]), buffer_m=100, share=0.8, ref="G108")
[0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from transnet import options
from transnet.grades import grade_rank, parse_refs
from transnet.network.build import NetworkBuilder

#: Positions of the edges that may meet a zone, sorted (a superset): a caller's own index.
Near = Callable[[Any], np.ndarray]

__all__ = [
    "aligned",
    "already_in_base",
    "cut_at_card_ends",
    "edges_along",
    "grade_ranks",
    "ref_compatible",
    "same_class",
    "share_along",
]


def same_class(edges: pd.DataFrame, *, expressway: bool) -> pd.Series:
    """Mask of the edges a card of one class may change: expressway main lines, or the rest.

    Ramps are never selected.

    Examples
    --------
    >>> same_class(network.edges, expressway=True).sum() == network.mainline.sum()
    np.True_

    """
    mainline = (edges["grade"] == "expressway") & ~edges["ramp"]
    return (mainline if expressway else ~mainline) & ~edges["ramp"]


def aligned(
    edges: gpd.GeoDataFrame,
    line: LineString,
    *,
    max_angle_deg: float = options.PLAN_MAX_ANGLE_DEG,
) -> np.ndarray:
    """Tell which edges run along ``line``: within ``max_angle_deg`` of its local direction.

    An edge's direction (start to end) is compared with the card's over 100 m around the point
    of the card nearest the edge's midpoint, either way round; a zero-length edge counts as
    aligned.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> edges = gpd.GeoSeries([LineString([(0, 0), (100, 10)]), LineString([(0, 0), (10, 100)])])
    >>> aligned(gpd.GeoDataFrame(geometry=edges), LineString([(0, 0), (1000, 0)]))
    array([ True, False])

    """
    geometries = edges.geometry.values
    start = shapely.get_coordinates(shapely.get_point(geometries, 0))
    end = shapely.get_coordinates(shapely.get_point(geometries, -1))
    at = shapely.line_locate_point(
        line, shapely.line_interpolate_point(geometries, 0.5, normalized=True)
    )
    step = np.minimum(50.0, line.length / 2)
    ahead = shapely.get_coordinates(
        shapely.line_interpolate_point(line, np.minimum(at + step, line.length))
    )
    behind = shapely.get_coordinates(
        shapely.line_interpolate_point(line, np.maximum(at - step, 0.0))
    )
    edge_vector, card_vector = end - start, ahead - behind
    norms = np.hypot(*edge_vector.T) * np.hypot(*card_vector.T)
    cosine = np.abs((edge_vector * card_vector).sum(axis=1)) / np.where(norms > 0, norms, 1.0)
    return (norms == 0) | (cosine >= np.cos(np.radians(max_angle_deg)))


def ref_compatible(edges: pd.DataFrame, ref: str) -> np.ndarray:
    """Tell which edges fit a card's ``ref``: any edge if it has none, else one sharing a ref.

    Examples
    --------
    >>> import pandas as pd
    >>> ref_compatible(pd.DataFrame({"ref": ["G108", "G208;S60", ""]}), "S60")
    array([False,  True, False])

    """
    wanted = set(parse_refs(ref))
    if not wanted:
        return np.ones(len(edges), dtype=bool)
    return np.array([bool(wanted & set(parse_refs(r))) for r in edges["ref"]], dtype=bool)


def edges_along(
    edges: gpd.GeoDataFrame,
    line: LineString,
    *,
    buffer_m: float = options.PLAN_MATCH_BUFFER_M,
    share: float = options.PLAN_MATCH_SHARE,
    ref: str = "",
    max_angle_deg: float = options.PLAN_MAX_ANGLE_DEG,
    among: np.ndarray | None = None,
    near: Near | None = None,
) -> list:
    """Return the labels of ``edges`` that run along ``line`` (see the module's rule).

    Parameters
    ----------
    edges
        Candidate edges with ``ref``, ``length_m`` and their geometry.
    line
        The card's line, in the edges' CRS.
    buffer_m
        How far from the line an edge may lie.
    share
        Share of an edge's length that must lie within ``buffer_m``.
    ref
        The card's ref ("" fits any edge).
    max_angle_deg
        Largest angle between the edge and the card.
    among
        Boolean mask of the edges that may match (all if None): the same as passing
        ``edges[among]``, but the spatial index of ``edges`` is built once for every call.
    near
        Positions of the edges that may meet a zone (any superset, sorted), from an index
        the caller has already: default, the spatial index of ``edges``.

    Returns
    -------
    list
        Index labels of the matching edges, in the order of ``edges``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> edges = gpd.GeoDataFrame(
    ...     {"ref": ["", ""], "length_m": [1000.0, 1000.0]},
    ...     geometry=[LineString([(0, 0), (1000, 0)]), LineString([(0, 400), (1000, 900)])])
    >>> edges_along(edges, LineString([(0, 0), (1000, 0)]), buffer_m=500)
    [0]

    """
    zone = line.buffer(buffer_m)
    candidates = edges.iloc[_query(edges, zone, among, near)]
    candidates = candidates.loc[ref_compatible(candidates, ref)]
    if candidates.empty:
        return []
    inside = candidates.geometry.intersection(zone).length
    lengths = candidates["length_m"].replace(0, np.nan)
    enough = ((inside / lengths).fillna(1.0) >= share).to_numpy()
    picked = enough & aligned(candidates, line, max_angle_deg=max_angle_deg)
    return candidates.index[picked].tolist()


def share_along(
    edges: gpd.GeoDataFrame,
    line: LineString,
    *,
    buffer_m: float = options.PLAN_MATCH_BUFFER_M,
    max_angle_deg: float = options.PLAN_MAX_ANGLE_DEG,
    among: np.ndarray | None = None,
    near: Near | None = None,
) -> float:
    """Return the share of ``line`` lying within ``buffer_m`` of edges that run its way.

    ``among`` restricts the edges and ``near`` finds them as in :func:`edges_along`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> edges = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (600, 0)])])
    >>> share_along(edges, LineString([(0, 0), (1000, 0)]), buffer_m=100)
    0.7

    """
    close = edges.iloc[_query(edges, line.buffer(buffer_m), among, near)]
    if not close.empty:
        close = close.loc[aligned(close, line, max_angle_deg=max_angle_deg)]
    if close.empty or line.length == 0:
        return 0.0
    return line.intersection(close.geometry.buffer(buffer_m).union_all()).length / line.length


def already_in_base(
    edges: gpd.GeoDataFrame,
    line: LineString,
    *,
    grade: str,
    expressway: bool,
    buffer_m: float = options.PLAN_MATCH_BUFFER_M,
    share: float = options.PLAN_MATCH_SHARE,
    ranks: np.ndarray | None = None,
    class_mask: np.ndarray | None = None,
    near: Near | None = None,
) -> bool:
    """Tell whether ``share`` of a new card's line runs along roads of its class and grade.

    Roads of the card's grade or better count; ramps never do.

    Parameters
    ----------
    edges
        The base network's edges (``grade``, ``ramp`` and geometry).
    line
        The card's line, in the edges' CRS.
    grade
        The card's grade.
    expressway
        Whether the card is of the expressway class.
    buffer_m, share
        As in :func:`share_along` and :func:`edges_along`.
    ranks
        :func:`~transnet.grades.grade_rank` of each edge's grade, if known (see
        :func:`grade_ranks`).
    class_mask
        :func:`same_class` of the edges for the card's class, if known.
    near
        As in :func:`edges_along`.

    Examples
    --------
    >>> from shapely import LineString
    >>> g55 = network.edges.loc[network.mainline].geometry.iloc[0]
    >>> already_in_base(network.edges, g55, grade="expressway", expressway=True)
    True
    >>> already_in_base(network.edges, g55, grade="1", expressway=False)
    False

    """
    ranks = grade_ranks(edges) if ranks is None else ranks
    if class_mask is None:
        class_mask = same_class(edges, expressway=expressway).to_numpy()
    fitting = np.asarray(class_mask, dtype=bool) & (ranks <= grade_rank(grade))
    return share_along(edges, line, buffer_m=buffer_m, among=fitting, near=near) >= share


def grade_ranks(edges: pd.DataFrame) -> np.ndarray:
    """Return :func:`~transnet.grades.grade_rank` of every edge, each grade ranked once.

    Examples
    --------
    >>> import pandas as pd
    >>> grade_ranks(pd.DataFrame({"grade": ["2", "expressway", "2"]}))
    array([2, 0, 2])

    """
    codes, grades = pd.factorize(edges["grade"])
    ranks = np.array([grade_rank(g) for g in grades], dtype=np.int64)
    return ranks[codes]


def _query(
    edges: gpd.GeoDataFrame, zone, among: np.ndarray | None, near: Near | None = None
) -> np.ndarray:
    """Positions of ``edges`` (those in ``among``) whose geometry meets ``zone``, sorted."""
    if near is None:
        hits = np.sort(edges.sindex.query(zone, predicate="intersects"))
    else:
        candidates = near(zone)
        hits = candidates[shapely.intersects(edges.geometry.values[candidates], zone)]
    return hits if among is None else hits[np.asarray(among, dtype=bool)[hits]]


def cut_at_card_ends(
    builder: NetworkBuilder,
    ends: Iterable[tuple[Point, bool]],
    *,
    buffer_m: float = options.PLAN_MATCH_BUFFER_M,
) -> int:
    """Cut the roads where upgrade and widening cards end, before any card selects edges.

    A card covering part of a long edge then changes that part only.

    Parameters
    ----------
    builder
        The network being planned; changed in place.
    ends
        ``(point, expressway)`` pairs: a card's end and whether the card is of the expressway
        class (so only roads of its class are cut).
    buffer_m
        Roads within this distance of an end are cut at their point nearest it.

    Returns
    -------
    int
        The number of edges cut.

    Examples
    --------
    >>> from shapely import Point
    >>> from transnet.network.build import ORDINARY_LAYER, NetworkBuilder
    >>> builder = NetworkBuilder("EPSG:32649")
    >>> builder.add_line([(0, 0), (1000, 0)], {"grade": "2"}, ORDINARY_LAYER)
    [0]
    >>> cut_at_card_ends(builder, [(Point(250, 40), False), (Point(250, 40), True)])
    1

    """
    return sum(
        builder.split_near(point, max_distance_m=buffer_m, expressway=expressway)
        for point, expressway in ends
    )
