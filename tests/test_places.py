"""Township seats: loading users' files (WGS-84, GCJ-02, EPSG codes), OSM places, coverage."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from conftest import UTM, X0, Y0, lines_frame
from fast_geocn import wgs84_to_gcj02
from pyproj import Transformer
from shapely.geometry import Point, box

from transnet import InputError
from transnet.access import AccessGraph
from transnet.io.osm import townships_from_osm_file
from transnet.io.places import load_places
from transnet.metrics import MetricSettings, evaluate_scenario, grade_access
from transnet.network import network_from_lines

TO_LONLAT = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return TO_LONLAT.transform(X0 + x, Y0 + y)


def test_csv_in_wgs84(tmp_path):
    path = tmp_path / "towns.csv"
    path.write_text("name,lon,lat\n黄寨镇,112.55,38.10\n大盂镇,112.70,38.15\n", encoding="utf-8")
    places = load_places(path)
    assert places["name"].tolist() == ["黄寨镇", "大盂镇"]
    assert places.crs.to_epsg() == 4326
    assert places.geometry.x.tolist() == pytest.approx([112.55, 112.70])


def test_csv_in_gcj02_is_converted_to_wgs84(tmp_path):
    lon, lat = 112.55, 38.10
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    path = tmp_path / "gaode.csv"
    path.write_text(f"名称,lng,lat\n黄寨镇,{gcj_lon},{gcj_lat}\n", encoding="utf-8")
    places = load_places(path, crs="gcj02")
    assert places["name"].iloc[0] == "黄寨镇"
    # The GCJ-02 offset here is hundreds of metres; the conversion brings it back to ~1 m.
    offset_m = (
        gpd.GeoSeries.from_xy([gcj_lon], [gcj_lat], crs=4326)
        .to_crs(UTM)
        .distance(gpd.GeoSeries.from_xy([lon], [lat], crs=4326).to_crs(UTM))
        .iloc[0]
    )
    assert offset_m > 100
    back_m = (
        places.to_crs(UTM)
        .distance(gpd.GeoSeries.from_xy([lon], [lat], crs=4326).to_crs(UTM))
        .iloc[0]
    )
    assert back_m < 2


def test_csv_in_a_projected_crs(tmp_path):
    path = tmp_path / "utm.csv"
    path.write_text(f"name,x,y\nA,{X0 + 1000},{Y0}\n", encoding="utf-8")
    places = load_places(path, crs="32649")
    assert (places.geometry.x.iloc[0], places.geometry.y.iloc[0]) == pytest.approx(_lonlat(1000, 0))


def test_geojson_points(tmp_path):
    path = tmp_path / "towns.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "黄寨镇"},
                        "geometry": {"type": "Point", "coordinates": [112.55, 38.1]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    assert load_places(path)["name"].tolist() == ["黄寨镇"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("name,longitude\nA,112.5\n", "lat"),
        ("name,east,north\nA,112.5,38\n", "lon"),
        ("name,lon,lat\nA,112.5,\n", "lat"),
        ("name,lon,lat\nA,abc,38\n", "lon"),
    ],
)
def test_csv_without_usable_lon_lat(tmp_path, text, field):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_places(path)
    assert info.value.field == field
    assert "bad.csv" in str(info.value)


def test_unknown_crs(tmp_path):
    path = tmp_path / "towns.csv"
    path.write_text("name,lon,lat\nA,112.5,38\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown CRS"):
        load_places(path, crs="bd09-ish")


def test_township_coverage_by_grade_along_the_network(region):
    # A grade-2 road along y = 0 and, not connected to it, a grade-3 road along y = 3 km.
    lines = lines_frame(
        [
            {"id": "g2", "name": "grade 2", "grade": "2", "coords": [(0, 0), (10_000, 0)]},
            {"id": "g3", "name": "grade 3", "grade": "3", "coords": [(0, 3000), (10_000, 3000)]},
        ]
    )
    network = network_from_lines(lines)
    points = [(2000, 800), (4000, 1200), (6000, 2500)]
    towns = gpd.GeoDataFrame(
        {"name": ["near grade 2", "1.2 km from grade 2", "near grade 3"]},
        geometry=gpd.points_from_xy([X0 + x for x, _ in points], [Y0 + y for _, y in points]),
        crs=UTM,
    ).to_crs(4326)
    graph = AccessGraph.from_network(network)
    settings = MetricSettings()
    grade2 = grade_access(graph, towns.geometry, "2", settings=settings)
    grade3 = grade_access(graph, towns.geometry, "3", settings=settings)
    # Each town reaches the road it snaps to by its access leg; the third town's grade-3 road
    # never meets the grade-2 road, though a straight line to it is only 2.5 km.
    assert grade2["m"].tolist()[:2] == pytest.approx([800, 1200], abs=0.2)
    assert grade2["m"].iloc[2] == float("inf")
    assert grade2["euclidean_m"].iloc[2] == pytest.approx(2500, abs=0.2)
    assert grade3["m"].tolist() == pytest.approx([800, 1200, 500], abs=0.2)
    # 800 m of access leg at 20 km/h is 2.4 minutes.
    assert grade2["min"].iloc[0] == pytest.approx(2.4, abs=1e-3)
    metrics = evaluate_scenario(network, region, townships=towns)
    assert metrics.township_grade2_coverage.covered == 1
    assert metrics.township_grade3_coverage.covered == 2
    assert metrics.township_grade3_coverage.share == pytest.approx(2 / 3, abs=1e-4)
    assert [t.covered["township_grade2"] for t in metrics.townships] == [True, False, False]
    assert metrics.townships[2].to_grade_km["2"] is None  # unreachable, not dropped
    assert [t.snap_m for t in metrics.townships] == pytest.approx([800, 1200, 500], abs=0.2)
    # RAI: within 2 km of a grade-3-or-better road; along the network all three are (0.8,
    # 1.2 and 0.5 km), by straight line too.
    assert metrics.rai.network_share == 1.0
    assert metrics.rai.euclidean_share == 1.0


def test_rai_along_the_network_is_stricter_than_a_straight_line_buffer(region):
    # A grade-3 road along y = 0. The town is 1.5 km from it in a straight line, but its nearest
    # road is a grade-4 lane 300 m away that runs 4 km east, then 1.8 km south to the grade-3
    # road: 300 + 4,000 + 1,800 m along the network, beyond the index's 2 km.
    lines = lines_frame(
        [
            {
                "id": "g3",
                "name": "grade 3",
                "grade": "3",
                "coords": [(0, 0), (8000, 0), (10_000, 0)],
            },
            {
                "id": "g4",
                "name": "lane",
                "grade": "4",
                "coords": [(8000, 0), (8000, 1800), (4000, 1800)],
            },
        ]
    )
    town = gpd.GeoDataFrame(
        {"name": ["hill town"]}, geometry=[Point(X0 + 4000, Y0 + 1500)], crs=UTM
    ).to_crs(4326)
    metrics = evaluate_scenario(network_from_lines(lines), region, townships=town)
    assert metrics.rai.euclidean_share == 1.0
    assert metrics.rai.network_share == 0.0
    assert metrics.townships[0].euclidean_km["3"] == pytest.approx(1.5, abs=2e-4)
    assert metrics.townships[0].to_grade_km["3"] == pytest.approx(0.3 + 4.0 + 1.8, abs=2e-4)


PLACES_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" version="1" lat="38.10" lon="112.55"><tag k="place" v="town"/><tag k="name" v="黄寨镇"/></node>
  <node id="2" version="1" lat="38.15" lon="112.70"><tag k="place" v="village"/><tag k="name" v="侯村乡"/></node>
  <node id="3" version="1" lat="38.12" lon="112.60"><tag k="place" v="village"/><tag k="name" v="北小店村"/></node>
  <node id="4" version="1" lat="39.90" lon="116.40"><tag k="place" v="town"/><tag k="name" v="远方镇"/></node>
  <node id="5" version="1" lat="38.11" lon="112.58"><tag k="place" v="hamlet"/><tag k="name" v="小镇"/></node>
</osm>
"""


def test_townships_from_an_osm_file(tmp_path):
    path = tmp_path / "places.osm"
    path.write_text(PLACES_OSM, encoding="utf-8")
    every = townships_from_osm_file(path)
    assert sorted(every["name"]) == ["侯村乡", "远方镇", "黄寨镇"]
    inside = townships_from_osm_file(path, region=box(112.3, 37.9, 113.0, 38.5))
    assert sorted(inside["name"]) == ["侯村乡", "黄寨镇"]
    only_towns = townships_from_osm_file(path, suffixes=("镇",))
    assert sorted(only_towns["name"]) == ["远方镇", "黄寨镇"]


def test_load_townships_reads_osm_files_and_users_files_alike(tmp_path):
    from transnet.io.places import load_townships

    osm = tmp_path / "places.osm"
    osm.write_text(PLACES_OSM, encoding="utf-8")
    from_osm = load_townships(osm, region=box(112.3, 37.9, 113.0, 38.5))
    assert sorted(from_osm["name"]) == ["侯村乡", "黄寨镇"]
    csv = tmp_path / "towns.csv"
    csv.write_text("name,lon,lat\n黄寨镇,112.55,38.10\n", encoding="utf-8")
    from_csv = load_townships(csv)
    assert from_csv["name"].tolist() == ["黄寨镇"]
    assert from_osm.crs == from_csv.crs


BOUNDARY_OSM = PLACES_OSM.replace(
    "</osm>",
    """  <node id="11" version="1" lat="38.20" lon="112.40"/>
  <node id="12" version="1" lat="38.20" lon="112.50"/>
  <node id="13" version="1" lat="38.30" lon="112.50"/>
  <node id="14" version="1" lat="38.30" lon="112.40"/>
  <way id="90" version="1"><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
    <tag k="boundary" v="administrative"/><tag k="admin_level" v="8"/><tag k="name" v="凌井店乡"/></way>
  <way id="91" version="1"><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
    <tag k="boundary" v="administrative"/><tag k="admin_level" v="8"/><tag k="name" v="黄寨镇"/></way>
</osm>""",
)


def test_township_boundaries_fill_in_townships_without_a_place_node(tmp_path):
    path = tmp_path / "boundaries.osm"
    path.write_text(BOUNDARY_OSM, encoding="utf-8")
    towns = townships_from_osm_file(path, region=box(112.3, 37.9, 113.0, 38.5))
    by_name = towns.set_index("name")
    # 黄寨镇 has a place node: the boundary does not add it twice.
    assert sorted(by_name.index) == ["侯村乡", "凌井店乡", "黄寨镇"]
    assert by_name.at["黄寨镇", "seat_basis"] == "place node"
    assert by_name.at["凌井店乡", "seat_basis"].startswith("admin_level 8 boundary")
    point = by_name.at["凌井店乡", "geometry"]
    assert 112.40 < point.x < 112.50 and 38.20 < point.y < 38.30
    nodes_only = townships_from_osm_file(path, boundaries=False)
    assert "凌井店乡" not in set(nodes_only["name"])
