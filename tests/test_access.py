"""The accessibility engine on hand-checkable graphs, and against networkx on random graphs."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import UTM, X0, Y0, lines_frame, points_frame
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from transnet import InputError
from transnet.access import (
    AccessGraph,
    add_travel_times,
    build_matrices,
    build_matrix,
    cost_from_points,
    cost_to_nearest,
    ordinary_edges,
    snap_points,
    speed_table,
)
from transnet.network import network_from_lines


def _points(*xy: tuple[float, float]) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM)


def _chain():
    # Three ordinary roads of grades 1, 2 and 3, 10 km each, west to east.
    return network_from_lines(
        lines_frame(
            [
                {"id": "a", "name": "grade 1", "grade": "1", "coords": [(0, 0), (10_000, 0)]},
                {"id": "b", "name": "grade 2", "grade": "2", "coords": [(10_000, 0), (20_000, 0)]},
                {"id": "c", "name": "grade 3", "grade": "3", "coords": [(20_000, 0), (30_000, 0)]},
            ]
        )
    )


def _node_at(network, x: float) -> int:
    nodes = network.nodes
    return int(nodes.index[(nodes["x"] - (X0 + x)).abs() < 0.5][0])


def test_known_speeds_give_known_minutes():
    network = _chain()
    timed = add_travel_times(network)
    assert sorted(timed.edges["speed_kmh"]) == [40, 60, 80]
    # 10 km at 80, 60 and 40 km/h: 7.5 + 10 + 15 minutes.
    graph = AccessGraph.from_network(network)
    cost = cost_to_nearest(graph.time, graph.positions(np.array([_node_at(network, 30_000)])))
    assert cost[graph.positions(np.array([_node_at(network, 0)]))[0]] == pytest.approx(32.5 * 60)
    assert cost[graph.positions(np.array([_node_at(network, 10_000)]))[0]] == pytest.approx(25 * 60)


def test_speed_overrides_and_ramps():
    timed = add_travel_times(_chain(), speeds_kmh={"3": 30})
    assert sorted(timed.edges["speed_kmh"]) == [30, 60, 80]
    assert speed_table()["ramp"] == 40
    assert set(timed.edges["speed_source"]) == {"design speed by grade"}


def test_a_point_snapping_mid_edge_splits_the_edge():
    network = _chain()
    graph = AccessGraph.from_network(network)
    # 200 m north of the grade-2 road, 3 km along it from its west end (x = 10 km).
    point = _points((13_000, 200))
    snapped = snap_points(network, point)
    edge = network.edges.iloc[snapped.edge[0]]
    assert edge["grade"] == "2"
    assert snapped.snap_m[0] == pytest.approx(200)
    assert snapped.along_m[0] == pytest.approx(3000)
    east = cost_from_points(graph, point, target_nodes=[_node_at(network, 20_000)])
    west = cost_from_points(graph, point, target_nodes=[_node_at(network, 10_000)])
    # Access: 200 m at 20 km/h = 36 s; then 7 km or 3 km at 60 km/h.
    assert east["total"].iloc[0] == pytest.approx(36 + 420)
    assert west["total"].iloc[0] == pytest.approx(36 + 180)
    metres = cost_from_points(
        graph, point, target_nodes=[_node_at(network, 20_000)], weight="length_m"
    )
    assert metres["total"].iloc[0] == pytest.approx(200 + 7000)


def test_a_one_way_edge_blocks_the_reverse_route():
    network = _chain()
    network.edges.loc[network.edges["grade"] == "2", "oneway"] = True  # east-bound only
    graph = AccessGraph.from_network(network)
    west_end, east_end = _node_at(network, 0), _node_at(network, 30_000)
    to_east = cost_to_nearest(graph.time, graph.positions(np.array([east_end])))
    to_west = cost_to_nearest(graph.time, graph.positions(np.array([west_end])))
    assert np.isfinite(to_east[graph.positions(np.array([west_end]))[0]])
    assert np.isinf(to_west[graph.positions(np.array([east_end]))[0]])
    # A point on the one-way edge can only leave it eastwards.
    point = _points((13_000, 0))
    west = cost_from_points(graph, point, target_nodes=[_node_at(network, 10_000)])
    assert west["unreachable"].iloc[0]


def test_a_far_point_is_flagged_unreachable_not_dropped():
    network = _chain()
    graph = AccessGraph.from_network(network)
    points = _points((5000, 100), (5000, 9000))
    cost = cost_from_points(graph, points, target_nodes=[_node_at(network, 0)], max_snap_m=5000)
    assert len(cost) == 2
    assert cost["unreachable"].tolist() == [False, True]
    assert np.isinf(cost["total"].iloc[1])
    assert cost["snap_m"].iloc[1] == pytest.approx(9000)


def test_bad_input():
    network = _chain()
    graph = AccessGraph.from_network(network)
    with pytest.raises(InputError, match="NaN"):
        snap_points(network, gpd.GeoSeries([Point(float("nan"), Y0)], crs=UTM))
    with pytest.raises(InputError, match="target set is empty"):
        cost_from_points(graph, _points((0, 0)), target_nodes=[])
    with pytest.raises(InputError, match="positive"):
        speed_table({"2": 0})
    with pytest.raises(InputError, match="positive"):
        speed_table({"expressway": -80})
    with pytest.raises(InputError, match="unknown grade"):
        speed_table({"5": 30})
    with pytest.raises(InputError, match="access speed"):
        cost_from_points(
            graph, _points((0, 0)), target_nodes=[_node_at(network, 0)], access_speed_kmh=0
        )


@st.composite
def random_graphs(draw):
    n = draw(st.integers(2, 40))
    m = draw(st.integers(1, 120))
    u = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    v = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    cost = draw(st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=m, max_size=m))
    oneway = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    targets = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5, unique=True))
    return n, np.array(u), np.array(v), np.array(cost), np.array(oneway), np.array(targets)


@settings(max_examples=200, deadline=None)
@given(random_graphs())
def test_agrees_with_networkx_dijkstra(graph):
    n, u, v, cost, oneway, targets = graph
    ours = cost_to_nearest(build_matrix(u, v, cost, oneway, n), targets)
    directed = nx.DiGraph()
    directed.add_nodes_from(range(n))
    arcs = list(zip(u, v, cost, strict=True))
    arcs += [(b, a, c) for a, b, c, one in zip(u, v, cost, oneway, strict=True) if not one]
    for a, b, c in arcs:
        if a == b:
            continue
        if not directed.has_edge(a, b) or directed[a][b]["w"] > c:
            directed.add_edge(a, b, w=c)
    # From every node to the nearest target = from the targets on the reversed graph.
    expected = nx.multi_source_dijkstra_path_length(
        directed.reverse(), set(targets.tolist()), weight="w"
    )
    for node in range(n):
        if node in expected:
            assert ours[node] == pytest.approx(expected[node], rel=1e-9, abs=1e-9)
        else:
            assert np.isinf(ours[node])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 5000), st.floats(0, 5000), st.floats(0, 5000), st.floats(0, 5000)),
        min_size=1,
        max_size=15,
    ),
    st.lists(st.tuples(st.floats(-1000, 6000), st.floats(-1000, 6000)), min_size=1, max_size=10),
)
def test_snapping_finds_the_nearest_edge(segments, points):
    lines = [
        {"id": str(i), "name": str(i), "grade": "3", "coords": [(x1, y1), (x2, y2)]}
        for i, (x1, y1, x2, y2) in enumerate(segments)
        if np.hypot(x2 - x1, y2 - y1) > 2  # nodes are merged within 1 m
    ]
    if not lines:
        return
    network = network_from_lines(lines_frame(lines))
    geometries = network.edges.geometry.values
    brute = np.array(
        [min(shapely.distance(geometries, Point(X0 + x, Y0 + y))) for x, y in points]
    )
    # Unlimited, and with a limit that leaves some points beyond it (still snapped, flagged).
    for max_snap_m in (1e9, 500.0):
        snapped = snap_points(network, _points(*points), max_snap_m=max_snap_m)
        assert snapped.snap_m == pytest.approx(brute, abs=1e-6)
        assert snapped.unreachable.tolist() == (snapped.snap_m > max_snap_m).tolist()
        on_edge = shapely.distance(
            shapely.line_interpolate_point(geometries[snapped.edge], snapped.along_m),
            shapely.points([(X0 + x, Y0 + y) for x, y in points]),
        )
        assert on_edge == pytest.approx(brute, abs=1e-6)


def _ramp_and_road():
    # G5 along y = 0 with an interchange at x = 5 km, joined by a 1 km ramp north to the start
    # of S318, a grade-2 road running north from (5 km, 1 km) to (5 km, 5 km).
    lines = lines_frame(
        [
            {"id": "g5", "name": "G5", "grade": "expressway", "coords": [(0, 0), (10_000, 0)]},
            {"id": "s318", "name": "S318", "grade": "2", "coords": [(5000, 1000), (5000, 5000)]},
        ]
    )
    interchanges = points_frame([{"name": "Central", "x": 5000, "y": 0}])
    return network_from_lines(lines, interchanges)


def test_a_place_nearer_a_ramp_than_a_road_snaps_to_the_road():
    network = _ramp_and_road()
    ramp = network.edges["ramp"].to_numpy()
    assert ramp.sum() == 1
    assert ordinary_edges(network).tolist() == (network.edges["name"] == "S318").tolist()
    # 300 m east of the ramp's middle, 500 m north of G5; S318's start (5 km, 1 km) is
    # hypot(300, 500) = 583.1 m away.
    place = _points((5300, 500))
    snapped = snap_points(network, place)
    assert network.edges["name"].iloc[snapped.edge[0]] == "S318"
    assert snapped.snap_m[0] == pytest.approx(np.hypot(300, 500))
    assert snapped.along_m[0] == pytest.approx(0)
    # An explicit mask still decides: with ramps allowed the place lands on the ramp, 300 m.
    onto_ramp = snap_points(network, place, edge_mask=~network.mainline)
    assert ramp[onto_ramp.edge[0]]
    assert onto_ramp.snap_m[0] == pytest.approx(300)
    # By network: 583.1 m of access leg, then 1 km down the ramp to the interchange.
    graph = AccessGraph.from_network(network)
    metres = cost_from_points(
        graph, place, target_nodes=network.interchange_ids, weight="length_m"
    )
    assert metres["total"].iloc[0] == pytest.approx(np.hypot(300, 500) + 1000)


def test_a_network_of_only_expressway_and_ramps_has_nowhere_to_snap():
    network = _ramp_and_road()
    only_expressway = network.edges["name"] != "S318"
    network.edges = network.edges.loc[only_expressway].reset_index(drop=True)
    with pytest.raises(InputError, match="no edge to snap to"):
        snap_points(network, _points((5300, 500)))


def test_maxspeed_is_parsed_once_per_distinct_value(monkeypatch):
    import transnet.access as access

    calls = []
    real = access.parse_maxspeed_kmh

    def counting(value):
        calls.append(value)
        return real(value)

    monkeypatch.setattr(access, "parse_maxspeed_kmh", counting)
    network = _chain()
    edges = network.edges.copy()
    edges["maxspeed"] = ["70", None, "70"]
    network = type(network)(network.nodes, edges, network.metadata)
    timed = add_travel_times(network)
    assert calls == ["70"]
    # The two "70" edges get it; the one without keeps its grade-2 design speed.
    assert timed.edges["speed_kmh"].tolist() == [70.0, 60.0, 70.0]
    assert timed.edges["speed_source"].tolist() == [
        "OSM maxspeed",
        "design speed by grade",
        "OSM maxspeed",
    ]


def test_points_snapped_once_give_the_same_costs():
    network = _chain()
    graph = AccessGraph.from_network(network)
    points = _points((5_000, 300), (25_000, -400))
    target = np.array([_node_at(network, 30_000)])
    snapped = snap_points(network, points)
    again = cost_from_points(graph, points, target_nodes=target, snapped=snapped)
    fresh = cost_from_points(graph, points, target_nodes=target)
    assert again.equals(fresh)
    with pytest.raises(InputError) as error:
        cost_from_points(graph, points.iloc[:1], target_nodes=target, snapped=snapped)
    assert error.value.field == "snapped"


@pytest.mark.parametrize("n_nodes", [1, 4, 30])
def test_build_matrices_keep_the_cheapest_of_parallel_edges_per_cost(n_nodes):
    """Each matrix against a dense brute force: parallel edges, one-way edges, zero costs kept."""
    rng = np.random.default_rng(n_nodes)
    n_edges = 150
    u, v = rng.integers(0, n_nodes, n_edges), rng.integers(0, n_nodes, n_edges)
    oneway = rng.random(n_edges) < 0.3
    # Three costs, all read through one conversion.
    costs = [rng.random(n_edges), rng.integers(0, 5, n_edges).astype(float), rng.random(n_edges)]
    matrices = build_matrices(u, v, costs, oneway, n_nodes)
    for cost, matrix in zip(costs, matrices, strict=True):
        expected = np.full((n_nodes, n_nodes), np.inf)
        for a, b, c, one in zip(u, v, cost, oneway, strict=True):
            expected[a, b] = min(expected[a, b], c)
            if not one:
                expected[b, a] = min(expected[b, a], c)
        coo = matrix.tocoo()
        got = np.full((n_nodes, n_nodes), np.inf)
        got[coo.row, coo.col] = coo.data
        np.testing.assert_array_equal(got, expected)
        assert matrix.nnz == np.isfinite(expected).sum()  # explicit zeros are edges
    assert (build_matrix(u, v, costs[0], oneway, n_nodes) != matrices[0]).nnz == 0


@pytest.mark.parametrize(
    "node_ids",
    [
        np.arange(6),  # dense: a table by id
        np.array([0, 1, 2, 3, 4, 7]),
        np.array([-3, -1, 0, 2]),
        np.array([0, 5, 10**12]),  # sparse: binary search
        np.arange(-3, 200),  # dense, but more than the ids looked up: binary search
        np.array([0, 2, 1, 3, 4, 5]),  # unsorted: an index
        np.array([9, 3]),
        np.array([1, 3, 7], dtype=np.uint64),
    ],
)
@pytest.mark.parametrize("ids_dtype", [np.int64, np.uint64])
def test_node_positions_are_what_an_index_of_the_ids_gives(node_ids, ids_dtype):
    from transnet.access import node_positions

    ids = np.array([5, 0, -1, 3, 7, 2, 6, 9, -3, 10**12, 10**12 + 1, 2**62])
    if ids_dtype is np.uint64:
        # 2**64 - 1 is -1 once wrapped into int64: it must stay absent.
        ids = np.append(ids[ids >= 0].astype(np.uint64), np.uint64(2**64 - 1))
    expected = pd.Index(node_ids).get_indexer(ids)
    assert node_positions(node_ids, ids).tolist() == expected.tolist()


def _one_edge_per_speed_source():
    # A ramp, a card's design speed, an OSM maxspeed: three of the four sources of a speed.
    network = _chain()
    edges = network.edges.copy()
    edges["ramp"] = [True, False, False]
    edges["design_speed_kmh"] = [np.nan, 100.0, np.nan]
    edges["maxspeed"] = [None, None, "50"]
    return type(network)(network.nodes, edges, network.metadata)


def test_each_edge_names_where_its_speed_comes_from():
    timed = add_travel_times(_one_edge_per_speed_source())
    assert timed.edges["speed_source"].tolist() == [
        "ramp design speed",
        "plan card design speed",
        "OSM maxspeed",
    ]
    assert timed.edges["speed_kmh"].tolist()[1:] == [100.0, 50.0]
    # Millions of edges share the four strings: a categorical, not one string per edge.
    assert isinstance(timed.edges["speed_source"].dtype, pd.CategoricalDtype)
    assert len(timed.edges["speed_source"].cat.categories) == 4


def test_travel_times_leave_the_network_they_time_unchanged():
    network = _one_edge_per_speed_source()
    edges = network.edges
    before = edges.copy()
    timed = add_travel_times(network)
    pd.testing.assert_frame_equal(edges, before)
    assert timed.edges["time_s"].tolist()[1:] == [
        edges["length_m"].iloc[1] / (100.0 / 3.6),
        edges["length_m"].iloc[2] / (50.0 / 3.6),
    ]
