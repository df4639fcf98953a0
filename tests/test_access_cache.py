"""One AccessGraph per network and speed table, and each set of places snapped once per graph."""

from __future__ import annotations

import gc

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString

from transnet import access
from transnet.access import AccessGraph, access_graph, cost_from_points, snap_points
from transnet.network import RoadNetwork, network_from_lines


def _network() -> RoadNetwork:
    lines = gpd.GeoDataFrame(
        {"name": ["A", "B"], "grade": ["2", "3"]},
        geometry=[LineString([(0, 0), (6000, 0)]), LineString([(6000, 0), (6000, 4000)])],
        crs="EPSG:32649",
    )
    return network_from_lines(lines)


def _points() -> gpd.GeoSeries:
    return gpd.GeoSeries.from_xy([1000, 6500], [300, 2000], crs="EPSG:32649")


def test_same_network_and_speeds_give_the_same_graph():
    network = _network()
    graph = access_graph(network)
    assert access_graph(network) is graph
    assert access_graph(network, speeds_kmh={}) is graph  # no override is the default table


def test_other_speeds_give_their_own_graph_with_their_times():
    network = _network()
    default = access_graph(network)
    faster = access_graph(network, speeds_kmh={"2": 72})
    assert faster is not default
    assert faster.network.edges["time_s"].tolist() == [300.0, 360.0]
    assert default.network.edges["time_s"].tolist() == [360.0, 360.0]
    assert access_graph(network, speeds_kmh={"2": 72}) is faster


def test_the_cached_graph_equals_a_fresh_one():
    network = _network()
    cached, fresh = access_graph(network), AccessGraph.from_network(network)
    assert (cached.time != fresh.time).nnz == 0
    assert (cached.distance != fresh.distance).nnz == 0
    assert cached.node_ids.tolist() == fresh.node_ids.tolist()


def test_replaced_edges_are_a_new_network_for_the_cache():
    network = _network()
    graph = access_graph(network)
    longer = network.edges.copy()
    longer["length_m"] = longer["length_m"] * 2
    network.edges = longer
    rebuilt = access_graph(network)
    assert rebuilt is not graph
    assert float(rebuilt.distance[0, 1]) == 12_000.0


def test_each_network_has_its_own_graph():
    one, two = _network(), _network()
    assert access_graph(one) is not access_graph(two)


def test_a_dead_network_leaves_no_cache_entry():
    network = _network()
    access_graph(network)
    held = len(access._GRAPHS)
    assert network in access._GRAPHS
    del network
    gc.collect()
    assert len(access._GRAPHS) == held - 1


def test_places_are_snapped_once_per_graph():
    graph = access_graph(_network())
    first = graph.snap(_points(), max_snap_m=400)
    assert graph.snap(_points(), max_snap_m=400) is first  # equal points, another object
    assert graph.snap(_points(), max_snap_m=1000) is not first
    expected = snap_points(graph.network, _points(), max_snap_m=400)
    assert first.edge.tolist() == expected.edge.tolist()
    assert first.unreachable.tolist() == [False, True]


def test_moved_points_are_snapped_again():
    graph = access_graph(_network())
    first = graph.snap(_points(), max_snap_m=5000)
    moved = gpd.GeoSeries.from_xy([1000, 6500], [300, 2500], crs="EPSG:32649")
    again = graph.snap(moved, max_snap_m=5000)
    assert again is not first
    assert again.along_m.tolist() == [1000.0, 2500.0]


def test_the_same_points_in_another_crs_snap_alike():
    graph = access_graph(_network())
    projected = graph.snap(_points(), max_snap_m=5000)
    geographic = graph.snap(_points().to_crs("EPSG:4326"), max_snap_m=5000)
    assert geographic.edge.tolist() == projected.edge.tolist()
    np.testing.assert_allclose(geographic.snap_m, projected.snap_m, atol=1e-3)


def test_cost_from_points_uses_the_graph_snaps():
    graph = access_graph(_network())
    points = _points()
    cost = cost_from_points(graph, points, target_nodes=np.array([2]))
    assert graph.snap(points, max_snap_m=access.options.MAX_SNAP_M) is graph.snap(
        points, max_snap_m=access.options.MAX_SNAP_M
    )
    assert cost["total"].tolist() == pytest.approx([714.0, 270.0])


def test_metrics_and_attribution_share_one_graph_per_network(monkeypatch):
    from conftest import square_region

    from transnet.attribution import seat_minutes_to_interchange
    from transnet.metrics import MetricSettings, evaluate_scenario
    from transnet.testing import crossing_lines

    built = []
    real = AccessGraph.from_network.__func__

    def counting(cls, network, **options):
        built.append(id(network))
        return real(cls, network, **options)

    monkeypatch.setattr(AccessGraph, "from_network", classmethod(counting))
    network = network_from_lines(*crossing_lines())
    region = square_region(seat_xy=(1000, 300))
    settings = MetricSettings()
    evaluate_scenario(network, region, settings=settings)
    seat_minutes_to_interchange(network, region.seats.geometry, settings=settings)
    seat_minutes_to_interchange(network, region.seats.geometry, settings=settings)
    assert built == [id(network)]


def test_build_matrix_keeps_the_cheapest_parallel_edge_and_explicit_zeros():
    from transnet.access import build_matrix

    rng = np.random.default_rng(3)
    u, v = rng.integers(0, 30, 400), rng.integers(0, 30, 400)
    cost = rng.integers(0, 5, 400).astype(float)  # zero costs and many parallel edges
    oneway = rng.random(400) < 0.3
    matrix = build_matrix(u, v, cost, oneway, 30)
    expected: dict[tuple[int, int], float] = {}
    for a, b, c, one in zip(u, v, cost, oneway, strict=True):
        for key in [(a, b)] if one else [(a, b), (b, a)]:
            expected[key] = min(expected.get(key, np.inf), c)
    coo = matrix.tocoo()
    got = {(int(r), int(c)): float(x) for r, c, x in zip(coo.row, coo.col, coo.data, strict=True)}
    assert got == expected
    assert (
        build_matrix(np.array([], int), np.array([], int), np.array([]), np.array([], bool), 3).nnz
        == 0
    )
