"""The one nearest-feature search of transnet: each query geometry to its nearest candidate.

Plan snapping, place snapping and the straight-line figures of the metrics all use
:func:`nearest`, a thin layer over shapely's ``STRtree.query_nearest`` (exact distances).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["NearestMatch", "nearest"]


@dataclass(frozen=True)
class NearestMatch:
    """For each matched query, the index of its nearest candidate and the distance to it.

    Attributes
    ----------
    query_index, candidate_index
        Positions in the query and candidate arrays, one pair per matched query (a query with
        no candidate within ``max_distance`` has no pair).
    distance
        Distance between the pair, in the geometries' units (metres in a projected CRS).

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> match = nearest([Point(0, 1)], [LineString([(0, 0), (10, 0)])])
    >>> match.candidate_index.tolist(), match.distance.tolist()
    ([0], [1.0])

    """

    query_index: np.ndarray
    candidate_index: np.ndarray
    distance: np.ndarray

    def per_query(self, n_queries: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the candidate (``-1`` if none) and distance (``inf``) of every query.

        Examples
        --------
        >>> from shapely import Point
        >>> match = nearest([Point(0, 0), Point(50, 0)], [Point(1, 0)], max_distance=10)
        >>> match.per_query(2)
        (array([ 0, -1]), array([ 1., inf]))

        """
        candidate = np.full(n_queries, -1, dtype=np.int64)
        distance = np.full(n_queries, np.inf)
        candidate[self.query_index] = self.candidate_index
        distance[self.query_index] = self.distance
        return candidate, distance


def nearest(
    queries,
    candidates,
    *,
    max_distance: float | None = None,
) -> NearestMatch:
    """Find each query's nearest candidate (ties: the lowest candidate index).

    Parameters
    ----------
    queries, candidates
        Arrays (or sequences, ``GeoSeries``) of shapely geometries in one projected CRS.
    max_distance
        Ignore candidates farther than this (faster on large inputs); None: no limit.

    Returns
    -------
    NearestMatch

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> roads = [LineString([(0, 0), (10, 0)]), LineString([(0, 5), (10, 5)])]
    >>> match = nearest([Point(2, 4), Point(2, -3)], roads)
    >>> match.candidate_index.tolist(), match.distance.tolist()
    ([1, 0], [1.0, 3.0])

    Nothing within ``max_distance``: no pair at all.

    >>> nearest([Point(2, 40)], roads, max_distance=10).query_index.tolist()
    []

    """
    queries = np.asarray(getattr(queries, "values", queries), dtype=object)
    candidates = np.asarray(getattr(candidates, "values", candidates), dtype=object)
    if len(queries) == 0 or len(candidates) == 0:
        empty = np.array([], dtype=np.int64)
        return NearestMatch(empty, empty.copy(), np.array([], dtype=float))
    tree = shapely.STRtree(candidates)
    (query_index, candidate_index), distance = tree.query_nearest(
        queries, max_distance=max_distance, return_distance=True, all_matches=True
    )
    # all_matches keeps every tie; keep the first (lowest candidate index) per query.
    order = np.lexsort((candidate_index, query_index))
    query_index, candidate_index, distance = (
        query_index[order], candidate_index[order], distance[order]
    )
    first = np.ones(len(query_index), dtype=bool)  # empty when nothing is within max_distance
    first[1:] = query_index[1:] != query_index[:-1]
    return NearestMatch(query_index[first], candidate_index[first], distance[first])
