"""Topology of `network_from_lines`, and the osmnx-compatible graph."""

from __future__ import annotations

import networkx as nx
import osmnx as ox
import pytest
from conftest import lines_frame, points_frame

from transnet import InputError
from transnet.network import RoadNetwork, network_from_lines


def test_lines_sharing_a_vertex_connect_and_lengths_are_metres():
    lines = lines_frame(
        [
            {"id": "a", "name": "A", "grade": "2", "coords": [(0, 0), (3000, 0)]},
            {"id": "b", "name": "B", "grade": "3", "coords": [(3000, 0), (3000, 4000)]},
        ]
    )
    network = network_from_lines(lines)
    assert len(network.nodes) == 3
    assert network.edges["length_m"].sum() == pytest.approx(7000)
    graph = network.to_networkx()
    assert nx.is_weakly_connected(graph)


def test_expressway_meets_other_roads_only_at_interchanges():
    lines = lines_frame(
        [
            {"id": "road", "name": "G108", "grade": "2", "coords": [(0, 0), (10_000, 0)]},
            # The expressway passes over the same point (5000, 0) without an interchange...
            {
                "id": "x",
                "name": "G55",
                "grade": "expressway",
                "coords": [(5000, -5000), (5000, 0), (5000, 5000)],
            },
        ]
    )
    network = network_from_lines(lines)
    assert nx.number_weakly_connected_components(network.to_networkx()) == 2
    # ...and with an interchange 400 m up the expressway, a 400 m ramp joins the two.
    interchanges = points_frame([{"id": "i1", "name": "North", "road": "x", "x": 5000, "y": 400}])
    network = network_from_lines(lines, interchanges)
    assert nx.number_weakly_connected_components(network.to_networkx()) == 1
    ramps = network.edges[network.edges["ramp"]]
    assert len(ramps) == 1
    assert ramps["length_m"].iloc[0] == pytest.approx(400)
    assert network.nodes["interchange"].sum() == 1
    # The expressway main line is split at the interchange, not lengthened.
    assert network.edges.loc[network.mainline, "length_m"].sum() == pytest.approx(10_000)


def test_interchange_far_from_every_expressway_is_an_error():
    lines = lines_frame(
        [{"id": "x", "name": "G55", "grade": "expressway", "coords": [(0, 0), (0, 9000)]}]
    )
    interchanges = points_frame([{"id": "far", "name": "Far", "x": 2000, "y": 0}])
    with pytest.raises(InputError, match=r"far.*2000 m from the nearest expressway"):
        network_from_lines(lines, interchanges, path="interchanges.geojson")


def test_unknown_grade_names_the_feature_and_field():
    lines = lines_frame([{"id": "bad", "name": "X", "grade": "5", "coords": [(0, 0), (1, 0)]}])
    with pytest.raises(InputError) as info:
        network_from_lines(lines, path="network.geojson")
    assert info.value.record == "bad"
    assert info.value.field == "grade"
    assert "network.geojson" in str(info.value)


def test_osmnx_reads_the_graph_and_round_trip_keeps_every_edge():
    lines = lines_frame(
        [
            {"id": "a", "name": "A", "grade": "1", "coords": [(0, 0), (1000, 0), (2000, 500)]},
            {"id": "b", "name": "B", "grade": "expressway", "coords": [(0, 3000), (2000, 3000)]},
        ]
    )
    network = network_from_lines(lines)
    graph = network.to_networkx()
    nodes, edges = ox.graph_to_gdfs(graph)
    assert len(nodes) == len(network.nodes)
    # Two-way roads appear in both directions, as osmnx does.
    assert len(edges) == 2 * len(network.edges)
    stats = ox.stats.basic_stats(graph)
    assert stats["edge_length_total"] == pytest.approx(2 * network.edges["length_m"].sum())
    back = RoadNetwork.from_networkx(graph)
    assert len(back.edges) == len(network.edges)
    assert back.edges["length_m"].sum() == pytest.approx(network.edges["length_m"].sum())
    assert sorted(back.edges["grade"]) == sorted(network.edges["grade"])


def test_finishing_an_edge_table_leaves_the_callers_table_as_it_was():
    import pandas as pd
    from shapely.geometry import LineString

    from transnet.network.model import finish_edges

    frame = pd.DataFrame(
        {
            "u": [0],
            "v": [1],
            "key": [0],
            "grade": ["2"],
            "name": [None],
            "ramp": [None],
            "geometry": [LineString([(0, 0), (300, 400)])],
        }
    )
    before = frame.copy()
    edges = finish_edges(frame, "EPSG:32649")
    edges.loc[0, "u"] = 99
    assert edges.at[0, "length_m"] == 500.0 and edges.at[0, "name"] == ""
    pd.testing.assert_frame_equal(frame, before)
