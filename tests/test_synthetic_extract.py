"""The synthetic OSM China extract (issue 11): read back independently of transnet, then
transnet's figures against the generator's own ground truth.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from pyproj import Transformer

from transnet._errors import InputError
from transnet.testing import (
    GroundTruth,
    region_for,
    write_osm_extract,
    write_road_database,
)

#: One county (定襄县): the cheapest extract, for determinism and the size law.
ONE_COUNTY = ["156140921"]
ORDINARY = ("trunk", "primary", "secondary", "tertiary", "unclassified")


@dataclass
class OsmFile:
    """What pyosmium reads from a file: nodes, ways and relations with their tags."""

    nodes: dict[int, tuple[float, float, dict]] = field(default_factory=dict)
    ways: dict[int, tuple[list[int], dict]] = field(default_factory=dict)
    relations: dict[int, tuple[list[tuple[str, int, str]], dict]] = field(default_factory=dict)

    def ways_of(self, highway: str) -> dict[int, tuple[list[int], dict]]:
        return {i: w for i, w in self.ways.items() if w[1].get("highway") == highway}

    def nodes_of(self, highways) -> set[int]:
        return {
            n for refs, tags in self.ways.values() if tags.get("highway") in highways for n in refs
        }


def read_osm(path) -> OsmFile:
    data = OsmFile()
    for item in osmium.FileProcessor(str(path)):
        tags = dict(item.tags)
        if item.is_node():
            data.nodes[item.id] = (item.location.lon, item.location.lat, tags)
        elif item.is_way():
            data.ways[item.id] = ([n.ref for n in item.nodes], tags)
        elif item.is_relation():
            members = [(m.type, m.ref, m.role) for m in item.members]
            data.relations[item.id] = (members, tags)
    return data


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """The Taixin extract at scale 1 (about 5,000 edges), its truth and its contents."""
    path = tmp_path_factory.mktemp("extract") / "taixin.osm.pbf"
    truth = write_osm_extract(path, region="taixin", scale=1, seed=0)
    return path, truth, read_osm(path)


@pytest.fixture(scope="module")
def network(extract):
    from transnet.io.osm import network_from_osm_file

    path, truth, _ = extract
    return network_from_osm_file(path, region=truth.to_region(), include_unclassified=True)


def _utm(points_lonlat: np.ndarray) -> np.ndarray:
    to = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
    x, y = to.transform(points_lonlat[:, 0], points_lonlat[:, 1])
    return np.column_stack([x, y])


def _way_xy(osm: OsmFile, refs: list[int]) -> np.ndarray:
    return _utm(np.array([osm.nodes[n][:2] for n in refs if n in osm.nodes]))


def _written_pieces(osm: OsmFile, refs: list[int]):
    """A way's runs of written nodes (UTM 49N): a LineString when the way is whole."""
    runs, run = [], []
    for node in [*refs, None]:
        if node in osm.nodes:
            run.append(node)
            continue
        if len(run) >= 2:
            runs.append(shapely.LineString(_way_xy(osm, run)))
        run = []
    if len(runs) == 1 and all(n in osm.nodes for n in refs):
        return runs[0]
    return shapely.MultiLineString(runs)


# ----------------------------------------------------------------------------------------------
# The generator


def test_same_seed_same_bytes_and_truth_other_seed_differs(tmp_path):
    first = write_osm_extract(tmp_path / "a.osm.pbf", region=ONE_COUNTY, seed=3)
    second = write_osm_extract(tmp_path / "b.osm.pbf", region=ONE_COUNTY, seed=3)
    other = write_osm_extract(tmp_path / "c.osm.pbf", region=ONE_COUNTY, seed=4)
    assert (tmp_path / "a.osm.pbf").read_bytes() == (tmp_path / "b.osm.pbf").read_bytes()
    assert (tmp_path / "a.osm.pbf").read_bytes() != (tmp_path / "c.osm.pbf").read_bytes()
    first.path = second.path = ""
    assert first.to_json() == second.to_json()
    assert first.km_by_class != other.km_by_class


def test_the_truth_is_written_beside_the_file_and_reads_back(extract):
    path, truth, _ = extract
    beside = path.with_name(path.name + ".truth.json")
    assert json.loads(beside.read_text(encoding="utf-8"))["km_by_class"] == truth.km_by_class
    assert GroundTruth.read(path) == truth
    assert truth.codes == region_for("taixin").counties["code"].tolist()


def test_edges_grow_linearly_with_scale(tmp_path):
    small = write_osm_extract(tmp_path / "s.osm.pbf", region=ONE_COUNTY, scale=1)
    large = write_osm_extract(tmp_path / "l.osm.pbf", region=ONE_COUNTY, scale=4)
    assert 3.0 < large.counts["edges"] / small.counts["edges"] < 5.0


def test_taixin_at_scale_1_is_ci_sized(extract):
    _, truth, osm = extract
    assert 4_000 < truth.counts["edges"] < 7_000
    assert truth.counts["nodes"] == len(osm.nodes)
    assert truth.counts["ways"] == len(osm.ways)
    assert truth.counts["relations"] == len(osm.relations)


def test_every_object_has_id_version_and_timestamp(extract):
    path, _, _ = extract
    for item in osmium.FileProcessor(str(path)):
        assert item.id > 0 and item.version == 1
        assert item.timestamp.year == 2026


# ----------------------------------------------------------------------------------------------
# Read back with pyosmium: China's tagging


def test_expressways_are_dual_carriageways(extract):
    _, _, osm = extract
    motorways = osm.ways_of("motorway")
    assert motorways and all(tags["oneway"] == "yes" for _, tags in motorways.values())
    # Ways reaching into the region are checked (a way just grazing the extract's edge may
    # have its partner outside); every way can be a partner, in its written pieces.
    pieces = {i: _written_pieces(osm, refs) for i, (refs, _) in motorways.items()}
    inside = {
        i
        for i, (refs, _) in motorways.items()
        if (
            _distance_outside_m(np.array([osm.nodes[n][:2] for n in refs if n in osm.nodes])) == 0
        ).any()
    }
    geometries = {i: g for i, g in pieces.items() if g.geom_type == "LineString" and i in inside}
    assert len(geometries) > 0.5 * len(motorways)
    checked = 0
    for way_id, line in geometries.items():
        ref = motorways[way_id][1]["ref"]
        middle = line.interpolate(0.5, normalized=True)
        partners = [
            (line.distance(other), other)
            for other_id, other in pieces.items()
            if other_id != way_id
            and motorways[other_id][1]["ref"] == ref
            and other.distance(middle) < 60
        ]
        assert partners, f"way {way_id} ({ref}) has no opposite carriageway"
        gap, other = min(partners, key=lambda p: p[0])
        if other.geom_type != "LineString":
            other = min(other.geoms, key=middle.distance)
        assert 19.0 <= other.distance(middle) <= 41.0, f"way {way_id}: {gap:.1f} m"
        here = np.subtract(*np.asarray(line.coords)[[-1, 0]])
        # The partner's direction near the middle of this way.
        at = other.project(middle)
        there = np.subtract(
            np.asarray(other.interpolate(at + 50).coords[0]),
            np.asarray(other.interpolate(at - 50).coords[0]),
        )
        cosine = here @ there / np.linalg.norm(here) / np.linalg.norm(there)
        assert cosine < -0.9, f"way {way_id} and its partner run the same way"
        checked += 1
    assert checked == len(geometries)


def test_expressway_refs_names_and_some_lanes(extract):
    _, _, osm = extract
    motorways = [tags for _, tags in osm.ways_of("motorway").values()]
    refs = {tags["ref"] for tags in motorways}
    assert {"G55", "G5;G20", "G2003"} <= refs
    assert "二广高速" in {tags["name"] for tags in motorways}
    for key in ("lanes", "maxspeed"):
        share = np.mean([key in tags for tags in motorways])
        assert 0.1 < share < 0.9, key


def test_junction_nodes_are_where_exit_ramps_diverge(extract):
    _, _, osm = extract
    junctions = {
        i for i, (_, _, tags) in osm.nodes.items() if tags.get("highway") == "motorway_junction"
    }
    assert junctions
    link_starts = Counter(refs[0] for refs, _ in osm.ways_of("motorway_link").values())
    link_ends = Counter(refs[-1] for refs, _ in osm.ways_of("motorway_link").values())
    on_motorway = osm.nodes_of({"motorway"})
    for node in junctions:
        tags = osm.nodes[node][2]
        assert tags.get("name") or tags.get("ref"), node
        assert node in on_motorway, node
        assert link_starts[node] == 1 and link_ends[node] == 0, node
    assert any("name" not in osm.nodes[n][2] for n in junctions), "some junctions: ref only"


def test_on_ramps_leave_ordinary_roads_and_merge_into_a_carriageway(extract):
    _, truth, osm = extract
    ordinary = osm.nodes_of(set(ORDINARY))
    on_motorway = osm.nodes_of({"motorway"})
    on_ramps = [
        refs
        for refs, _ in osm.ways_of("motorway_link").values()
        if refs[0] in ordinary and refs[-1] in on_motorway
    ]
    exits = [
        refs
        for refs, _ in osm.ways_of("motorway_link").values()
        if refs[0] in on_motorway and refs[-1] in ordinary
    ]
    assert len(on_ramps) == len(exits) == 2 * len(truth.interchanges)
    starts = {tuple(np.round(osm.nodes[r[0]][:2], 6)) for r in on_ramps}
    merges = {tuple(np.round(osm.nodes[r[-1]][:2], 6)) for r in on_ramps}
    truth_entries = {tuple(np.round(p, 6)) for ic in truth.interchanges for p in ic["entry_points"]}
    truth_merges = {tuple(np.round(p, 6)) for ic in truth.interchanges for p in ic["merge_points"]}
    assert starts == truth_entries
    assert merges == truth_merges
    assert any(len(ic["entry_points"]) == 2 for ic in truth.interchanges)


def test_hubs_join_two_expressways_and_no_ordinary_road(extract):
    _, truth, osm = extract
    assert truth.hub_count >= 1
    ordinary = osm.nodes_of(set(ORDINARY))
    on_motorway = osm.nodes_of({"motorway"})
    hub_links = [
        refs
        for refs, _ in osm.ways_of("motorway_link").values()
        if refs[0] in on_motorway and refs[-1] in on_motorway
    ]
    assert len(hub_links) == 4 * len(truth.hubs)
    for refs in hub_links:
        assert not set(refs) & ordinary
        assert osm.nodes[refs[0]][2]["name"].endswith("枢纽")


def test_an_expressway_has_ramps_but_no_junction_nodes(extract):
    _, truth, osm = extract
    junctions = {
        i for i, (_, _, tags) in osm.nodes.items() if tags.get("highway") == "motorway_junction"
    }
    nodes_by_ref: dict[str, set[int]] = {}
    for refs, tags in osm.ways_of("motorway").values():
        nodes_by_ref.setdefault(tags["ref"], set()).update(refs)
    link_nodes = osm.nodes_of({"motorway_link"})
    bare = [
        ref for ref, nodes in nodes_by_ref.items() if not nodes & junctions and nodes & link_nodes
    ]
    assert bare, "every expressway has junction nodes: the fall-back is not exercised"
    assert {ic["ref"] for ic in truth.interchanges if not ic["tagged"]} == set(bare)


def test_ordinary_roads_carry_china_refs_and_malformed_values(extract):
    _, _, osm = extract
    by_class = {h: [tags for _, tags in osm.ways_of(h).values()] for h in ORDINARY}
    prefixes = {"trunk": "G", "primary": "S3", "secondary": "X", "tertiary": "Y"}
    for highway, prefix in prefixes.items():
        refs = [tags["ref"] for tags in by_class[highway] if "ref" in tags]
        assert refs and all(r.startswith(prefix) for r in refs), highway
    trunk_refs = {tags.get("ref") for tags in by_class["trunk"]}
    assert {"G108", "G 108", "G108；S317"} <= trunk_refs
    speeds = {tags["maxspeed"] for _, tags in osm.ways.values() if "maxspeed" in tags}
    assert {"60 mph", "none", "80;60"} <= speeds
    assert 0 < np.mean(["lanes" in t for t in by_class["trunk"]]) < 1


def test_places_and_township_boundaries(extract):
    _, truth, osm = extract
    places = [(tags["place"], tags["name"]) for *_, tags in osm.nodes.values() if "place" in tags]
    assert any(kind == "town" and name.endswith("镇") for kind, name in places)
    assert any(kind == "village" and name.endswith("乡") for kind, name in places)
    assert any(kind == "village" and name.endswith("村") for kind, name in places)
    place_names = {name for _, name in places}
    closed = [
        tags["name"]
        for refs, tags in osm.ways.values()
        if tags.get("admin_level") == "8" and refs[0] == refs[-1]
    ]
    in_relations = [
        tags["name"]
        for _, tags in osm.relations.values()
        if tags.get("admin_level") == "8" and tags.get("type") == "boundary"
    ]
    bases = Counter(t["basis"] for t in truth.townships)
    assert len(closed) == bases["admin_level 8 way"] > 0
    assert len(in_relations) == bases["admin_level 8 relation"] > 0
    assert not (set(closed) | set(in_relations)) & place_names


def _distance_outside_m(lonlat: np.ndarray) -> np.ndarray:
    """Each lon/lat point's distance beyond the Taixin outline, metres (0 inside)."""
    outline = gpd.GeoSeries([region_for("taixin").outline], crs="EPSG:4326")
    return shapely.distance(outline.to_crs("EPSG:32649").iloc[0], shapely.points(_utm(lonlat)))


def test_ways_cross_the_extract_edge_whole_by_default(extract):
    _, truth, osm = extract
    assert truth.strategy == "complete_ways"
    crossing = 0
    for refs, tags in osm.ways.values():
        assert all(n in osm.nodes for n in refs), "complete_ways: every node is written"
        if tags.get("highway") in ORDINARY:
            beyond = _distance_outside_m(np.array([osm.nodes[n][:2] for n in refs])) > 3_000
            crossing += bool(beyond.any() and not beyond.all())
    assert crossing > 20


def test_the_simple_strategy_drops_nodes_beyond_the_edge(tmp_path):
    from transnet.io.osm import network_from_osm_file

    whole = write_osm_extract(tmp_path / "whole.osm.pbf", region=ONE_COUNTY)
    path = tmp_path / "simple.osm.pbf"
    cut = write_osm_extract(path, region=ONE_COUNTY, strategy="simple")
    osm = read_osm(path)
    dangling = [i for i, (refs, _) in osm.ways.items() if any(n not in osm.nodes for n in refs)]
    assert len(dangling) > 10
    assert (
        cut.counts["nodes"] < whole.counts["nodes"] and cut.counts["ways"] == whole.counts["ways"]
    )
    assert cut.km_by_county == whole.km_by_county and cut.seats == whole.seats
    network = network_from_osm_file(path, region=cut.to_region(), include_unclassified=True)
    pieces = _km_by_highway(network, cut.to_region())
    km = pieces[~pieces["ramp"]].groupby("highway")["km"].sum()
    for road_class in ("motorway", *ORDINARY):
        assert km[road_class] == pytest.approx(cut.km_by_class[road_class], rel=0.005), road_class


def test_one_seat_per_county_on_a_road_inside_its_county(extract):
    _, truth, osm = extract
    region = truth.to_region()
    polygons = region.counties.set_index("code").geometry
    assert [s["code"] for s in truth.seats] == region.counties["code"].tolist()
    on_roads = osm.nodes_of(set(ORDINARY))
    for seat in truth.seats:
        assert polygons[seat["code"]].contains(shapely.Point(seat["lon"], seat["lat"]))
        assert seat["node"] in on_roads
        assert osm.nodes[seat["node"]][2]["name"] == seat["name"]
        assert 0 < seat["entry_km"] < seat["merge_km"]


def test_xml_output_holds_the_same_roads(tmp_path):
    pbf = write_osm_extract(tmp_path / "a.osm.pbf", region=ONE_COUNTY, seed=2)
    xml = write_osm_extract(tmp_path / "a.osm", region=ONE_COUNTY, seed=2)
    assert (tmp_path / "a.osm").read_text(encoding="utf-8").startswith("<?xml")
    assert xml.counts == pbf.counts and xml.km_by_class == pbf.km_by_class
    assert len(read_osm(tmp_path / "a.osm").ways) == pbf.counts["ways"]


@pytest.mark.parametrize(
    ("kwargs", "field_name", "fragment"),
    [
        ({"path": "roads.geojson"}, "path", ".osm.pbf or .osm"),
        ({"scale": float("nan")}, "scale", "got nan"),
        ({"scale": 0}, "scale", "> 0"),
        ({"strategy": "smart"}, "strategy", "complete_ways, simple"),
        ({"region": ["990000"]}, "region", "no county GB code starts with 15699"),
    ],
    ids=["suffix", "nan scale", "zero scale", "strategy", "unknown code"],
)
def test_bad_arguments_are_input_errors(tmp_path, kwargs, field_name, fragment):
    path = tmp_path / kwargs.pop("path", "x.osm.pbf")
    with pytest.raises(InputError) as caught:
        write_osm_extract(path, **{"region": ONE_COUNTY, **kwargs})
    assert caught.value.field == field_name
    assert fragment in str(caught.value)
    assert not path.exists()


def test_a_region_passed_in_comes_back_from_the_truth(tmp_path):
    region = region_for(["156140921", "156140922"])
    # Seats of the caller's own: not where region_for puts them.
    moved = shapely.point_on_surface(shapely.buffer(region.counties.geometry.to_numpy(), -0.05))
    assert shapely.distance(moved, region.seats.geometry.to_numpy()).min() > 1e-3
    region.seats["geometry"] = moved
    truth = write_osm_extract(tmp_path / "r.osm.pbf", region=region)
    back = GroundTruth.read(tmp_path / "r.osm.pbf").to_region()
    assert back.counties["code"].tolist() == ["156140921", "156140922"]
    assert shapely.distance(back.seats.geometry.to_numpy(), moved).max() < 1e-6
    assert [s["code"] for s in truth.seats] == back.seats["code"].tolist()


def test_region_for_provinces_cities_and_counties():
    assert len(region_for("140000").counties) == 117
    assert len(region_for("140900").counties) == 14
    assert region_for("140122").counties["name"].tolist() == ["阳曲县"]
    region = region_for(ONE_COUNTY)
    assert region.counties.contains(region.seats.geometry.iloc[0]).all()


# ----------------------------------------------------------------------------------------------
# transnet against the truth


def _km_by_highway(network, region) -> gpd.GeoDataFrame:
    roads = network.edges[["highway", "ramp", "centerline_factor", "geometry"]]
    counties = region.counties[["code", "geometry"]].to_crs(network.crs)
    pieces = gpd.overlay(roads, counties, how="intersection", keep_geom_type=True)
    pieces["km"] = pieces.length * pieces["centerline_factor"] / 1000
    return pieces


def test_transnet_km_by_class_and_county_match_the_truth(extract, network):
    from transnet.metrics.density import zone_density

    _, truth, _ = extract
    region = truth.to_region()
    pieces = _km_by_highway(network, region)
    roads = pieces[~pieces["ramp"]]
    by_class = roads.groupby("highway")["km"].sum()
    for road_class in ("motorway", *ORDINARY):
        assert by_class[road_class] == pytest.approx(truth.km_by_class[road_class], rel=0.005), (
            road_class
        )
    assert pieces.loc[pieces["ramp"], "km"].sum() == pytest.approx(truth.ramp_km, rel=0.005)
    by_county = roads.groupby(["code", "highway"])["km"].sum()
    for code, expected in truth.km_by_county.items():
        for road_class, km in expected.items():
            if road_class != "total" and km > 1:
                assert by_county[(code, road_class)] == pytest.approx(km, rel=0.005), (
                    code,
                    road_class,
                )
    density = zone_density(network, region)
    assert density.length_km["total"] == pytest.approx(truth.km_by_class["total"], rel=0.005)
    assert density.length_km["expressway"] == pytest.approx(
        truth.km_by_class["motorway"], rel=0.005
    )
    per_county = density.by_county_grade_m.groupby(level="code").sum() / 1000
    for code, expected in truth.km_by_county.items():
        assert per_county[code] == pytest.approx(expected["total"], rel=0.005), code


def test_transnet_edges_match_the_truth_count(extract):
    from transnet.io.osm import network_from_osm_file

    path, truth, _ = extract
    assert (
        len(network_from_osm_file(path, include_unclassified=True).edges) == (truth.counts["edges"])
    )


def test_transnet_counts_each_physical_interchange_once(extract, network):
    _, truth, _ = extract
    region = truth.to_region()
    points = network.interchange_points().to_crs("EPSG:4326")
    inside = points[points.within(region.outline)]
    hubs = inside["hub"].to_numpy(dtype=bool)
    assert int((~hubs).sum()) == truth.interchange_count
    assert int(hubs.sum()) == truth.hub_count
    counties = region.counties.set_index("code")
    for code, polygon in counties.geometry.items():
        expected = sum(ic["county"] == code for ic in truth.interchanges)
        assert int((~hubs & inside.within(polygon).to_numpy()).sum()) == expected, code


def test_transnet_seat_distances_match_the_truth(extract, network):
    from transnet.access import AccessGraph
    from transnet.metrics.coverage import county_coverage
    from transnet.metrics.density import zone_density
    from transnet.metrics.settings import MetricSettings

    _, truth, _ = extract
    region = truth.to_region()
    records, _, _ = county_coverage(
        AccessGraph.from_network(network),
        region,
        zone_density(network, region),
        settings=MetricSettings(),
    )
    by_code = {r.code: r for r in records}
    for seat in truth.seats:
        got = by_code[seat["code"]].seat_to_interchange_km
        assert got == pytest.approx(seat["merge_km"], rel=0.01), seat["name"]


def test_transnet_finds_every_township_of_the_truth(extract):
    from transnet.io.osm import townships_from_osm_file

    path, truth, _ = extract
    townships = townships_from_osm_file(path, region=truth.to_region())
    found = dict(zip(townships["name"], townships["seat_basis"], strict=True))
    assert set(found) == {t["name"] for t in truth.townships}
    from_boundaries = {n for n, basis in found.items() if basis.startswith("admin_level 8")}
    assert from_boundaries == {
        t["name"] for t in truth.townships if t["basis"].startswith("admin_level 8")
    }


def test_transnet_seat_distances_without_village_roads_match_the_truth(extract):
    from transnet.access import AccessGraph
    from transnet.io.osm import network_from_osm_file
    from transnet.metrics.coverage import county_coverage
    from transnet.metrics.density import zone_density
    from transnet.metrics.settings import MetricSettings

    path, truth, _ = extract
    region = truth.to_region()
    network = network_from_osm_file(path, region=region)
    assert "unclassified" not in set(network.edges["highway"])
    records, _, _ = county_coverage(
        AccessGraph.from_network(network),
        region,
        zone_density(network, region),
        settings=MetricSettings(),
    )
    by_code = {r.code: r for r in records}
    for seat in truth.seats:
        got = by_code[seat["code"]].seat_to_interchange_km
        assert got == pytest.approx(seat["merge_km_without_unclassified"], rel=0.01), seat["name"]


# ----------------------------------------------------------------------------------------------
# The road database companion


def test_road_database_shapefile_reads_in_gbk_with_the_same_truth(extract, tmp_path):
    _, truth, _ = extract
    path = tmp_path / "roads.shp"
    database = write_road_database(path, region="taixin", scale=1, seed=0)
    assert path.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    assert "国道".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    roads = gpd.read_file(path)
    assert roads.crs.to_epsg() == 4490
    assert roads.columns.tolist() == [
        "路线编号",
        "路线名称",
        "技术等级",
        "行政等级",
        "车道数",
        "geometry",
    ]
    assert set(roads["技术等级"]) == {"高速", "一级", "二级", "三级", "四级"}
    assert set(roads["行政等级"]) == {"国道", "省道", "县道", "乡道", "村道"}
    assert "二广高速" in set(roads["路线名称"])
    assert database.km_by_class == truth.km_by_class
    assert database.km_by_county == truth.km_by_county
    assert database.counts == {"features": len(roads)}
    assert database.interchanges == [] and database.ramp_km == 0
    assert all(seat["merge_km"] is None for seat in database.seats)
    # The lines themselves hold the truth's km by grade (measured here in UTM 49N).
    region = truth.to_region()
    counties = region.counties[["code", "geometry"]].to_crs("EPSG:32649")
    pieces = gpd.overlay(
        roads.to_crs("EPSG:32649"), counties, how="intersection", keep_geom_type=True
    )
    km = pieces.length.groupby(pieces["技术等级"]).sum() / 1000
    names = {"expressway": "高速", "1": "一级", "2": "二级", "3": "三级", "4": "四级"}
    for grade, name in names.items():
        assert km[name] == pytest.approx(database.km_by_grade[grade], rel=0.005), name
