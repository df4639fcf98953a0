"""The nearest search over a subset of one tree's geometries, against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, Point

from transnet.nearest import GeometryIndex, nearest


def _brute(queries, geometries, rows, max_distance=None):
    """Candidate position and distance per query, by measuring every candidate."""
    best = []
    for query in queries:
        d = shapely.distance(query, geometries[rows]) if len(rows) else np.array([])
        if max_distance is not None:
            d = np.where(d <= max_distance, d, np.inf)
        if len(d) == 0 or not np.isfinite(d).any():
            best.append((-1, np.inf))
        else:
            best.append((int(np.argmin(d)), float(d.min())))  # argmin: the lowest of ties
    return best


def test_the_nearest_of_a_subset_is_found_beyond_the_nearest_of_all():
    # Ten parallel roads 100 m apart; only the last is a candidate: 900 m from the point.
    roads = np.array([LineString([(0, 100 * i), (1000, 100 * i)]) for i in range(10)])
    index = GeometryIndex(roads)
    match = index.nearest([Point(500, 0)], rows=[9])
    assert match.candidate_index.tolist() == [0]
    assert match.distance.tolist() == [900.0]


def test_ties_go_to_the_lowest_position_and_max_distance_is_honoured():
    points = np.array([Point(-1, 0), Point(1, 0), Point(0, 50)])
    index = GeometryIndex(points)
    match = index.nearest([Point(0, 0)], rows=[1, 0, 2])
    assert match.candidate_index.tolist() == [0]  # position 0 (row 1) and 1 (row 0) tie
    assert index.nearest([Point(0, 40)], rows=[2], max_distance=5).query_index.tolist() == []
    assert index.nearest([Point(0, 40)], rows=[2], max_distance=10).distance.tolist() == [10.0]


def test_no_candidate_at_all_gives_no_pair():
    index = GeometryIndex([Point(0, 0)])
    assert index.nearest([Point(1, 1)], rows=[]).query_index.tolist() == []


def test_without_rows_it_is_the_plain_search():
    rng = np.random.default_rng(3)
    geometries = shapely.points(rng.uniform(0, 1000, size=(200, 2)))
    queries = shapely.points(rng.uniform(-200, 1200, size=(30, 2)))
    plain = nearest(queries, geometries)
    indexed = GeometryIndex(geometries).nearest(queries)
    assert plain.candidate_index.tolist() == indexed.candidate_index.tolist()
    assert plain.distance.tolist() == indexed.distance.tolist()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 120),
    share=st.floats(0.0, 1.0),
    max_distance=st.one_of(st.none(), st.floats(1.0, 3000.0)),
)
def test_subset_nearest_equals_brute_force(seed, n, share, max_distance):
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 5000, size=(n, 2))
    end = start + rng.uniform(-300, 300, size=(n, 2))
    geometries = shapely.linestrings(np.stack([start, end], axis=1))
    rows = np.flatnonzero(rng.uniform(size=n) < share)
    queries = shapely.points(rng.uniform(-2000, 7000, size=(12, 2)))
    match = GeometryIndex(geometries).nearest(queries, rows=rows, max_distance=max_distance)
    candidate, distance = match.per_query(len(queries))
    expected = _brute(queries, geometries, rows, max_distance)
    assert candidate.tolist() == [c for c, _ in expected]
    assert distance == pytest.approx([d for _, d in expected])
