"""The one nearest-feature search of transnet: each query geometry to its nearest candidate.

Plan snapping, place snapping and the straight-line figures of the metrics all use
:func:`nearest`, a thin layer over shapely's ``STRtree.query_nearest`` (exact distances).
:class:`GeometryIndex` keeps one tree and answers the same question over any subset of its
geometries (the roads of one grade, the edges of a scenario's network), so that a tree is built
once per network family instead of once per question.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["GeometryIndex", "NearestMatch", "nearest"]


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
    return GeometryIndex(candidates).nearest(queries, max_distance=max_distance)


def _geometries(values) -> np.ndarray:
    return np.asarray(getattr(values, "values", values), dtype=object)


def _no_match() -> NearestMatch:
    empty = np.array([], dtype=np.int64)
    return NearestMatch(empty, empty.copy(), np.array([], dtype=float))


def _first_per_query(
    query_index: np.ndarray, candidate_index: np.ndarray, distance: np.ndarray
) -> NearestMatch:
    """Keep each query's nearest pair; among ties, the lowest candidate index."""
    order = np.lexsort((candidate_index, distance, query_index))
    query_index, candidate_index, distance = (
        query_index[order], candidate_index[order], distance[order]
    )
    first = np.ones(len(query_index), dtype=bool)  # empty when nothing is within max_distance
    first[1:] = query_index[1:] != query_index[:-1]
    return NearestMatch(query_index[first], candidate_index[first], distance[first])


class GeometryIndex:
    """One STRtree over an array of geometries, asked for the nearest of any subset of them.

    Parameters
    ----------
    geometries
        Shapely geometries in one projected CRS (an array, a sequence or a ``GeoSeries``).

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> roads = [LineString([(0, 0), (10, 0)]), LineString([(0, 5), (10, 5)])]
    >>> index = GeometryIndex(roads)
    >>> index.nearest([Point(2, 1)]).candidate_index.tolist()
    [0]

    Only the second road a candidate (``rows``): the answer is a position in ``rows``.

    >>> match = index.nearest([Point(2, 1)], rows=[1])
    >>> match.candidate_index.tolist(), match.distance.tolist()
    ([0], [4.0])

    """

    def __init__(self, geometries) -> None:
        self.geometries = _geometries(geometries)
        self.tree = shapely.STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.geometries)

    def nearest(
        self,
        queries,
        *,
        rows: np.ndarray | None = None,
        max_distance: float | None = None,
    ) -> NearestMatch:
        """Find each query's nearest geometry among ``rows`` (as :func:`nearest` does).

        Exact: where the nearest of all the geometries is not a candidate, candidates are
        sought within a growing distance of the query, and a query's nearest candidate within
        a distance is its nearest of all.

        Parameters
        ----------
        queries
            Shapely geometries in the index's CRS.
        rows
            Positions of the candidates in the index, in any order (default: all).
        max_distance
            Ignore candidates farther than this; None: no limit.

        Returns
        -------
        NearestMatch
            ``candidate_index`` is a position in ``rows`` (ties: the lowest).

        Examples
        --------
        >>> from shapely import Point
        >>> index = GeometryIndex([Point(0, 0), Point(3, 0), Point(9, 0)])
        >>> index.nearest([Point(2, 0), Point(8, 0)], rows=[0, 2]).distance.tolist()
        [2.0, 1.0]
        >>> index.nearest([Point(2, 0)], rows=[2], max_distance=5).query_index.tolist()
        []

        """
        queries = _geometries(queries)
        if rows is None:
            rows = np.arange(len(self.geometries))
        rows = np.asarray(rows, dtype=np.int64)
        if len(queries) == 0 or len(rows) == 0:
            return _no_match()
        position = np.full(len(self.geometries), -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        (query_index, row), distance = self.tree.query_nearest(
            queries, max_distance=max_distance, return_distance=True, all_matches=True
        )
        candidate = position[row]
        found = candidate >= 0
        matches = [(query_index[found], candidate[found], distance[found])]
        # The nearest of all is no candidate: look farther, from that distance on.
        lower = np.zeros(len(queries))
        np.maximum.at(lower, query_index, distance)
        waiting = np.setdiff1d(np.unique(query_index), query_index[found])
        xmin, ymin, xmax, ymax = shapely.total_bounds(self.geometries)
        span = max(float(np.hypot(xmax - xmin, ymax - ymin)), 1.0)
        radius = np.maximum(2 * lower[waiting], span / 1024)
        while len(waiting):
            if max_distance is not None:
                radius = np.minimum(radius, max_distance)
            # Envelopes only (no distance computed) in a box of the radius; then the exact
            # distance to the candidates among them.
            x0, y0, x1, y1 = shapely.bounds(queries[waiting]).T
            boxes = shapely.box(x0 - radius, y0 - radius, x1 + radius, y1 + radius)
            query_at, row = self.tree.query(boxes)
            candidate = position[row]
            keep = candidate >= 0
            query_at, candidate = query_at[keep], candidate[keep]
            distance = shapely.distance(
                queries[waiting[query_at]], self.geometries[rows[candidate]]
            )
            # Only a candidate within the radius is sure to be the nearest: none farther out
            # can be nearer than it.
            within = distance <= radius[query_at]
            query_at, candidate, distance = query_at[within], candidate[within], distance[within]
            matches.append((waiting[query_at], candidate, distance))
            done = np.isin(np.arange(len(waiting)), query_at)
            # Beyond the span of the geometries (or max_distance) there is nothing more.
            done |= radius >= (span + lower[waiting] if max_distance is None else max_distance)
            waiting, radius = waiting[~done], 4 * radius[~done]
        query_index, candidate, distance = (
            np.concatenate(part) for part in zip(*matches, strict=True)
        )
        return _first_per_query(query_index, candidate, distance)
