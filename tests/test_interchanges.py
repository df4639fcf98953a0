"""Interchanges on OSM dual carriageways: entries, one count per physical interchange, hubs apart.

Hand-made ``.osm`` files, drawn in metres east (x) and north (y) of (112.5° E, 38.0° N):

- ``G5`` (二广高速) is a dual carriageway along y = 0: eastbound at y = -15 m (x -10 km → 10 km),
  westbound at y = +15 m, both ``oneway=yes``.
- A **diamond** at x = 0 with ``S301`` (primary, ``maxspeed=60``), which runs north from the
  seat (0, -2300) and bridges over G5 with no shared node. On each carriageway a
  ``motorway_junction`` (the diverge, 600 m upstream of the bridge) starts an exit ramp to S301
  (at y = -300 on the south side, +300 on the north); an on-ramp leaves S301 there and merges
  600 m downstream.
- A **hub** (枢纽) at x = 6 km with ``G20``, a two-way motorway running north: a ramp from the
  eastbound carriageway (junction at x = 5.4 km) merges into G20 at y = -500, and one from
  G20 at y = +500 merges into the westbound carriageway at x = 5.4 km. No ordinary road.

The seat drives 2 km north on S301, takes the south on-ramp and is on G5 where it merges. The
old target, the ``motorway_junction`` diverge node, is reached by directed travel only from
upstream: east to the hub, through G20 and back west on the other carriageway.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from transnet.access import AccessGraph, cost_from_points
from transnet.io.osm import network_from_osm_file
from transnet.metrics import MetricSettings, evaluate_scenario
from transnet.network.model import interchange_table
from transnet.region import Region
from transnet.summary import network_scope

LON0, LAT0 = 112.5, 38.0
# Metres per degree on the WGS-84 ellipsoid at 38° N (the usual series); UTM's scale there is
# 0.9998, so lengths come out within 0.05 % of the metres drawn.
_PHI = math.radians(LAT0)
M_PER_DEG_LAT = 111_132.954 - 559.822 * math.cos(2 * _PHI) + 1.175 * math.cos(4 * _PHI)
M_PER_DEG_LON = 111_412.84 * math.cos(_PHI) - 93.5 * math.cos(3 * _PHI)

#: Node id → (x, y) in metres.
# fmt: off
NODES = {
    # G5 eastbound (south), west to east.
    1: (-10_000, -15), 2: (-600, -15), 3: (600, -15), 4: (5_400, -15), 5: (10_000, -15),
    # G5 westbound (north), east to west.
    11: (10_000, 15), 12: (5_400, 15), 13: (600, 15), 14: (-600, 15), 15: (-10_000, 15),
    # S301, south to north: the seat's end, the south ramps, the north ramps, the far end.
    21: (0, -2_300), 22: (0, -300), 23: (0, 300), 24: (0, 5_000),
    # Ramp shape points.
    31: (-300, -200), 32: (300, -200), 33: (300, 200), 34: (-300, 200),
    # G20, south to north, and the hub ramps' shape points.
    41: (6_000, -8_000), 42: (6_000, -500), 43: (6_000, 500), 44: (6_000, 8_000),
    45: (5_700, -300), 46: (5_700, 300),
}
# fmt: on
#: (way id, node ids, tags)
WAYS = [
    (
        101,
        [1, 2, 3, 4, 5],
        {"highway": "motorway", "oneway": "yes", "ref": "G5", "name": "二广高速"},
    ),
    (102, [11, 12, 13, 14, 15], {"highway": "motorway", "oneway": "yes", "ref": "G5"}),
    (103, [21, 22, 23, 24], {"highway": "primary", "ref": "S301", "maxspeed": "60"}),
    (111, [2, 31, 22], {"highway": "motorway_link"}),  # eastbound exit
    (112, [22, 32, 3], {"highway": "motorway_link"}),  # eastbound on-ramp
    (113, [13, 33, 23], {"highway": "motorway_link"}),  # westbound exit
    (114, [23, 34, 14], {"highway": "motorway_link"}),  # westbound on-ramp
    (121, [41, 42, 43, 44], {"highway": "motorway", "oneway": "no", "ref": "G20"}),
    (122, [4, 45, 42], {"highway": "motorway_link"}),  # hub: G5 eastbound → G20
    (123, [43, 46, 12], {"highway": "motorway_link"}),  # hub: G20 → G5 westbound
]
#: ``highway=motorway_junction`` nodes: the diverges.
JUNCTIONS = {2: "太原东", 13: "太原东", 4: "龙城枢纽", 43: "龙城枢纽"}
SEAT_XY = (0, -2_300)


def lonlat(x: float, y: float) -> tuple[float, float]:
    return LON0 + x / M_PER_DEG_LON, LAT0 + y / M_PER_DEG_LAT


def write_osm(path, nodes, ways, junctions) -> None:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for node_id, (x, y) in nodes.items():
        lon, lat = lonlat(x, y)
        attributes = f'id="{node_id}" version="1" lat="{lat:.8f}" lon="{lon:.8f}"'
        if node_id in junctions:
            lines.append(f"  <node {attributes}>")
            lines.append('    <tag k="highway" v="motorway_junction"/>')
            lines.append(f'    <tag k="name" v="{junctions[node_id]}"/>')
            lines.append("  </node>")
        else:
            lines.append(f"  <node {attributes}/>")
    for way_id, refs, tags in ways:
        lines.append(f'  <way id="{way_id}" version="1">')
        lines += [f'    <nd ref="{ref}"/>' for ref in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def diamond_and_hub(tmp_path):
    path = tmp_path / "diamond_and_hub.osm"
    write_osm(path, NODES, WAYS, JUNCTIONS)
    return network_from_osm_file(path)


def seat() -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(*lonlat(*SEAT_XY))], index=["seat"], crs="EPSG:4326")


def edge(network, u: int, v: int):
    edges = network.edges
    rows = edges[(edges["u"] == u) & (edges["v"] == v)]
    assert len(rows) == 1, (u, v)
    return rows.iloc[0]


def test_a_diamond_on_a_dual_carriageway_counts_once_and_the_hub_apart(diamond_and_hub):
    network = diamond_and_hub
    assert network.metadata["interchange_method"] == "motorway_junction"
    assert network.interchange_counts() == {"access": 1, "hub": 1}
    table = network.interchanges
    diamond = table.loc[[2, 3, 13, 14, 22, 23], "interchange_id"]
    assert diamond.nunique() == 1
    hub = table.loc[[4, 12, 42, 43], "interchange_id"]
    assert hub.nunique() == 1 and hub.iloc[0] != diamond.iloc[0]
    assert table.loc[[4, 12, 42, 43], "hub"].all() and not table.loc[diamond.index, "hub"].any()
    assert table.loc[2, "interchange_name"] == "太原东"
    # The entries are where the on-ramps merge, not the diverge junctions; hubs give none.
    assert sorted(network.interchange_ids.tolist()) == [3, 14]
    assert sorted(table.index[table["entry"] & table["hub"]].tolist()) == [12, 42]


def test_seat_minutes_are_the_road_then_the_on_ramp_exactly(diamond_and_hub):
    network = diamond_and_hub
    road, ramp = edge(network, 21, 22), edge(network, 22, 3)
    # By hand: 2 km of S301, and the on-ramp (300 m × 100 m, then 300 m × 185 m) to the merge.
    assert road["length_m"] == pytest.approx(2_000, rel=0.002)
    assert ramp["length_m"] == pytest.approx(math.hypot(300, 100) + math.hypot(300, 185), rel=0.002)
    expected_s = road["length_m"] / (60 / 3.6) + ramp["length_m"] / (40 / 3.6)

    graph = AccessGraph.from_network(network)
    cost = cost_from_points(graph, seat(), target_nodes=network.interchange_ids)
    assert cost.at["seat", "snap_m"] == pytest.approx(0, abs=0.01)
    assert cost.at["seat", "total"] == pytest.approx(expected_s, rel=1e-6)
    distance = cost_from_points(
        graph, seat(), target_nodes=network.interchange_ids, weight="length_m"
    )
    assert distance.at["seat", "total"] == pytest.approx(
        road["length_m"] + ramp["length_m"], rel=1e-6
    )


def test_the_diverge_node_detour_is_gone(diamond_and_hub):
    network = diamond_and_hub
    graph = AccessGraph.from_network(network)
    new = cost_from_points(graph, seat(), target_nodes=network.interchange_ids, weight="length_m")
    # The old targets, the diverge nodes of the diamond: only reached through the hub and back.
    old = cost_from_points(graph, seat(), target_nodes=np.array([2, 13]), weight="length_m")
    detour_m = old.at["seat", "total"] - new.at["seat", "total"]
    # Merge (x 600) east to the hub (x 5400), G20 -500 → +500, back west to x 600, ± ramps.
    assert detour_m > 2 * 4_800
    assert new.at["seat", "total"] < 3_000


def one_county() -> Region:
    """A county covering the drawing, its seat at the seat's point."""
    corners = [lonlat(-12_000, -10_000), lonlat(12_000, 10_000)]
    polygon = box(corners[0][0], corners[0][1], corners[1][0], corners[1][1])
    counties = gpd.GeoDataFrame(
        {
            "code": ["156140100"],
            "name": ["测试县"],
            "name_en": ["Test"],
            "name_gb": ["140100"],
            "area_km2": [480.0],
        },
        geometry=[polygon],
        crs="EPSG:4326",
    )
    seats = gpd.GeoDataFrame(
        {"code": ["156140100"], "name": ["测试县"]}, geometry=[seat().iloc[0]], crs="EPSG:4326"
    )
    return Region("test", counties, seats)


def test_county_records_count_access_interchanges_and_exact_minutes(diamond_and_hub):
    network = diamond_and_hub
    metrics = evaluate_scenario(network, one_county(), settings=MetricSettings())
    record = metrics.counties[0]
    assert record.interchanges == 1 and record.interchange_inside
    road, ramp = edge(network, 21, 22), edge(network, 22, 3)
    expected_min = (road["length_m"] / (60 / 3.6) + ramp["length_m"] / (40 / 3.6)) / 60
    assert record.seat_to_interchange_min == pytest.approx(expected_min, abs=0.005)
    assert record.seat_to_interchange_km == pytest.approx(
        (road["length_m"] + ramp["length_m"]) / 1000, abs=0.0005
    )


def test_a_segment_without_junction_nodes_uses_the_fallback(tmp_path):
    # G5 alone: the same diamond with no motorway_junction node, and no hub.
    nodes = {k: xy for k, xy in NODES.items() if k < 40}
    ways = [w for w in WAYS if w[0] < 120]
    path = tmp_path / "no_junctions.osm"
    write_osm(path, nodes, ways, {})
    network = network_from_osm_file(path)
    assert network.metadata["interchange_method"] == "ramp_meets_ordinary_road"
    assert network.interchange_counts() == {"access": 1, "hub": 0}
    assert sorted(network.interchange_ids.tolist()) == [3, 14]
    graph = AccessGraph.from_network(network)
    cost = cost_from_points(graph, seat(), target_nodes=network.interchange_ids)
    road, ramp = edge(network, 21, 22), edge(network, 22, 3)
    expected_s = road["length_m"] / (60 / 3.6) + ramp["length_m"] / (40 / 3.6)
    assert cost.at["seat", "total"] == pytest.approx(expected_s, rel=1e-6)


def test_two_diamonds_farther_apart_than_the_merge_distance_count_twice(tmp_path):
    # A copy of the diamond 4 km west along G5: its own ramps, nodes offset by 1000 in id.
    nodes = dict(NODES)
    ways = list(WAYS)
    shifted = {k: (x - 4_000, y) for k, (x, y) in NODES.items() if 21 <= k <= 34}
    nodes.update({k + 1000: xy for k, xy in shifted.items()})
    # New main-line nodes on each carriageway for the copy's ramps.
    nodes.update({1002: (-4_600, -15), 1003: (-3_400, -15), 1013: (-3_400, 15), 1014: (-4_600, 15)})
    east = {"highway": "motorway", "oneway": "yes", "ref": "G5", "name": "二广高速"}
    west = {"highway": "motorway", "oneway": "yes", "ref": "G5"}
    ways[0] = (101, [1, 1002, 1003, 2, 3, 4, 5], east)
    ways[1] = (102, [11, 12, 13, 14, 1013, 1014, 15], west)
    ways += [
        (1103, [1021, 1022, 1023, 1024], {"highway": "primary", "ref": "S302"}),
        (1111, [1002, 1031, 1022], {"highway": "motorway_link"}),
        (1112, [1022, 1032, 1003], {"highway": "motorway_link"}),
        (1113, [1013, 1033, 1023], {"highway": "motorway_link"}),
        (1114, [1023, 1034, 1014], {"highway": "motorway_link"}),
    ]
    junctions = {**JUNCTIONS, 1002: "西", 1013: "西"}
    path = tmp_path / "two_diamonds.osm"
    write_osm(path, nodes, ways, junctions)
    network = network_from_osm_file(path)
    assert network.interchange_counts() == {"access": 2, "hub": 1}
    assert sorted(network.interchange_ids.tolist()) == [3, 14, 1003, 1014]
    assert (
        interchange_table(network, merge_m=5_000).pipe(
            lambda t: t.loc[~t["hub"], "interchange_id"].nunique()
        )
        == 1
    )


def test_the_total_length_is_named_for_what_the_network_holds(diamond_and_hub):
    network = diamond_and_hub
    assert network.metadata["completeness"] == "osm"
    assert network_scope(network).startswith("all roads in the network (OpenStreetMap")
    trunk = type(network)(network.nodes, network.edges, {"completeness": "trunk_only"})
    assert network_scope(trunk).startswith("trunk network")
    complete = type(network)(network.nodes, network.edges, {"completeness": "complete"})
    assert network_scope(complete) == "every public road"


def test_exits_without_on_ramps_give_no_entry_and_a_warning(tmp_path):
    # Only the two exit ramps of the diamond: the expressway can be left, never entered.
    nodes = {k: xy for k, xy in NODES.items() if k < 40}
    ways = [w for w in WAYS if w[0] in (101, 102, 103, 111, 113)]
    path = tmp_path / "exits_only.osm"
    write_osm(path, nodes, ways, {2: "太原东", 13: "太原东"})
    network = network_from_osm_file(path)
    assert network.interchange_counts() == {"access": 0, "hub": 0}
    assert len(network.interchange_ids) == 0
    assert any(
        w.startswith("no interchange found: no motorway_link ramp") for w in network.warnings
    )
    # Measured, not refused: the expressway exists but the seat cannot get on it.
    record = evaluate_scenario(network, one_county()).counties[0]
    assert record.seat_to_interchange_min is None and record.seat_within_min is False
    assert record.interchanges == 0 and record.crossed


def test_the_synthetic_extract_s_interchanges_and_seat_distances_match_its_truth(tmp_path):
    from transnet.testing import region_for, write_osm_extract

    path = tmp_path / "taixin.osm.pbf"
    truth = write_osm_extract(path, scale=0.3, seed=1)
    network = network_from_osm_file(path, include_unclassified=True)
    assert "motorway_junction" in network.metadata["interchange_method"]
    points = network.interchange_points().to_crs("EPSG:4326")
    inside = points.within(region_for("taixin").outline).to_numpy()
    hub = points["hub"].to_numpy(dtype=bool)
    assert int((inside & ~hub).sum()) == truth.interchange_count
    assert int((inside & hub).sum()) == truth.hub_count
    seats = gpd.GeoSeries.from_xy(
        [s["lon"] for s in truth.seats], [s["lat"] for s in truth.seats], crs="EPSG:4326"
    )
    graph = AccessGraph.from_network(network)
    cost = cost_from_points(graph, seats, target_nodes=network.interchange_ids, weight="length_m")
    # The truth's merge_km: network km from the seat's node to the nearest merge point.
    expected_km = np.array([s["merge_km"] for s in truth.seats])
    np.testing.assert_allclose(cost["total"].to_numpy() / 1000, expected_km, rtol=0.01)


def test_the_synthetic_extract_s_county_records_match_its_truth(tmp_path):
    from collections import Counter

    from transnet.testing import region_for, write_osm_extract

    path = tmp_path / "taixin.osm.pbf"
    truth = write_osm_extract(path, scale=1, seed=2)
    network = network_from_osm_file(path, include_unclassified=True)
    metrics = evaluate_scenario(network, region_for("taixin"))
    counted = Counter(i["county"] for i in truth.interchanges if i["inside"])
    assert {c.code: c.interchanges for c in metrics.counties} == {
        c.code: counted.get(c.code, 0) for c in metrics.counties
    }
    merge_km = {s["code"]: s["merge_km"] for s in truth.seats}
    for county in metrics.counties:
        assert county.seat_to_interchange_km == pytest.approx(merge_km[county.code], rel=0.01)


def test_the_bundle_s_schematic_interchanges_keep_their_target_nodes(bundle_study):
    # Each schematic interchange node, joined by a two-way ramp to an ordinary road, is its own
    # entry: the county rule's targets are the nodes marked before the change, one per
    # interchange, before and after the plan.
    for network in (bundle_study.before, bundle_study.after):
        marked = network.nodes.index[network.nodes["interchange"]]
        assert sorted(network.interchange_ids.tolist()) == sorted(marked.tolist())
        assert network.interchange_counts() == {"access": len(marked), "hub": 0}


def test_a_junction_node_off_its_ramps_joins_the_interchange_and_is_no_entry(tmp_path):
    # The eastbound junction marked 200 m upstream of where its exit ramp actually leaves.
    nodes = {**NODES, 6: (-800, -15)}
    ways = list(WAYS)
    ways[0] = (101, [1, 6, 2, 3, 4, 5], WAYS[0][2])
    junctions = {**{k: v for k, v in JUNCTIONS.items() if k != 2}, 6: "太原东"}
    path = tmp_path / "junction_off_ramp.osm"
    write_osm(path, nodes, ways, junctions)
    network = network_from_osm_file(path)
    assert network.interchange_counts() == {"access": 1, "hub": 1}
    table = network.interchanges
    assert table.at[6, "interchange_id"] == table.at[3, "interchange_id"]
    assert sorted(network.interchange_ids.tolist()) == [3, 14]


def test_a_service_area_loop_is_no_interchange(tmp_path):
    # A 服务区 off the eastbound carriageway at x = -5 km: out and back onto the same road,
    # meeting no kept road (its service roads are not part of the network).
    nodes = {**NODES, 7: (-5_200, -15), 8: (-4_800, -15), 9: (-5_000, -200)}
    ways = list(WAYS)
    ways[0] = (101, [1, 7, 8, 2, 3, 4, 5], WAYS[0][2])
    ways.append((131, [7, 9, 8], {"highway": "motorway_link", "name": "太原服务区"}))
    path = tmp_path / "service_area.osm"
    write_osm(path, nodes, ways, {**JUNCTIONS, 7: "太原服务区"})
    network = network_from_osm_file(path)
    assert network.interchange_counts() == {"access": 1, "hub": 1}
    assert 8 not in network.interchanges.index
    assert sorted(network.interchange_ids.tolist()) == [3, 14]
